//! Acceptance 4, the server's side: with autostart on, a `Presence` `Join` with attributes starts
//! one conversation and a second `Join` joins it; with autostart off a `Join` starts nothing.
//! The deployment's `config.json` tells the guest which (`autoStart.enabled`); the transport SDK
//! sends the `Join` once, after a `SessionResponse` with `newSession: true`
//! (`MessagingClientImpl.kt`, `handleSessionResponse`). When Messenger's stand-in sends it is
//! the browser suite's business (`web/test/browser/`).

use genesys_sandbox::MessengerDeployment;
use serde_json::{Value, json};

use crate::helpers::*;

fn autostart() -> MessengerDeployment {
    MessengerDeployment {
        autostart: true,
        ..MessengerDeployment::default()
    }
}

#[tokio::test]
async fn with_autostart_a_join_with_attributes_starts_one_conversation_and_a_second_join_joins_it()
{
    let lab = lab_with(autostart()).await;
    let mut guest = lab.guest().await;
    assert_eq!(guest.configure().await.unwrap()["body"]["newSession"], true);

    let first = guest
        .join(Some(json!({"session_hash": "auto"})))
        .await
        .unwrap();
    let second = guest.join(None).await.unwrap();

    assert_eq!(first["class"], "StructuredMessage");
    let body = &first["body"];
    assert_eq!(
        (body["direction"].as_str(), body["type"].as_str()),
        (Some("Inbound"), Some("Event"))
    );
    assert_eq!(
        body["events"],
        json!([{"eventType": "Presence", "presence": {"type": "Join"}}])
    );
    let id = lab.conversation_of(&first).await;
    assert_eq!(lab.conversation_of(&second).await, id);
    let conversation = lab.with_flow_record(&id).await;
    assert_eq!(
        customer_data(&conversation),
        json!({"session_hash": "auto"})
    );
    assert_eq!(conversation.initial_message, None, "nobody wrote");
    assert_eq!(lab.sandbox.conversations().len(), 1);
    assert_eq!(lab.sandbox.count_flow_runs(), 1);
    let started: Vec<Option<String>> = lab.sandbox.messenger_sessions()[0]
        .events
        .iter()
        .filter(|e| e.kind == "conversationStarted")
        .map(|e| e.by.clone())
        .collect();
    assert_eq!(started, [Some("autostart".to_owned())]);
}

#[tokio::test]
async fn without_autostart_a_join_starts_nothing_and_is_refused() {
    let lab = lab().await;
    let mut guest = lab.configured().await;

    let refused = guest
        .join(Some(json!({"session_hash": "auto"})))
        .await
        .unwrap();

    assert_eq!(refused["type"], "response");
    assert_eq!(refused["class"], "string");
    assert_eq!(refused["code"], 403);
    assert_eq!(refused["body"], "Presence events Join are not supported");
    assert!(lab.sandbox.conversations().is_empty());
    assert!(lab.sandbox.messenger_sessions()[0].messages.is_empty());
}

async fn config(lab: &Lab, deployment_id: &str) -> (u16, Value) {
    let url = format!(
        "{}/webdeployments/v1/deployments/{deployment_id}/config.json",
        lab.sandbox.base_url()
    );
    let response = reqwest::get(url).await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn the_deployments_config_json_says_whether_autostart_is_on() {
    let lab = lab_with(autostart()).await;
    let id = lab.sandbox.messenger_deployment_id();

    let (status, on) = config(&lab, &id).await;
    lab.sandbox
        .set_messenger_deployment(MessengerDeployment::default());
    let (_, off) = config(&lab, &id).await;
    let (unknown, _) = config(&lab, "0f0e0d0c-0b0a-4908-8706-050403020100").await;

    assert_eq!(status, 200);
    let conversations = "/messenger/apps/conversations";
    assert_eq!(
        on.pointer(&format!("{conversations}/autoStart/enabled")),
        Some(&json!(true))
    );
    assert_eq!(
        off.pointer(&format!("{conversations}/autoStart/enabled")),
        Some(&json!(false))
    );
    assert_eq!(
        on.pointer(&format!("{conversations}/messagingEndpoint")),
        Some(&json!(format!("ws://{}", lab.sandbox.addr())))
    );
    assert_eq!(on["id"], id.as_str());
    assert_eq!(unknown, 404);
}
