//! Runs every flow with the logs captured (a Messenger guest's included, over the Guest API),
//! then scans every line and every response body for the secrets, tokens, hashes, raw subjects
//! and order ids used: none may appear.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::{conversation, spawn_app};
use local::Options;
use secure_initiation::api::strategy::StrategyKind;
use secure_initiation::telemetry::{LogFormat, subscriber};
use serde_json::{Value, json};
use test_support::guest::{Channel, Guest};

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// A Messenger guest over the Guest API: its session, a first message carrying `hash`, a
/// refused oversized one, the history bearer, a clear. Answers the guest's secrets (its session
/// token and history bearer).
async fn guest_conversation(app: &common::TestApp, hash: &str) -> Vec<String> {
    let api = format!("ws://{}/v1", app.running.addr);
    let mut guest = Guest::connect(&api, local::DEV_WIDGET_ID, &app.running.base_url())
        .await
        .unwrap();
    guest.configure().await.unwrap();
    let echo = guest
        .say(
            "hello",
            Some(json!({"session_hash": hash})),
            Channel::InMessage,
        )
        .await
        .unwrap();
    assert_eq!(echo["class"], "StructuredMessage", "{echo}");
    let over = json!({"session_hash": format!("{hash}{}", "x".repeat(3000))});
    let refused = guest
        .say("too much", Some(over), Channel::TopLevel)
        .await
        .unwrap();
    assert_eq!(refused["code"], 4013);
    let jwt = guest.jwt().await.unwrap()["body"]["jwt"]
        .as_str()
        .unwrap()
        .to_owned();
    guest.clear().await.unwrap();
    guest.until_closed().await.unwrap();
    vec![guest.token.clone(), jwt]
}

#[tokio::test]
async fn no_secret_token_hash_subject_or_order_id_reaches_the_logs() {
    let capture = Capture::default();
    tracing::subscriber::set_global_default(subscriber(
        tracing::Level::TRACE,
        LogFormat::Json,
        capture.clone(),
    ))
    .unwrap();

    let mut secrets: Vec<String> = Vec::new();
    let mut bodies: Vec<String> = Vec::new();
    for strategy in [StrategyKind::Messenger, StrategyKind::InitiationApi] {
        let app = spawn_app(Options {
            strategy,
            ..Options::default()
        })
        .await;
        let (user, pass) = app.running.data_action_credential.clone();
        secrets.push(pass.clone());
        secrets.push(genesys_sandbox::DEFAULT_CLIENT_SECRET.to_owned());
        let sub = format!("subject-{}", strategy.as_str());
        let token = app.login(&sub).await;
        secrets.push(token.clone());
        secrets.push(sub.clone());

        let order = "918273645501";
        secrets.push(order.to_owned());
        let r = app
            .initiate_with(&token, &json!({"orderId": order}), Some("idem-1"))
            .await;
        let first: Value = r.json().await.unwrap();
        assert!(first["sessionHash"].is_string(), "{first}");
        bodies.push(first.to_string());
        let hash = first["sessionHash"].as_str().unwrap().to_owned();
        secrets.push(hash.clone());
        if let Some(t) = first["token"].as_str() {
            secrets.push(t.to_owned());
        }
        // Replay, refresh, validate (ok, replay, forged), rate limit, bad token, bad credential.
        let _ = app
            .initiate_with(&token, &json!({"orderId": order}), Some("idem-1"))
            .await;
        app.advance_clock(46).await;
        let refreshed: Value = app.refresh(&token, &hash).await.json().await.unwrap();
        let new = refreshed["sessionHash"].as_str().unwrap().to_owned();
        secrets.push(new.clone());
        if let Some(t) = refreshed["token"].as_str() {
            secrets.push(t.to_owned());
        }
        let conv = refreshed["conversationId"]
            .as_str()
            .map_or_else(conversation, str::to_owned);
        bodies.push(app.validate(&new, &conv).await.to_string());
        bodies.push(app.validate(&new, &conversation()).await.to_string());
        bodies.push(app.validate(&hash, &conversation()).await.to_string());
        for _ in 0..6 {
            let r = app
                .initiate_with(&token, &json!({"orderId": order}), None)
                .await;
            bodies.push(r.text().await.unwrap());
        }
        let r = app
            .initiate_with(&format!("{token}x"), &json!({}), None)
            .await;
        bodies.push(r.text().await.unwrap());
        let r = app
            .http
            .post(app.url("/v1/session-validations"))
            .basic_auth(&user, Some("wrong-password"))
            .json(&json!({"sessionHash": new, "conversationId": conv}))
            .send()
            .await
            .unwrap();
        bodies.push(r.text().await.unwrap());
        if strategy == StrategyKind::Messenger {
            secrets.extend(guest_conversation(&app, &new).await);
        }
        for token in app.running.sandbox.issued_tokens() {
            secrets.push(token);
        }
    }

    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.lines().count() > 20,
        "the flows must have logged: {logs}"
    );
    let mut request_lines = 0;
    for line in logs.lines() {
        let parsed: Value =
            serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}"));
        // Fields sit at the top level; a request's lines carry its id (from the entry point's
        // span), whatever the event logged.
        assert!(parsed.get("spans").is_none(), "nested spans: {line}");
        let in_request = ["route", "reason", "participant_update"]
            .iter()
            .any(|f| parsed.get(*f).is_some());
        if in_request {
            request_lines += 1;
            assert!(
                parsed.get("request_id").and_then(Value::as_str).is_some(),
                "no request id: {line}"
            );
        }
    }
    assert!(
        request_lines > 5,
        "the handlers' own lines were seen: {request_lines}"
    );
    for secret in &secrets {
        assert!(
            !logs.contains(secret.as_str()),
            "a secret value reached the logs"
        );
        for body in &bodies {
            // Success bodies legitimately carry the caller's own hash, token and (to Architect)
            // the order id; error bodies carry none of them.
            if body.contains("urn:secure-initiation:problem") {
                assert!(
                    !body.contains(secret.as_str()),
                    "a secret value reached a response body"
                );
            }
        }
    }
}
