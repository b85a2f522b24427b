//! End to end: edit the routing rules, regenerate, and the local stack's interpreter sends a
//! real chat (dev login, initiation, Messenger's first message) to the new queue. Only the
//! TOML changes: no code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use architect_tests::repo_file;
use genesys_as_code::generate::{self, flow::FLOW_PATH};
use genesys_as_code::routing::{ROUTING_PATH, Routing};
use local::{FlowOptions, Options, spawn};
use secure_initiation::attributes::Schema;
use serde_json::{Value, json};
use test_support::guest::{Channel, Guest};

async fn chat_queue(options: Options, tier: u8) -> Value {
    let running = spawn(Options { port: 0, ..options }).await.unwrap();
    let base = running.base_url();
    let http = reqwest::Client::new();
    let login: Value = http
        .get(format!(
            "{base}/dev/login?sub=edit-{tier}&tier={tier}&geo=emea"
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ticket: Value = http
        .post(format!("{base}/v1/initiations"))
        .bearer_auth(login["token"].as_str().unwrap())
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // Messenger: a guest session on the Guest API, then the first message carrying the hash
    // starts the conversation; the sandbox runs the inbound flow after its echo.
    let api = format!("ws://{}/v1", running.addr);
    let mut guest = Guest::connect(&api, local::DEV_WIDGET_ID, &base)
        .await
        .unwrap();
    guest.configure().await.unwrap();
    let attributes = json!({"session_hash": ticket["sessionHash"]});
    let echo = guest
        .say("hello", Some(attributes), Channel::InMessage)
        .await
        .unwrap();
    let message = echo["body"]["id"].as_str().unwrap();
    let details: Value = http
        .get(format!("{base}/sandbox/_sandbox/messages/{message}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = details["conversationId"].as_str().unwrap();
    let conversation: Value = http
        .get(format!("{base}/sandbox/_sandbox/conversations/{id}/flow"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    conversation["inboundFlow"].clone()
}

#[tokio::test]
async fn a_routing_edit_reaches_the_new_queue_after_regeneration_with_no_code_change() {
    let committed = repo_file(ROUTING_PATH);
    let edited = committed
        .replace(
            "name = \"Tier 2 is standard\"\nqueue = \"standard\"",
            "name = \"Tier 2 is gold\"\nqueue = \"gold\"",
        )
        .replace(
            "[queues]\n",
            "[queues]\ngold = { name = \"Web Messaging Gold\", order = 6 }\n",
        );
    assert_ne!(edited, committed, "the edit applies to the committed rules");

    let schema = Schema::default_schema().unwrap();
    let routing = Routing::from_toml(&edited, &schema).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let routing_file = dir.path().join("routing.toml");
    std::fs::write(&routing_file, &edited).unwrap();
    let flow_file = dir.path().join("secure-inbound-message.yaml");
    let regenerated = generate::all_artifacts(&schema, &routing)
        .into_iter()
        .find(|a| a.path == FLOW_PATH)
        .unwrap();
    std::fs::write(&flow_file, &regenerated.contents).unwrap();

    let before = chat_queue(Options::default(), 2).await;
    assert_eq!(before["queue"], "Web Messaging Standard", "{before:#}");

    let after = chat_queue(
        Options {
            flow: FlowOptions {
                file: Some(flow_file.clone()),
                routing: Some(routing_file),
                ..FlowOptions::default()
            },
            ..Options::default()
        },
        2,
    )
    .await;
    assert_eq!(after["queue"], "Web Messaging Gold", "{after:#}");
    assert!(
        after["flow"]
            .as_str()
            .unwrap()
            .contains(&flow_file.display().to_string())
    );
    let transfer = after["steps"].as_array().unwrap().last().unwrap();
    assert_eq!(transfer["name"], "transferToAcd");
    assert_eq!(transfer["detail"]["name"], "Transfer: Tier 2 is gold");
}
