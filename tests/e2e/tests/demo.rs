//! The local stack's development-only routes behind the demo page: its assets, the Messenger
//! stand-in's conversation start and the "Architect" route that calls validate-session.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{TestApp, spawn_app};
use local::Options;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn messenger_start(app: &TestApp, session_hash: &str) -> String {
    let started: Value = app
        .http
        .post(app.url("/sandbox/_sandbox/messenger/start"))
        .json(&json!({
            "deploymentId": "8f3d2a64-5b1c-4e7a-9d0f-2c6b8e1a4f37",
            "customAttributes": {"session_hash": session_hash},
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    started["conversationId"].as_str().unwrap().to_owned()
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
}

fn call_data(record: &Value) -> &Value {
    record["flowRun"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["action"] == "callData")
        .map_or(&Value::Null, |s| &s["detail"])
}

#[tokio::test]
async fn the_generated_flow_validates_the_hash_sets_the_data_then_transfers_to_the_tiers_queue() {
    let app = spawn_app(Options::default()).await;
    let token = app.login("gina").await;
    let ticket = app.initiate(&token).await;
    let hash = ticket["sessionHash"].as_str().unwrap();
    let conversation_id = messenger_start(&app, hash).await;

    let response = architect_run(&app, &conversation_id).await;
    assert_eq!(response.status(), StatusCode::OK);
    let record: Value = response.json().await.unwrap();
    assert_eq!(
        record["participantData"]["session_hash"], hash,
        "what Messenger carried"
    );
    assert_eq!(record["dataAction"]["path"], "success");
    assert_eq!(record["dataAction"]["output"]["priority_tier"], "2");
    let run = &record["flowRun"];
    assert_eq!(
        run["flow"]["file"],
        "infra/genesys/flows/secure-inbound-message.yaml"
    );
    assert_eq!(run["queue"], "Web Messaging Standard", "tier 2: {run:#}");
    assert_eq!(call_data(&record)["path"], "success");
    assert_eq!(call_data(&record)["outputs"]["State.valid"], true);
    let transfer_step = run["transfer"]["step"].as_u64().unwrap();
    for key in [
        "priority_tier",
        "geo_segment",
        "risk_score",
        "authenticated",
    ] {
        let set = &run["participantData"][key];
        assert!(
            set["step"].as_u64().unwrap() < transfer_step,
            "{key} is set before the transfer"
        );
    }
    assert_eq!(run["participantData"]["geo_segment"]["value"], "na-east");
    assert!(
        !run.to_string().contains(hash),
        "the flow's path never shows the session hash"
    );

    // The flow runs once per conversation: asking again returns the same record.
    let again: Value = architect_run(&app, &conversation_id)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again, record);

    // The same hash in another conversation is a replay: the default queue, nothing set.
    let replayed = messenger_start(&app, hash).await;
    let record: Value = architect_run(&app, &replayed).await.json().await.unwrap();
    assert_eq!(record["flowRun"]["queue"], "Web Messaging");
    assert_eq!(call_data(&record)["outputs"]["State.reason"], "replayed");
    assert_eq!(record["flowRun"]["participantData"], json!({}));
}

#[tokio::test]
async fn a_forged_or_missing_hash_reaches_the_default_queue() {
    let app = spawn_app(Options::default()).await;
    let forged = messenger_start(&app, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").await;
    let record: Value = architect_run(&app, &forged).await.json().await.unwrap();
    assert_eq!(record["flowRun"]["queue"], "Web Messaging");
    assert_eq!(call_data(&record)["outputs"]["State.valid"], false);
    assert_eq!(call_data(&record)["outputs"]["State.reason"], "unknown");
    assert_eq!(record["dataAction"]["output"]["valid"], false);
    assert_eq!(
        record["flowRun"]["participantData"],
        json!({}),
        "nothing set for a forged hash"
    );

    let started: Value = app
        .http
        .post(app.url("/sandbox/_sandbox/messenger/start"))
        .json(&json!({
            "deploymentId": "8f3d2a64-5b1c-4e7a-9d0f-2c6b8e1a4f37",
            "customAttributes": {},
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let record: Value = architect_run(&app, started["conversationId"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(record["flowRun"]["queue"], "Web Messaging");
    assert_eq!(record["dataAction"]["path"], "not called");
    assert_eq!(
        call_data(&record),
        &Value::Null,
        "no hash: the data action is not called"
    );

    let unknown = architect_run(&app, "5d1c9e2a-0000-4000-8000-000000000000").await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}
