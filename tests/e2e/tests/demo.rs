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

#[tokio::test]
async fn architect_validates_the_hash_messenger_carried_and_writes_the_context_back() {
    let app = spawn_app(Options::default()).await;
    let token = app.login("gina").await;
    let ticket = app.initiate(&token).await;
    let hash = ticket["sessionHash"].as_str().unwrap();
    let conversation_id = messenger_start(&app, hash).await;

    let response = architect_run(&app, &conversation_id).await;
    assert_eq!(response.status(), StatusCode::OK);
    let run: Value = response.json().await.unwrap();
    assert_eq!(run["participantData"]["session_hash"], hash);
    assert_eq!(run["dataAction"]["status"], 200);
    assert_eq!(run["dataAction"]["path"], "success");
    let output = &run["dataAction"]["output"];
    assert_eq!(output["valid"], true);
    assert_eq!(output["priority_tier"], "2");
    assert_eq!(output["participant_update"], "written");
    assert_eq!(run["participantAttributesAfter"]["geo_segment"], "na-east");

    // The same conversation may ask again; the data action still answers valid.
    let again: Value = architect_run(&app, &conversation_id)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["dataAction"]["output"]["valid"], true);
}

#[tokio::test]
async fn architect_answers_invalid_for_a_forged_or_missing_hash() {
    let app = spawn_app(Options::default()).await;
    let forged = messenger_start(&app, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").await;
    let run: Value = architect_run(&app, &forged).await.json().await.unwrap();
    assert_eq!(run["dataAction"]["output"]["valid"], false);
    assert_eq!(run["dataAction"]["output"]["reason"], "unknown");
    assert_eq!(
        run["participantAttributesAfter"],
        json!({"session_hash": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}),
        "nothing written for a forged hash"
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
    let run: Value = architect_run(&app, started["conversationId"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(run["dataAction"]["output"]["reason"], "malformed");

    let unknown = architect_run(&app, "5d1c9e2a-0000-4000-8000-000000000000").await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}
