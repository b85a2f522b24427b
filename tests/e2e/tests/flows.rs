//! The whole flow through real HTTP against the local stack, for both strategies: dev login →
//! initiate → refresh → validate → replay → expiry → forgery → rate limit → idempotency → risk.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{TestApp, assert_problem, conversation, spawn_app};
use local::Options;
use reqwest::StatusCode;
use secure_initiation::api::strategy::StrategyKind;
use serde_json::{Value, json};

async fn app(strategy: StrategyKind) -> TestApp {
    spawn_app(Options {
        strategy,
        ..Options::default()
    })
    .await
}

fn hash_of(body: &Value) -> String {
    body["sessionHash"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn messenger_initiation_returns_only_the_session_hash_for_messenger() {
    let app = app(StrategyKind::Messenger).await;
    let token = app.login("alice").await;
    let response = app
        .initiate_with(&token, &json!({"orderId": "88472"}), None)
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    let hash = hash_of(&body);
    let keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        vec![
            "chainExpiresAt",
            "customAttributes",
            "expiresAt",
            "sessionHash",
            "strategy"
        ]
    );
    assert_eq!(body["strategy"], "messenger");
    assert_eq!(body["customAttributes"], json!({ "session_hash": hash }));
    assert!(hash.len() >= 22, "at least 128 bits");
    // Nothing reached Genesys at initiation.
    assert!(app.running.sandbox.conversations().is_empty());
}

async fn whole_flow(strategy: StrategyKind) {
    let app = app(strategy).await;
    let token = app.login("alice").await;
    let first = app.initiate(&token).await;
    let old = hash_of(&first);
    if strategy == StrategyKind::InitiationApi {
        assert_eq!(first["strategy"], "initiation-api");
        assert!(
            first["conversationId"]
                .as_str()
                .is_some_and(|c| !c.is_empty())
        );
        assert!(first["token"].as_str().is_some_and(|t| !t.is_empty()));
    }

    // Refresh before use, once the ticket is within its refresh window: the old hash is revoked
    // (after its short grace), the new one validates.
    app.advance_clock(46).await;
    let refreshed = app.refresh(&token, &old).await;
    assert_eq!(refreshed.status(), StatusCode::CREATED);
    let refreshed: Value = refreshed.json().await.unwrap();
    let new = hash_of(&refreshed);
    assert_ne!(old, new);
    assert_eq!(
        refreshed["chainExpiresAt"], first["chainExpiresAt"],
        "one chain"
    );
    let conv = match strategy {
        StrategyKind::Messenger => conversation(),
        StrategyKind::InitiationApi => {
            // The chain's first conversation was ended before the second was created.
            let old_conv = first["conversationId"].as_str().unwrap();
            let ended = app.running.sandbox.conversation(old_conv).unwrap();
            assert_eq!(ended.state.as_str(), "disconnected");
            assert_eq!(app.running.sandbox.connected_conversations().len(), 1);
            refreshed["conversationId"].as_str().unwrap().to_owned()
        }
    };
    app.advance_clock(11).await;
    let revoked = app.validate(&old, &conversation()).await;
    assert_eq!(
        (revoked["valid"].clone(), revoked["reason"].clone()),
        (json!(false), json!("revoked"))
    );

    let ok = app.validate(&new, &conv).await;
    assert_eq!(ok["valid"], true, "{ok}");
    assert_eq!(ok["reason"], "ok");
    assert_eq!(ok["priority_tier"], "2");
    assert_eq!(ok["geo_segment"], "na-east");
    assert_eq!(ok["order_id"], "88472");
    assert_eq!(ok["authenticated"], "true");
    assert!(
        ok.get("client_ip").is_none(),
        "hidden attributes are not exposed"
    );

    // The same conversation may ask again; another conversation is a replay.
    assert_eq!(app.validate(&new, &conv).await["valid"], true);
    let replay = app.validate(&new, &conversation()).await;
    assert_eq!(
        (replay["valid"].clone(), replay["reason"].clone()),
        (json!(false), json!("replayed"))
    );
    assert_eq!(
        replay["priority_tier"], "",
        "an invalid answer carries no attributes"
    );

    // A consumed hash cannot be refreshed.
    app.advance_clock(40).await;
    let consumed = app.refresh(&token, &new).await;
    let problem = assert_problem(consumed, 403, "session-not-refreshable").await;
    assert_eq!(problem["reason"], "used");

    // Expiry, with the stack's clock moved past the 60 s ticket.
    let unused = hash_of(&app.initiate(&token).await);
    app.advance_clock(61).await;
    let expired = app.validate(&unused, &conversation()).await;
    assert_eq!(expired["reason"], "expired");

    // Forged and malformed hashes.
    let forged = "A".repeat(43);
    assert_eq!(
        app.validate(&forged, &conversation()).await["reason"],
        "unknown"
    );
    assert_eq!(
        app.validate("a3f9c21", &conversation()).await["reason"],
        "malformed"
    );
}

#[tokio::test]
async fn the_whole_flow_holds_with_the_messenger_strategy() {
    whole_flow(StrategyKind::Messenger).await;
}

#[tokio::test]
async fn the_whole_flow_holds_with_the_initiation_api_strategy() {
    whole_flow(StrategyKind::InitiationApi).await;
}

#[tokio::test]
async fn the_initiation_api_strategy_sends_the_guides_payload_with_discrete_attributes() {
    let app = app(StrategyKind::InitiationApi).await;
    let token = app.login("bob").await;
    let body = app.initiate(&token).await;
    let conversations = app.running.sandbox.conversations();
    assert_eq!(conversations.len(), 1);
    let sent = &conversations[0];
    assert_eq!(sent.id, body["conversationId"].as_str().unwrap());
    let attrs = &sent.custom_attributes;
    assert_eq!(attrs.get("priority_tier").map(String::as_str), Some("2"));
    assert_eq!(
        attrs.get("session_hash").map(String::as_str),
        body["sessionHash"].as_str()
    );
    assert!(
        attrs.values().all(|v| !v.contains('|')),
        "no composite values"
    );
}

async fn rate_limit_and_idempotency(strategy: StrategyKind) {
    let app = app(strategy).await;
    let token = app.login("carol").await;
    let body = json!({"orderId": "42"});
    let first = app.initiate_with(&token, &body, Some("key-1")).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    let created = app.running.sandbox.conversations().len();

    // The same key and body replay the first response and create nothing.
    let again = app.initiate_with(&token, &body, Some("key-1")).await;
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(again.json::<Value>().await.unwrap(), first);
    assert_eq!(app.running.sandbox.conversations().len(), created);

    // The same key with another body is a conflict.
    let other = app
        .initiate_with(&token, &json!({"orderId": "43"}), Some("key-1"))
        .await;
    assert_problem(other, 409, "idempotency-conflict").await;

    // Five per minute: four more succeed (the replay did not count), the sixth is limited.
    for i in 0..4 {
        let r = app
            .initiate_with(&token, &body, Some(&format!("k{i}")))
            .await;
        assert_eq!(r.status(), StatusCode::CREATED, "initiation {i}");
    }
    let limited = app.initiate_with(&token, &body, None).await;
    let retry_after: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after));
    assert_problem(limited, 429, "rate-limited").await;
    // Another subject is not affected.
    let dave = app.login("dave").await;
    assert_eq!(
        app.initiate_with(&dave, &body, None).await.status(),
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn rate_limit_and_idempotency_hold_with_the_messenger_strategy() {
    rate_limit_and_idempotency(StrategyKind::Messenger).await;
}

#[tokio::test]
async fn rate_limit_and_idempotency_hold_with_the_initiation_api_strategy() {
    rate_limit_and_idempotency(StrategyKind::InitiationApi).await;
}

async fn risk_refusal(strategy: StrategyKind) {
    let app = app(strategy).await;
    let mut claims = app.idp().claims_for("mallory");
    claims.insert("tier".into(), json!(1));
    claims.insert("geo".into(), json!("emea"));
    claims.insert("risk".into(), json!(95));
    let token = app
        .idp()
        .sign(&claims, jsonwebtoken::Algorithm::ES256)
        .unwrap();
    let refused = app.initiate_with(&token, &json!({}), None).await;
    assert_problem(refused, 403, "risk-refused").await;
    assert!(
        app.running.sandbox.conversations().is_empty(),
        "no Genesys resource for a refused request"
    );
}

#[tokio::test]
async fn a_risky_session_is_refused_with_the_messenger_strategy() {
    risk_refusal(StrategyKind::Messenger).await;
}

#[tokio::test]
async fn a_risky_session_is_refused_with_the_initiation_api_strategy() {
    risk_refusal(StrategyKind::InitiationApi).await;
}

#[tokio::test]
async fn validation_writes_the_attributes_onto_the_participant_when_asked() {
    let app = app(StrategyKind::InitiationApi).await;
    let token = app.login("erin").await;
    let body = app.initiate(&token).await;
    let conv = body["conversationId"].as_str().unwrap().to_owned();
    let participant = app
        .running
        .sandbox
        .conversation(&conv)
        .unwrap()
        .customer()
        .unwrap()
        .id
        .clone();
    let response = app
        .validate_raw(&json!({"sessionHash": hash_of(&body), "conversationId": conv, "participantId": participant}))
        .await;
    let out: Value = response.json().await.unwrap();
    assert_eq!(out["participant_update"], "written", "{out}");
    let written = app
        .running
        .sandbox
        .conversation(&conv)
        .unwrap()
        .customer()
        .unwrap()
        .attributes
        .clone();
    assert_eq!(written.get("priority_tier").map(String::as_str), Some("2"));
    let patches: Vec<_> = app
        .running
        .sandbox
        .requests()
        .into_iter()
        .filter(|r| r.method == "PATCH")
        .collect();
    assert_eq!(patches.len(), 1);
    let patched = patches[0].body["attributes"].as_object().unwrap();
    assert!(patched.contains_key("risk_score"));
    assert!(
        !patched.contains_key("client_ip"),
        "only exposed attributes are written back"
    );
}
