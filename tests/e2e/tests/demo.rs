//! The local stack's development-only routes behind the demo page: its assets, Messenger's
//! guest sessions over the sandbox's Guest API with the inbound flow that validates a
//! conversation after its first message, and the "Architect" route that calls validate-session.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{TestApp, spawn_app};
use genesys_sandbox::MessengerDeployment;
use local::{DEV_WIDGET_ID, Options};
use reqwest::StatusCode;
use serde_json::{Value, json};
use test_support::guest::{Channel, Guest};

/// A Messenger guest on the stack's Guest API (its URL and deployment from `GET /dev/stack`),
/// its session configured: what the stand-in does in the browser.
async fn guest(app: &TestApp) -> Guest {
    let stack: Value = app
        .http
        .get(app.url("/dev/stack"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let api = stack["guestApiUrl"].as_str().unwrap();
    let deployment = stack["deploymentId"].as_str().unwrap();
    let mut guest = Guest::connect(api, deployment, &app.running.base_url())
        .await
        .unwrap();
    let reply = guest.configure().await.unwrap();
    assert_eq!(reply["body"]["newSession"], true, "{reply}");
    guest
}

/// The guest writes, with `attributes` travelling beside the message; answers the conversation
/// it went to, found by the message's id as a test tool finds it (the guest never learns it).
async fn say(app: &TestApp, guest: &mut Guest, text: &str, attributes: Option<Value>) -> String {
    let echo = guest
        .say(text, attributes, Channel::InMessage)
        .await
        .unwrap();
    assert_eq!(echo["class"], "StructuredMessage", "{echo}");
    let details: Value = app
        .http
        .get(app.url(&format!(
            "/sandbox/_sandbox/messages/{}",
            echo["body"]["id"].as_str().unwrap()
        )))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    details["conversationId"].as_str().unwrap().to_owned()
}

/// A conversation started by a first message carrying `session_hash`.
async fn messenger_start(app: &TestApp, session_hash: &str) -> String {
    let mut guest = guest(app).await;
    let attributes = json!({"session_hash": session_hash});
    say(app, &mut guest, "Where is my order?", Some(attributes)).await
}

/// The conversation once the inbound flow, which runs on its own after the first message's
/// echo, has left its record on it.
async fn conversation(app: &TestApp, id: &str) -> Value {
    app.http
        .get(app.url(&format!("/sandbox/_sandbox/conversations/{id}/flow")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn stats(app: &TestApp) -> Value {
    app.http
        .get(app.url("/sandbox/_sandbox/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn architect_run(app: &TestApp, conversation_id: &str) -> reqwest::Response {
    app.http
        .post(app.url("/dev/architect/run"))
        .json(&json!({ "conversationId": conversation_id }))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_demo_page_and_client_are_served_with_a_strict_content_security_policy() {
    let app = spawn_app(Options::default()).await;
    for (path, content_type) in [
        ("/", "text/html; charset=utf-8"),
        ("/web/secure-messaging.js", "text/javascript; charset=utf-8"),
        ("/web/demo/demo.js", "text/javascript; charset=utf-8"),
        ("/web/demo/dom.js", "text/javascript; charset=utf-8"),
        ("/web/demo/lifecycle.js", "text/javascript; charset=utf-8"),
        ("/web/demo/demo.css", "text/css; charset=utf-8"),
        ("/dev/genesys-stand-in.js", "text/javascript; charset=utf-8"),
    ] {
        let response = app.http.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(response.headers()["content-type"], content_type, "{path}");
        let csp = response.headers()["content-security-policy"]
            .to_str()
            .unwrap();
        assert!(csp.contains("script-src 'self'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    }
    let stack: Value = app
        .http
        .get(app.url("/dev/stack"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stack["strategy"], "messenger");
    assert_eq!(stack["deploymentId"], DEV_WIDGET_ID);
    assert_eq!(
        stack["guestApiUrl"],
        format!("ws://{}/v1", app.running.addr).as_str()
    );
    assert_eq!(
        stack["messenger"],
        json!({"deploymentId": DEV_WIDGET_ID, "maxCustomDataBytes": 2048, "autostart": false,
               "disconnect": {"enabled": true, "type": "Send"}, "clear": true,
               "sessionDurationSecs": null})
    );
}

/// The first step of a flow record that ran `action`.
fn step<'a>(flow: &'a Value, action: &str) -> &'a Value {
    flow["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == action)
        .map_or(&Value::Null, |s| &s["detail"])
}

#[tokio::test]
async fn the_first_message_runs_the_generated_flow_once_which_sets_the_data_then_transfers() {
    let app = spawn_app(Options::default()).await;
    let token = app.login("hana").await;
    let ticket = app.initiate(&token).await;
    let hash = ticket["sessionHash"].as_str().unwrap();
    let mut guest = guest(&app).await;
    let id = say(&app, &mut guest, "hi", Some(json!({"session_hash": hash}))).await;
    let id = id.as_str();

    let read = conversation(&app, id).await;
    let flow = &read["inboundFlow"];
    assert!(
        flow["flow"]
            .as_str()
            .unwrap()
            .contains("infra/genesys/flows/secure-inbound-message.yaml"),
        "{flow:#}"
    );
    assert_eq!(flow["steps"][0]["name"], "getParticipantData");
    assert_eq!(flow["steps"][0]["detail"]["attribute"], "session_hash");
    assert_eq!(flow["steps"][0]["detail"]["set"], true);
    let call = step(flow, "callData");
    assert_eq!(call["dataAction"], "Validate secure session");
    assert_eq!(call["path"], "success");
    assert_eq!(call["output"]["valid"], true);
    assert_eq!(call["output"]["priority_tier"], "2");
    assert_eq!(flow["queue"], "Web Messaging Standard", "tier 2's queue");
    let transfer = flow["transferStep"].as_u64().unwrap();
    let set = flow["participantData"].as_array().unwrap();
    let keys: Vec<&str> = set.iter().map(|d| d["key"].as_str().unwrap()).collect();
    assert_eq!(
        keys,
        [
            "priority_tier",
            "geo_segment",
            "order_id",
            "risk_score",
            "authenticated"
        ]
    );
    assert!(
        set.iter().all(|d| d["step"].as_u64().unwrap() < transfer),
        "every datum is set before the transfer"
    );
    assert!(
        !flow.to_string().contains(hash),
        "the flow record never holds the hash"
    );
    let customer = read["participants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["purpose"] == "customer")
        .unwrap();
    assert_eq!(
        customer["attributes"]["geo_segment"], "na-east",
        "Set Participant Data landed"
    );

    // Later messages, and a reload (the session configured again), start no flow run.
    assert_eq!(say(&app, &mut guest, "anyone?", None).await, id);
    let stack: Value = app
        .http
        .get(app.url("/dev/stack"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut reloaded = guest
        .reconnect(
            stack["guestApiUrl"].as_str().unwrap(),
            &app.running.base_url(),
        )
        .await
        .unwrap();
    assert_eq!(
        reloaded.configure().await.unwrap()["body"]["newSession"],
        false
    );
    assert_eq!(say(&app, &mut reloaded, "still here", None).await, id);
    assert_eq!(stats(&app).await["flowRuns"], 1);

    // Ended by an agent, then the same hash again: a new conversation, a second flow run, and
    // the hash (bound to the first conversation) is replayed: the default queue, nothing set.
    let ended = app
        .http
        .post(app.url(&format!("/sandbox/_sandbox/conversations/{id}/disconnect")))
        .send()
        .await
        .unwrap();
    assert_eq!(ended.status(), StatusCode::OK);
    let again = say(
        &app,
        &mut guest,
        "back",
        Some(json!({"session_hash": hash})),
    )
    .await;
    assert_ne!(again, id, "a new conversation");
    let second = conversation(&app, &again).await;
    assert_eq!(
        step(&second["inboundFlow"], "callData")["output"]["reason"],
        "replayed"
    );
    assert_eq!(second["inboundFlow"]["queue"], "Web Messaging");
    assert!(second["inboundFlow"].get("participantData").is_none());
    assert_eq!(stats(&app).await["flowRuns"], 2);
}

#[tokio::test]
async fn the_messenger_deployment_settings_are_options_of_the_stack() {
    let app = spawn_app(Options {
        messenger: MessengerDeployment {
            max_custom_data_bytes: 100,
            autostart: true,
            ..MessengerDeployment::default()
        },
        ..Options::default()
    })
    .await;
    let stack: Value = app
        .http
        .get(app.url("/dev/stack"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stack["messenger"]["maxCustomDataBytes"], 100);
    assert_eq!(stack["messenger"]["autostart"], true);
    let mut guest = guest(&app).await;
    let attributes = json!({"session_hash": "x".repeat(100)});
    let over = guest
        .say("hi", Some(attributes), Channel::InMessage)
        .await
        .unwrap();
    assert_eq!(over["code"], 4013);
    assert_eq!(stats(&app).await["conversations"], 0);
    let config: Value = app
        .http
        .get(app.url(&format!(
            "/webdeployments/v1/deployments/{DEV_WIDGET_ID}/config.json"
        )))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        config["messenger"]["apps"]["conversations"]["autoStart"]["enabled"],
        true
    );
}

#[tokio::test]
async fn the_architect_route_answers_the_flows_record_and_runs_it_for_other_conversations_once() {
    let app = spawn_app(Options::default()).await;
    let token = app.login("gina").await;
    let ticket = app.initiate(&token).await;
    let hash = ticket["sessionHash"].as_str().unwrap();
    let conversation_id = messenger_start(&app, hash).await;

    let response = architect_run(&app, &conversation_id).await;
    assert_eq!(response.status(), StatusCode::OK);
    let run: Value = response.json().await.unwrap();
    assert_eq!(run["dataAction"]["status"], 200);
    assert_eq!(run["dataAction"]["path"], "success");
    assert_eq!(run["dataAction"]["output"]["priority_tier"], "2");
    assert_eq!(run["flowRun"]["queue"], "Web Messaging Standard");
    assert_eq!(run["participantAttributesAfter"]["geo_segment"], "na-east");
    assert_eq!(
        run["flowRun"],
        conversation(&app, &conversation_id).await["inboundFlow"],
        "the record the sandbox stored: the flow ran once"
    );
    assert_eq!(stats(&app).await["flowRuns"], 1);
}

#[tokio::test]
async fn a_forged_or_missing_hash_reaches_the_default_queue_with_nothing_set() {
    let app = spawn_app(Options::default()).await;
    let forged = messenger_start(&app, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").await;
    let run: Value = architect_run(&app, &forged).await.json().await.unwrap();
    assert_eq!(run["dataAction"]["output"]["valid"], false);
    assert_eq!(run["dataAction"]["output"]["reason"], "unknown");
    assert_eq!(run["flowRun"]["queue"], "Web Messaging");
    assert_eq!(
        run["participantAttributesAfter"],
        json!({"session_hash": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}),
        "nothing written for a forged hash"
    );

    let mut guest = guest(&app).await;
    let id = say(&app, &mut guest, "no attributes", None).await;
    let id = id.as_str();
    let flow = conversation(&app, id).await["inboundFlow"].clone();
    assert_eq!(flow["steps"][0]["detail"]["set"], false);
    assert_eq!(flow["queue"], "Web Messaging");
    assert_eq!(
        step(&flow, "callData"),
        &Value::Null,
        "no hash: no data action call"
    );
    let run: Value = architect_run(&app, id).await.json().await.unwrap();
    assert_eq!(run["dataAction"]["path"], "not called");

    let unknown = architect_run(&app, "5d1c9e2a-0000-4000-8000-000000000000").await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_banner_prints_the_guest_api_url_and_a_guest_configures_a_session_there() {
    let options = Options {
        port: 0,
        ..Options::default()
    };
    let app = spawn_app(options.clone()).await;

    let banner = local::cli::banner(&app.running, &options);
    let line = banner
        .lines()
        .find(|l| l.trim_start().starts_with("Guest API"))
        .expect("a Guest API row");
    let url = line.split_whitespace().last().unwrap();
    let (api, query) = url.split_once('?').unwrap();
    let mut guest = Guest::connect(api, DEV_WIDGET_ID, &app.running.base_url())
        .await
        .unwrap();
    let reply = guest.configure().await.unwrap();

    assert_eq!(api, format!("ws://{}/v1", app.running.addr));
    assert_eq!(query, format!("deploymentId={DEV_WIDGET_ID}"));
    assert_eq!(reply["body"]["newSession"], true);
}
