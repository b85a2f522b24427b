//! Every documented error status, produced through real HTTP, with its documented problem type.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use common::{TestApp, assert_problem, conversation, spawn_app};
use genesys_sandbox::Fault;
use local::Options;
use secure_initiation::api::BrowserSettings;
use secure_initiation::api::strategy::StrategyKind;
use serde_json::json;

async fn app() -> TestApp {
    spawn_app(Options::default()).await
}

#[tokio::test]
async fn malformed_bodies_get_400() {
    let app = app().await;
    let token = app.login("a").await;
    for body in [
        "",
        "{",
        "[]",
        "\u{feff}{}",
        r#"{"orderId":"1","orderId":"2"}"#,
    ] {
        let r = app
            .http
            .post(app.url("/v1/initiations"))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_problem(r, 400, "malformed-request").await;
    }
    let bad_key = app
        .initiate_with(&token, &json!({}), Some("has space"))
        .await;
    assert_problem(bad_key, 400, "malformed-request").await;
}

#[tokio::test]
async fn a_missing_or_bad_session_token_gets_401_with_www_authenticate() {
    let app = app().await;
    let r = app
        .http
        .post(app.url("/v1/initiations"))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["www-authenticate"],
        "Bearer error=\"invalid_token\""
    );
    assert_problem(r, 401, "invalid-session-token").await;
    let r = app.initiate_with("not.a.jwt", &json!({}), None).await;
    let body = assert_problem(r, 401, "invalid-session-token").await;
    assert!(!body.to_string().contains("not.a.jwt"));
}

#[tokio::test]
async fn a_wrong_data_action_credential_gets_401() {
    let app = app().await;
    for auth in [
        None,
        Some(("architect", "wrong")),
        Some(("nobody", "local-dev-only")),
    ] {
        let mut req = app
            .http
            .post(app.url("/v1/session-validations"))
            .json(&json!({"sessionHash": "x", "conversationId": conversation()}));
        if let Some((u, p)) = auth {
            req = req.basic_auth(u, Some(p));
        }
        let r = req.send().await.unwrap();
        assert!(
            r.headers()["www-authenticate"]
                .to_str()
                .unwrap()
                .starts_with("Basic")
        );
        assert_problem(r, 401, "invalid-credential").await;
    }
}

#[tokio::test]
async fn an_origin_outside_the_allow_list_gets_403_and_preflight_is_answered() {
    let app = app().await;
    let token = app.login("a").await;
    let r = app
        .http
        .post(app.url("/v1/initiations"))
        .bearer_auth(&token)
        .header("origin", "https://evil.example")
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_problem(r, 403, "origin-not-allowed").await;
    let origin = app.running.base_url();
    let preflight = app
        .http
        .request(reqwest::Method::OPTIONS, app.url("/v1/initiations"))
        .header("origin", &origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization, content-type",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), 204);
    assert_eq!(
        preflight.headers()["access-control-allow-origin"],
        origin.as_str()
    );
    assert!(
        preflight
            .headers()
            .get("access-control-allow-credentials")
            .is_none()
    );
}

#[tokio::test]
async fn wrong_content_type_gets_415_and_oversized_bodies_get_413() {
    let app = app().await;
    let token = app.login("a").await;
    let r = app
        .http
        .post(app.url("/v1/initiations"))
        .bearer_auth(&token)
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_problem(r, 415, "unsupported-media-type").await;
    let big = json!({ "initialMessage": "x".repeat(20_000) });
    assert_problem(
        app.initiate_with(&token, &big, None).await,
        413,
        "payload-too-large",
    )
    .await;
}

#[tokio::test]
async fn schema_violations_get_422_naming_the_field() {
    let app = app().await;
    let token = app.login("a").await;
    for (body, field, rule) in [
        (
            json!({"priority_tier": "3"}),
            "priority_tier",
            "unknown-field",
        ),
        (json!({"orderId": "1|order_id:2"}), "orderId", "composite"),
        (json!({"orderId": "12ab"}), "orderId", "pattern"),
        (json!({"orderId": ["1"]}), "orderId", "nested"),
    ] {
        let problem = assert_problem(
            app.initiate_with(&token, &body, None).await,
            422,
            "invalid-fields",
        )
        .await;
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
        assert_eq!(problem["errors"][0]["rule"], rule, "{problem}");
    }
    let bad_validation = app
        .validate_raw(&json!({"sessionHash": "x", "conversationId": "not-a-uuid"}))
        .await;
    assert_problem(bad_validation, 422, "invalid-fields").await;
}

#[tokio::test]
async fn unknown_routes_get_404_and_wrong_methods_405() {
    let app = app().await;
    assert_problem(
        app.http.get(app.url("/v2/nothing")).send().await.unwrap(),
        404,
        "not-found",
    )
    .await;
    let r = app
        .http
        .get(app.url("/v1/initiations"))
        .send()
        .await
        .unwrap();
    assert_problem(r, 405, "method-not-allowed").await;
}

async fn initiation_api_app() -> TestApp {
    spawn_app(Options {
        strategy: StrategyKind::InitiationApi,
        initiate: BrowserSettings {
            genesys_deadline: Duration::from_millis(800),
            ..BrowserSettings::initiate()
        },
        ..Options::default()
    })
    .await
}

#[tokio::test]
async fn genesys_refusing_the_initiation_gets_502() {
    let app = initiation_api_app().await;
    let token = app.login("a").await;
    app.running
        .sandbox
        .inject(Fault::status(400).on_path("/api/v2/webmessaging").times(1));
    let body = assert_problem(
        app.initiate_with(&token, &json!({}), None).await,
        502,
        "upstream-error",
    )
    .await;
    assert!(
        !body.to_string().contains("contextId"),
        "Genesys internals stay in the log"
    );
}

#[tokio::test]
async fn genesys_unavailable_gets_503_with_retry_after() {
    let app = initiation_api_app().await;
    let token = app.login("a").await;
    app.running.sandbox.inject(
        Fault::status(503)
            .on_path("/api/v2/webmessaging")
            .times(100),
    );
    let r = app.initiate_with(&token, &json!({}), None).await;
    assert!(r.headers().contains_key("retry-after"));
    assert_problem(r, 503, "service-unavailable").await;
}

#[tokio::test]
async fn a_genesys_create_slower_than_the_deadline_gets_504_and_is_not_repeated() {
    let app = initiation_api_app().await;
    let token = app.login("a").await;
    app.running.sandbox.inject(
        Fault::delay(Duration::from_secs(3))
            .on_path("/api/v2/webmessaging")
            .times(1),
    );
    assert_problem(
        app.initiate_with(&token, &json!({}), None).await,
        504,
        "upstream-timeout",
    )
    .await;
    let creates = app.running.sandbox.count_create_requests();
    assert_eq!(
        creates, 1,
        "a create whose outcome is unknown is never retried"
    );
}
