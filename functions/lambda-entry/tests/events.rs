//! validate-session's two event shapes, parsed from real event JSON and answered by the real
//! handler (in-memory store, static secrets).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use lambda_entry::{handle_validate_event, is_http_event};
use secure_initiation::adapters::{MemoryStore, StaticSecrets};
use secure_initiation::api::{DataActionCredential, ValidateHandler, ValidateSettings};
use secure_initiation::attributes::Schema;
use secure_initiation::ports::{ManualClock, SessionRecord, SessionStatus, SessionStore};
use serde_json::Value;

const HASH: &str = "Xq3vN8pL2aB7cD9eF1gH4iJ6kM0nO5rS7tU9wY2zA1A";

async fn handler() -> ValidateHandler {
    let clock = Arc::new(ManualClock::new(1_795_515_322_000));
    let store = MemoryStore::new(clock.clone());
    let schema = Schema::default_schema().unwrap();
    let attributes = [
        ("session_hash", HASH),
        ("priority_tier", "2"),
        ("geo_segment", "na-east"),
        ("risk_score", "10"),
        ("authenticated", "true"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    store
        .create_session(&SessionRecord {
            session_hash: HASH.to_owned(),
            subject_key: "subject".to_owned(),
            attributes,
            chain_started_at: 1_795_515_300,
            created_at: 1_795_515_300,
            expires_at: 1_795_515_360,
            status: SessionStatus::Active,
            conversation_id: None,
            refresh_count: 0,
            ttl: 1_795_601_700,
            grace_until: None,
            initiated_conversation: None,
        })
        .await
        .unwrap();
    let secrets = Arc::new(
        StaticSecrets::new().with("da", &[("username", "architect"), ("password", "dev")]),
    );
    ValidateHandler {
        schema: Arc::new(schema),
        clock,
        sessions: Arc::new(store),
        gateway: None,
        credential: DataActionCredential::new(secrets, "da"),
        settings: ValidateSettings::default(),
    }
}

#[tokio::test]
async fn an_api_gateway_v2_event_gets_an_http_response_with_the_flat_output() {
    let event: Value =
        serde_json::from_str(include_str!("fixtures/apigw-v2-validate.json")).unwrap();
    assert!(is_http_event(&event));
    let response = handle_validate_event(&handler().await, event, "req-1".to_owned())
        .await
        .unwrap();
    assert_eq!(response["statusCode"], 200, "{response}");
    assert_eq!(response["headers"]["content-type"], "application/json");
    let body: Value = serde_json::from_str(response["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["valid"], true);
    assert_eq!(body["priority_tier"], "2");
}

#[tokio::test]
async fn an_api_gateway_event_with_a_wrong_credential_gets_401() {
    let mut event: Value =
        serde_json::from_str(include_str!("fixtures/apigw-v2-validate.json")).unwrap();
    event["headers"]["authorization"] = Value::from("Basic YXJjaGl0ZWN0Ondyb25n");
    let response = handle_validate_event(&handler().await, event, "req-2".to_owned())
        .await
        .unwrap();
    assert_eq!(response["statusCode"], 401);
    assert_eq!(
        response["headers"]["content-type"],
        "application/problem+json"
    );
}

#[tokio::test]
async fn the_raw_data_action_event_gets_the_bare_flat_output() {
    let event: Value =
        serde_json::from_str(include_str!("fixtures/data-action-input.json")).unwrap();
    assert!(!is_http_event(&event));
    let output = handle_validate_event(&handler().await, event, "req-3".to_owned())
        .await
        .unwrap();
    assert_eq!(output["valid"], true, "{output}");
    assert_eq!(output["reason"], "ok");
    assert!(
        output
            .as_object()
            .unwrap()
            .values()
            .all(|v| v.is_string() || v.is_boolean()),
        "flat output"
    );
}

#[tokio::test]
async fn a_malformed_raw_event_is_a_function_error_without_internal_detail() {
    let event = serde_json::json!({"sessionHash": HASH});
    let e = handle_validate_event(&handler().await, event, "req-4".to_owned())
        .await
        .unwrap_err();
    assert_eq!(e.error_type, "urn:secure-initiation:problem:invalid-fields");
    assert!(!e.error_message.contains(HASH));
}
