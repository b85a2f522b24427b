//! Shared helpers: a sandbox per test, a token, the guide's payload.

use std::time::Duration;

use genesys_sandbox::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Sandbox, SandboxConfig};
use serde_json::{Value, json};

pub const WIDGET: &str = "8f1d2a47-6c1e-4c52-9a51-2f1f0b7b6a10";
pub const QUEUE: &str = "0c6f7a1e-2b9d-4a3c-8e5f-1d2c3b4a5e6f";
pub const SKILL: &str = "5b4a3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d";

pub async fn sandbox() -> Sandbox {
    Sandbox::start(SandboxConfig::default()).await.unwrap()
}

pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

pub async fn fetch_token(base: &str) -> String {
    let response = http()
        .post(format!("{base}/oauth/token"))
        .basic_auth(DEFAULT_CLIENT_ID, Some(DEFAULT_CLIENT_SECRET))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 86_400);
    body["access_token"].as_str().unwrap().to_owned()
}

pub fn initiation() -> Value {
    json!({
        "widgetId": WIDGET,
        "customAttributes": {"priority_tier": "2", "order_id": "88472"},
        "initialMessage": "I need assistance with order 88472.",
        "routing": {"queueId": QUEUE, "routingConfig": {"skillRequirements": [{"skillId": SKILL, "level": 1}]}}
    })
}

pub async fn try_create(
    base: &str,
    token: &str,
    body: &Value,
) -> reqwest::Result<reqwest::Response> {
    http()
        .post(format!(
            "{base}/api/v2/webmessaging/widgets/{WIDGET}/conversations"
        ))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
}

pub async fn create(base: &str, token: &str, body: &Value) -> reqwest::Response {
    try_create(base, token, body).await.unwrap()
}

pub fn assert_genesys_error(body: &Value, status: u16, code: &str) {
    assert_eq!(body["status"], status, "{body}");
    assert_eq!(body["code"], code, "{body}");
    assert!(body["message"].is_string());
    assert!(body["contextId"].is_string());
    assert!(body["details"].is_array());
    assert!(body["errors"].is_array());
}

pub fn uuid_like() -> &'static str {
    "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"
}

pub async fn token_with_lifetime(base: &str) -> String {
    let body: Value = http()
        .post(format!("{base}/oauth/token"))
        .basic_auth(DEFAULT_CLIENT_ID, Some(DEFAULT_CLIENT_SECRET))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["expires_in"], 1);
    body["access_token"].as_str().unwrap().to_owned()
}
