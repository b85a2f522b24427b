//! The sandbox over real loopback HTTP: OAuth, the initiation endpoint, conversations,
//! attributes, Genesys-shaped errors, the recorder, admin routes and fault injection.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use genesys_sandbox::{
    DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Fault, Sandbox, SandboxConfig, SandboxState, router,
};
use serde_json::{Value, json};

const WIDGET: &str = "8f1d2a47-6c1e-4c52-9a51-2f1f0b7b6a10";
const QUEUE: &str = "0c6f7a1e-2b9d-4a3c-8e5f-1d2c3b4a5e6f";
const SKILL: &str = "5b4a3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d";

async fn sandbox() -> Sandbox {
    Sandbox::start(SandboxConfig::default()).await.unwrap()
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

async fn fetch_token(base: &str) -> String {
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

fn initiation() -> Value {
    json!({
        "widgetId": WIDGET,
        "customAttributes": {"priority_tier": "2", "order_id": "88472"},
        "initialMessage": "I need assistance with order 88472.",
        "routing": {"queueId": QUEUE, "routingConfig": {"skillRequirements": [{"skillId": SKILL, "level": 1}]}}
    })
}

async fn try_create(base: &str, token: &str, body: &Value) -> reqwest::Result<reqwest::Response> {
    http()
        .post(format!(
            "{base}/api/v2/webmessaging/widgets/{WIDGET}/conversations"
        ))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
}

async fn create(base: &str, token: &str, body: &Value) -> reqwest::Response {
    try_create(base, token, body).await.unwrap()
}

fn assert_genesys_error(body: &Value, status: u16, code: &str) {
    assert_eq!(body["status"], status, "{body}");
    assert_eq!(body["code"], code, "{body}");
    assert!(body["message"].is_string());
    assert!(body["contextId"].is_string());
    assert!(body["details"].is_array());
    assert!(body["errors"].is_array());
}

#[tokio::test]
async fn wrong_client_credentials_get_an_oauth_401_and_the_grant_type_is_checked() {
    let sandbox = sandbox().await;
    let url = format!("{}/oauth/token", sandbox.base_url());
    let wrong = http()
        .post(&url)
        .basic_auth(DEFAULT_CLIENT_ID, Some("not-the-secret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let body: Value = wrong.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");

    let wrong_grant = http()
        .post(&url)
        .basic_auth(DEFAULT_CLIENT_ID, Some(DEFAULT_CLIENT_SECRET))
        .form(&[("grant_type", "password")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_grant.status(), 400);
    let body: Value = wrong_grant.json().await.unwrap();
    assert_eq!(body["error"], "unsupported_grant_type");

    let recorded = sandbox.requests_to("/oauth/token");
    assert_eq!(recorded.len(), 2);
    assert_eq!(
        recorded[0].header("authorization"),
        Some("Basic [redacted]")
    );
    assert_eq!(recorded[0].status, Some(401));
    assert_eq!(sandbox.count_token_requests(), 2);
}

#[tokio::test]
async fn a_created_conversation_has_a_customer_with_the_custom_attributes_and_patches_merge() {
    let sandbox = sandbox().await;
    let base = sandbox.base_url();
    let token = fetch_token(base).await;

    let created = create(base, &token, &initiation()).await;
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.unwrap();
    let conversation_id = created["conversationId"].as_str().unwrap().to_owned();
    assert!(created["token"].as_str().is_some_and(|t| !t.is_empty()));

    let conversation: Value = http()
        .get(format!(
            "{base}/api/v2/conversations/messages/{conversation_id}"
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(conversation["id"], conversation_id.as_str());
    let participants = conversation["participants"].as_array().unwrap();
    let purposes: Vec<&str> = participants
        .iter()
        .map(|p| p["purpose"].as_str().unwrap())
        .collect();
    assert_eq!(purposes, ["workflow", "customer", "agent"]);
    let customer = &participants[1];
    assert_eq!(customer["attributes"]["order_id"], "88472");
    let customer_id = customer["id"].as_str().unwrap();

    let patched = http()
        .patch(format!(
            "{base}/api/v2/conversations/messages/{conversation_id}/participants/{customer_id}/attributes"
        ))
        .bearer_auth(&token)
        .json(&json!({"attributes": {"risk_score": "12"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);
    let patched: Value = patched.json().await.unwrap();
    assert_eq!(patched["attributes"]["risk_score"], "12");
    assert_eq!(patched["attributes"]["priority_tier"], "2");

    let stored = sandbox
        .participant_attributes(&conversation_id, customer_id)
        .unwrap();
    assert_eq!(stored["risk_score"], "12");
    assert_eq!(sandbox.conversations()[0].queue_id, QUEUE);
    let recorded = sandbox.requests_to("/api/v2/webmessaging");
    assert_eq!(
        recorded[0].header("authorization"),
        Some("Bearer [redacted]")
    );
    assert_eq!(recorded[0].body["customAttributes"]["order_id"], "88472");
}

#[tokio::test]
async fn an_initiation_body_off_the_guides_schema_gets_a_genesys_400_naming_the_fields() {
    let sandbox = sandbox().await;
    let base = sandbox.base_url();
    let token = fetch_token(base).await;
    let mut body = initiation();
    body["customAttributes"]["routing_context"] = json!({"tier": 2});
    body["routing"]["queueId"] = json!("your-default-queue-id");
    let response = create(base, &token, &body).await;
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_genesys_error(&body, 400, "invalid.value");
    let fields: Vec<&str> = body["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["fieldName"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["customAttributes.routing_context", "routing.queueId"]
    );
    assert!(sandbox.conversations().is_empty());
}

#[tokio::test]
async fn patching_anything_but_a_flat_attributes_map_is_refused() {
    let sandbox = sandbox().await;
    let base = sandbox.base_url();
    let token = fetch_token(base).await;
    let created: Value = create(base, &token, &initiation())
        .await
        .json()
        .await
        .unwrap();
    let conversation = sandbox.conversations().remove(0);
    let customer = conversation.customer().unwrap().id.clone();
    let url = format!(
        "{base}/api/v2/conversations/messages/{}/participants/{customer}/attributes",
        created["conversationId"].as_str().unwrap()
    );
    for bad in [
        json!({"attributes": {"n": 1}}),
        json!({"attributes": {"a": "b"}, "extra": true}),
        json!({"attrs": {}}),
    ] {
        let response = http()
            .patch(&url)
            .bearer_auth(&token)
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{bad}");
    }
    let unknown = http()
        .patch(format!(
            "{base}/api/v2/conversations/messages/{}/participants/{customer}/attributes",
            uuid_like()
        ))
        .bearer_auth(&token)
        .json(&json!({"attributes": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
}

fn uuid_like() -> &'static str {
    "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"
}

#[tokio::test]
async fn expired_revoked_and_missing_tokens_get_bad_credentials() {
    let sandbox = sandbox().await;
    let base = sandbox.base_url();
    let url = format!("{base}/api/v2/conversations/messages/{}", uuid_like());

    let missing = http().get(&url).send().await.unwrap();
    assert_eq!(missing.status(), 401);
    assert_genesys_error(&missing.json().await.unwrap(), 401, "bad.credentials");

    let token = fetch_token(base).await;
    assert_eq!(
        http()
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    sandbox.expire_tokens();
    assert_eq!(
        http()
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );

    let token = fetch_token(base).await;
    sandbox.revoke_tokens();
    assert_eq!(
        http()
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
}

#[tokio::test]
async fn a_short_token_lifetime_expires_tokens_on_its_own() {
    let sandbox = Sandbox::start(SandboxConfig {
        token_lifetime: Duration::from_secs(1),
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let base = sandbox.base_url();
    let token = token_with_lifetime(base).await;
    let url = format!("{base}/api/v2/conversations/messages/{}", uuid_like());
    assert_eq!(
        http()
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(
        http()
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
}

async fn token_with_lifetime(base: &str) -> String {
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

#[tokio::test]
async fn injected_faults_fail_the_next_matching_requests_only() {
    let sandbox = sandbox().await;
    let base = sandbox.base_url();
    let token = fetch_token(base).await;
    sandbox.inject(Fault::rate_limited(7).on_path("/api/v2/webmessaging"));

    let limited = create(base, &token, &initiation()).await;
    assert_eq!(limited.status(), 429);
    assert_eq!(limited.headers()["retry-after"], "7");
    assert_genesys_error(&limited.json().await.unwrap(), 429, "too.many.requests");
    assert!(sandbox.conversations().is_empty());

    assert_eq!(create(base, &token, &initiation()).await.status(), 201);

    sandbox.inject(Fault::malformed(201));
    let malformed = create(base, &token, &initiation()).await;
    assert_eq!(malformed.status(), 201);
    assert!(malformed.json::<Value>().await.is_err());

    sandbox.inject(Fault::reset());
    let reset = try_create(base, &token, &initiation()).await;
    assert!(reset.is_err(), "a reset connection must fail the request");
    assert_eq!(sandbox.count_create_requests(), 4);
    assert_eq!(sandbox.conversations().len(), 1);
}

#[tokio::test]
async fn a_delayed_create_still_creates_and_answers_late() {
    let sandbox = sandbox().await;
    let base = sandbox.base_url();
    let token = fetch_token(base).await;
    sandbox.inject(Fault::delay(Duration::from_secs(2)).on_path("/api/v2/webmessaging"));
    let impatient = http()
        .post(format!(
            "{base}/api/v2/webmessaging/widgets/{WIDGET}/conversations"
        ))
        .bearer_auth(&token)
        .json(&initiation())
        .timeout(Duration::from_millis(300))
        .send()
        .await;
    assert!(impatient.unwrap_err().is_timeout());
    assert_eq!(sandbox.conversations().len(), 1);
}

#[tokio::test]
async fn admin_routes_expose_requests_and_steer_faults_and_credentials() {
    let sandbox = sandbox().await;
    let base = sandbox.base_url();
    let token = fetch_token(base).await;

    let armed = http()
        .post(format!("{base}/_sandbox/faults"))
        .json(&json!({"kind": "status", "status": 503, "pathPrefix": "/api/v2/conversations", "count": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(armed.status(), 204);
    let url = format!("{base}/api/v2/conversations/messages/{}", uuid_like());
    for _ in 0..2 {
        let r = http().get(&url).bearer_auth(&token).send().await.unwrap();
        assert_eq!(r.status(), 503);
    }
    assert_eq!(
        http()
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    let stats: Value = http()
        .get(format!("{base}/_sandbox/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["tokenRequests"], 1);
    assert_eq!(stats["requests"], 4);

    let requests: Value = http()
        .get(format!("{base}/_sandbox/requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let text = requests.to_string();
    assert!(
        !text.contains(&token),
        "the request log must not hold bearer tokens"
    );
    assert!(!text.contains(DEFAULT_CLIENT_SECRET));
    assert_eq!(requests[1]["status"], 503);

    let rotated = http()
        .put(format!("{base}/_sandbox/credentials"))
        .json(&json!({"clientId": "rotated-client", "clientSecret": "rotated-secret"}))
        .send()
        .await
        .unwrap();
    assert_eq!(rotated.status(), 204);
    let old = http()
        .post(format!("{base}/oauth/token"))
        .basic_auth(DEFAULT_CLIENT_ID, Some(DEFAULT_CLIENT_SECRET))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(old.status(), 401);

    let revoked = http()
        .post(format!("{base}/_sandbox/tokens/revoke"))
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 204);
    assert_eq!(
        http()
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
}

#[tokio::test]
async fn an_initiation_token_starts_the_widget_until_it_expires() {
    let sandbox = Sandbox::start(SandboxConfig {
        initiation_token_lifetime: Duration::from_millis(500),
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let base = sandbox.base_url();
    let token = fetch_token(base).await;
    let created: Value = create(base, &token, &initiation())
        .await
        .json()
        .await
        .unwrap();
    let start = |created: Value| {
        let base = base.to_owned();
        async move {
            http()
                .post(format!("{base}/_sandbox/widget/start"))
                .json(&json!({"conversationId": created["conversationId"], "token": created["token"]}))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(start(created.clone()).await, 200);
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(start(created).await, 401);
}

/// The local stack nests the router under `/sandbox` in its own server.
#[tokio::test]
async fn the_router_works_nested_under_a_prefix() {
    let state = SandboxState::new(&SandboxConfig::default());
    let app = axum::Router::new().nest("/sandbox", router(state.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/sandbox", listener.local_addr().unwrap());
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let token = fetch_token(&base).await;
    assert_eq!(create(&base, &token, &initiation()).await.status(), 201);
    let stats: Value = http()
        .get(format!("{base}/_sandbox/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["conversations"], 1);
    assert_eq!(
        state.requests()[1].path,
        format!("/api/v2/webmessaging/widgets/{WIDGET}/conversations")
    );
    let missing = http()
        .get(format!("{base}/api/v2/nothing"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    assert_genesys_error(&missing.json().await.unwrap(), 404, "not.found");

    state.inject(Fault::reset());
    let reset = http()
        .post(format!(
            "{base}/api/v2/webmessaging/widgets/{WIDGET}/conversations"
        ))
        .bearer_auth(&token)
        .json(&initiation())
        .send()
        .await;
    let failed = match reset {
        Err(_) => true,
        Ok(response) => response.bytes().await.is_err(),
    };
    assert!(
        failed,
        "a reset fault must fail the exchange when nested too"
    );
    server.abort();
}
