//! Fault injection, admin routes, widget start and nesting under a prefix.

use std::time::Duration;

use genesys_sandbox::{
    DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Fault, Sandbox, SandboxConfig, SandboxState, router,
};
use serde_json::{Value, json};

use crate::helpers::*;

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
