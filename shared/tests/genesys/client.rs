//! The three calls, token reuse, single flight, expiry and 401 handling.

use std::sync::Arc;
use std::time::Duration;

use genesys_sandbox::SandboxConfig;
use secure_initiation::genesys::GenesysError;
use secure_initiation::payload::{GenesysId, ParticipantAttributesBody};

use crate::helpers::{
    Initiation, QUEUE, SECRET_ID, SESSION_HASH, WIDGET, deadline, harness, harness_with, id,
    status_of,
};

#[tokio::test]
async fn a_conversation_is_created_its_customer_attributes_updated_and_it_is_disconnected() {
    let h = harness().await;
    let initiation = Initiation::new();

    let created = h
        .client
        .create_conversation(&initiation.body(), deadline())
        .await
        .unwrap();
    assert!(!created.token.expose().is_empty());
    let stored = h
        .sandbox
        .conversation(&created.conversation_id.to_string())
        .unwrap();
    assert_eq!(stored.widget_id, WIDGET);
    assert_eq!(stored.queue_id, QUEUE);
    assert_eq!(stored.custom_attributes["session_hash"], SESSION_HASH);
    assert_eq!(stored.custom_attributes["priority_tier"], "2");

    let customer = stored.customer().unwrap().id.clone();

    let schema = secure_initiation::attributes::Schema::default_schema().unwrap();
    let body = ParticipantAttributesBody::exposed(&schema, &initiation.attributes);
    h.client
        .update_participant_attributes(&created.conversation_id, &id(&customer), &body, deadline())
        .await
        .unwrap();
    let attributes = h
        .sandbox
        .participant_attributes(&created.conversation_id.to_string(), &customer)
        .unwrap();
    assert_eq!(attributes["risk_score"], "12");
    assert_eq!(attributes["geo_segment"], "na-east");

    let patch = h
        .sandbox
        .requests_to("/api/v2/conversations/messages/")
        .pop()
        .unwrap();
    assert_eq!(patch.method, "PATCH");
    assert_eq!(patch.header("content-type"), Some("application/json"));
    assert!(
        patch.body["attributes"].get("session_hash").is_none(),
        "only exposed attributes are written"
    );

    h.client
        .disconnect_conversation(&created.conversation_id, deadline())
        .await
        .unwrap();
    let ended = h
        .sandbox
        .conversation(&created.conversation_id.to_string())
        .unwrap();
    assert_eq!(ended.state.as_str(), "disconnected");
    let disconnect = h
        .sandbox
        .requests_to("/api/v2/conversations/messages/")
        .pop()
        .unwrap();
    assert_eq!(disconnect.method, "PATCH");
    assert_eq!(
        disconnect.body,
        serde_json::json!({"state": "disconnected"})
    );
    assert_eq!(h.sandbox.count_token_requests(), 1);
}

#[tokio::test]
async fn the_token_is_fetched_once_and_reused() {
    let h = harness().await;
    let initiation = Initiation::new();
    for _ in 0..5 {
        h.client
            .create_conversation(&initiation.body(), deadline())
            .await
            .unwrap();
    }
    assert_eq!(h.sandbox.count_token_requests(), 1);
    assert_eq!(h.secrets.reads(), 1);
    let token_request = &h.sandbox.requests_to("/oauth/token")[0];
    assert_eq!(
        token_request.header("authorization"),
        Some("Basic [redacted]")
    );
    assert_eq!(token_request.body["grant_type"], "client_credentials");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_hundred_concurrent_callers_share_a_single_token_request() {
    let h = harness().await;
    let calls: Vec<_> = (0..100)
        .map(|_| {
            let client = Arc::clone(&h.client);
            tokio::spawn(async move {
                let initiation = Initiation::new();
                client
                    .create_conversation(&initiation.body(), deadline())
                    .await
            })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    assert_eq!(h.sandbox.count_token_requests(), 1);
    assert_eq!(h.sandbox.conversations().len(), 100);
}

#[tokio::test]
async fn a_token_is_replaced_shortly_before_it_expires() {
    let h = harness().await;
    let initiation = Initiation::new();
    h.client
        .create_conversation(&initiation.body(), deadline())
        .await
        .unwrap();
    // The sandbox's tokens last 24 h; the client stops using one 60 s before.
    h.clock.advance_ms((86_400 - 61) * 1000);
    h.client
        .create_conversation(&initiation.body(), deadline())
        .await
        .unwrap();
    assert_eq!(h.sandbox.count_token_requests(), 1);
    h.clock.advance_ms(2_000);
    h.client
        .create_conversation(&initiation.body(), deadline())
        .await
        .unwrap();
    assert_eq!(h.sandbox.count_token_requests(), 2);
}

#[tokio::test]
async fn a_token_genesys_no_longer_accepts_is_refreshed_once_and_the_call_retried() {
    let h = harness().await;
    let initiation = Initiation::new();
    h.client
        .create_conversation(&initiation.body(), deadline())
        .await
        .unwrap();
    h.sandbox.expire_tokens();

    h.client
        .create_conversation(&initiation.body(), deadline())
        .await
        .unwrap();
    assert_eq!(h.sandbox.count_token_requests(), 2);
    let statuses: Vec<Option<u16>> = h
        .sandbox
        .requests_to("/api/v2/webmessaging")
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, [Some(201), Some(401), Some(201)]);
    assert_eq!(
        h.secrets.invalidations(),
        0,
        "one 401 refreshes the token, not the secret"
    );
    assert_eq!(h.sandbox.conversations().len(), 2);
}

#[tokio::test]
async fn tokens_that_lapse_on_the_sandbox_clock_are_recovered_from() {
    let h = harness_with(
        SandboxConfig {
            token_lifetime: Duration::from_secs(1),
            ..SandboxConfig::default()
        },
        |_| {},
    )
    .await;
    let initiation = Initiation::new();
    h.client
        .create_conversation(&initiation.body(), deadline())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    // The client's clock has not moved (it still trusts the token): the 401 path recovers.
    h.client
        .create_conversation(&initiation.body(), deadline())
        .await
        .unwrap();
    assert_eq!(h.sandbox.count_token_requests(), 2);
}

#[tokio::test]
async fn wrong_client_credentials_are_re_read_once_then_refused() {
    let h = harness().await;
    h.secrets.set(
        SECRET_ID,
        &[("client_id", "sandbox-client"), ("client_secret", "wrong")],
    );
    let error = h
        .client
        .create_conversation(&Initiation::new().body(), deadline())
        .await
        .unwrap_err();
    assert!(matches!(error, GenesysError::Auth), "{error:?}");
    assert_eq!(status_of(error), 502);
    assert_eq!(h.sandbox.count_token_requests(), 2);
    assert_eq!(h.secrets.invalidations(), 1);
    assert_eq!(h.sandbox.count_create_requests(), 0);
}

#[tokio::test]
async fn refused_credentials_fail_fast_for_a_cooldown_then_are_tried_again() {
    let h = harness().await;
    h.secrets.set(
        SECRET_ID,
        &[("client_id", "sandbox-client"), ("client_secret", "wrong")],
    );
    let initiation = Initiation::new();
    for _ in 0..3 {
        let error = h
            .client
            .create_conversation(&initiation.body(), deadline())
            .await
            .unwrap_err();
        assert!(matches!(error, GenesysError::Auth), "{error:?}");
    }
    assert_eq!(
        h.sandbox.count_token_requests(),
        2,
        "no new token request during the cooldown"
    );
    assert_eq!(h.secrets.reads(), 2);

    h.secrets.set(
        SECRET_ID,
        &[
            ("client_id", "sandbox-client"),
            ("client_secret", "sandbox-secret"),
        ],
    );
    h.clock.advance_ms(5_001);
    h.client
        .create_conversation(&initiation.body(), deadline())
        .await
        .unwrap();
    assert_eq!(h.sandbox.count_token_requests(), 3);
}

#[tokio::test]
async fn a_missing_credentials_field_is_a_secret_error_and_nothing_is_sent() {
    let h = harness().await;
    h.secrets.set(SECRET_ID, &[("client_id", "sandbox-client")]);
    let error = h
        .client
        .create_conversation(&Initiation::new().body(), deadline())
        .await
        .unwrap_err();
    assert!(matches!(error, GenesysError::Secret(_)), "{error:?}");
    assert!(error.to_string().contains("credentials could not be read"));
    assert!(h.sandbox.requests().is_empty());
}

#[test]
fn ids_that_are_not_uuids_cannot_reach_the_client() {
    // The client takes only parsed ids, so a path segment can address nothing but a UUID:
    // whatever a caller sent is refused where it is parsed, before any request exists.
    for bad in [
        "../../oauth/token",
        "not-a-participant",
        "",
        "0c6f7a1e2b9d4a3c8e5f1d2c3b4a5e6f",
    ] {
        assert!(GenesysId::parse(bad, "conversationId").is_err(), "{bad}");
    }
    let upper = GenesysId::parse("0C6F7A1E-2B9D-4A3C-8E5F-1D2C3B4A5E6F", "id").unwrap();
    assert_eq!(upper.to_string(), "0c6f7a1e-2b9d-4a3c-8e5f-1d2c3b4a5e6f");
}

#[tokio::test]
async fn an_unknown_conversation_is_genesys_not_found() {
    let h = harness().await;
    let error = h
        .client
        .disconnect_conversation(&id("0c6f7a1e-2b9d-4a3c-8e5f-1d2c3b4a5e6f"), deadline())
        .await
        .unwrap_err();
    match error {
        GenesysError::Api {
            status,
            ref code,
            ref context_id,
            ..
        } => {
            assert_eq!((status, code.as_str()), (404, "not.found"));
            assert!(!context_id.is_empty());
        }
        other => panic!("expected an api error, got {other:?}"),
    }
}
