//! 429, 5xx, timeouts, resets and malformed answers, each within the caller's deadline, and the
//! rule that a create which may have reached Genesys is never sent twice.

use std::time::Duration;

use genesys_sandbox::Fault;
use secure_initiation::genesys::{GenesysClient, GenesysError};
use tokio::time::Instant;

use crate::helpers::{
    Initiation, client_config, deadline, deadline_in, harness, harness_with, id, sandbox_secrets,
    status_of,
};

const CREATE: &str = "/api/v2/webmessaging";

#[tokio::test]
async fn a_429_is_waited_out_when_its_retry_after_fits_the_deadline() {
    let h = harness().await;
    h.sandbox.inject(Fault::rate_limited(1).on_path(CREATE));
    let started = Instant::now();
    h.client
        .create_conversation(
            &Initiation::new().body(),
            deadline_in(Duration::from_secs(5)),
        )
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After was honoured"
    );
    assert_eq!(h.sandbox.count_create_requests(), 2);
    assert_eq!(h.sandbox.conversations().len(), 1);
}

#[tokio::test]
async fn a_429_whose_retry_after_passes_the_deadline_gives_up_at_once() {
    let h = harness().await;
    h.sandbox.inject(Fault::rate_limited(30).on_path(CREATE));
    let started = Instant::now();
    let error = h
        .client
        .create_conversation(
            &Initiation::new().body(),
            deadline_in(Duration::from_secs(3)),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(error, GenesysError::RateLimited { retry_after: Some(d) } if d == Duration::from_secs(30)),
        "{error:?}"
    );
    assert_eq!(status_of(error), 503);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "did not sleep toward the deadline"
    );
    assert_eq!(h.sandbox.count_create_requests(), 1);
}

#[tokio::test]
async fn persistent_503s_are_retried_a_bounded_number_of_times() {
    let h = harness().await;
    h.sandbox.inject(
        Fault::status(503)
            .times(50)
            .on_path("/api/v2/conversations"),
    );
    let error = h
        .client
        .disconnect_conversation(&id("0c6f7a1e-2b9d-4a3c-8e5f-1d2c3b4a5e6f"), deadline())
        .await
        .unwrap_err();
    assert!(
        matches!(error, GenesysError::Unavailable { status: 503 }),
        "{error:?}"
    );
    assert_eq!(
        h.sandbox.requests_to("/api/v2/conversations").len(),
        4,
        "max_attempts = 4"
    );
}

#[tokio::test]
async fn a_5xx_backoff_that_would_pass_the_deadline_is_not_attempted() {
    let h = harness_with(Default::default(), |c| {
        c.retry.base_delay = Duration::from_secs(5);
        c.retry.max_delay = Duration::from_secs(5);
    })
    .await;
    h.sandbox
        .inject(Fault::status(502).times(5).on_path("/api/v2/conversations"));
    let started = Instant::now();
    let error = h
        .client
        .disconnect_conversation(
            &id("0c6f7a1e-2b9d-4a3c-8e5f-1d2c3b4a5e6f"),
            deadline_in(Duration::from_secs(2)),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(error, GenesysError::Unavailable { status: 502 }),
        "{error:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(h.sandbox.requests_to("/api/v2/conversations").len(), 1);
}

#[tokio::test]
async fn a_503_or_429_on_create_is_retried_because_genesys_said_nothing_was_created() {
    let h = harness().await;
    h.sandbox
        .inject(Fault::status(503).times(2).on_path(CREATE));
    h.client
        .create_conversation(&Initiation::new().body(), deadline())
        .await
        .unwrap();
    assert_eq!(h.sandbox.count_create_requests(), 3);
    assert_eq!(h.sandbox.conversations().len(), 1);
}

#[tokio::test]
async fn a_create_that_times_out_after_sending_is_outcome_unknown_and_never_resent() {
    let h = harness().await;
    h.sandbox
        .inject(Fault::delay(Duration::from_secs(2)).on_path(CREATE));
    let error = h
        .client
        .create_conversation(
            &Initiation::new().body(),
            deadline_in(Duration::from_millis(500)),
        )
        .await
        .unwrap_err();
    assert!(matches!(error, GenesysError::OutcomeUnknown), "{error:?}");
    assert_eq!(status_of(error), 504);
    assert_eq!(h.sandbox.count_create_requests(), 1);
    // Genesys did create it: a blind retry would have made a second conversation.
    assert_eq!(h.sandbox.conversations().len(), 1);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(h.sandbox.count_create_requests(), 1);
}

#[tokio::test]
async fn a_create_whose_connection_is_reset_is_outcome_unknown_and_never_resent() {
    let h = harness().await;
    h.sandbox.inject(Fault::reset().on_path(CREATE));
    let error = h
        .client
        .create_conversation(&Initiation::new().body(), deadline())
        .await
        .unwrap_err();
    assert!(matches!(error, GenesysError::OutcomeUnknown), "{error:?}");
    assert_eq!(h.sandbox.count_create_requests(), 1);
}

#[tokio::test]
async fn a_gateway_502_on_create_is_outcome_unknown_and_never_resent() {
    let h = harness().await;
    h.sandbox.inject(Fault::status(502).on_path(CREATE));
    let error = h
        .client
        .create_conversation(&Initiation::new().body(), deadline())
        .await
        .unwrap_err();
    assert!(matches!(error, GenesysError::OutcomeUnknown), "{error:?}");
    assert_eq!(h.sandbox.count_create_requests(), 1);
}

#[tokio::test]
async fn a_reset_read_is_simply_retried() {
    let h = harness().await;
    let created = h
        .client
        .create_conversation(&Initiation::new().body(), deadline())
        .await
        .unwrap();
    h.sandbox
        .inject(Fault::reset().on_path("/api/v2/conversations"));
    h.client
        .disconnect_conversation(&created.conversation_id, deadline())
        .await
        .unwrap();
    assert!(h.sandbox.connected_conversations().is_empty());
    assert_eq!(h.sandbox.requests_to("/api/v2/conversations").len(), 2);
}

#[tokio::test]
async fn malformed_genesys_json_is_a_typed_error() {
    let h = harness().await;
    h.sandbox.inject(Fault::malformed(201).on_path(CREATE));
    let error = h
        .client
        .create_conversation(&Initiation::new().body(), deadline())
        .await
        .unwrap_err();
    let GenesysError::Malformed(detail) = &error else {
        panic!("expected malformed, got {error:?}");
    };
    assert!(
        detail.contains("initiation response: truncated json"),
        "{detail}"
    );
    assert_eq!(status_of(error), 502);

    h.sandbox
        .inject(Fault::malformed(200).on_path("/api/v2/conversations"));
    let error = h
        .client
        .disconnect_conversation(&id("0c6f7a1e-2b9d-4a3c-8e5f-1d2c3b4a5e6f"), deadline())
        .await
        .unwrap_err();
    assert!(matches!(error, GenesysError::Malformed(_)), "{error:?}");

    let fresh = harness().await;
    fresh
        .sandbox
        .inject(Fault::malformed(200).on_path("/oauth/token"));
    let error = fresh
        .client
        .create_conversation(&Initiation::new().body(), deadline())
        .await
        .unwrap_err();
    assert!(
        matches!(error, GenesysError::Malformed(ref d) if d.starts_with("token response")),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_deadline_already_past_sends_nothing() {
    let h = harness().await;
    let error = h
        .client
        .create_conversation(&Initiation::new().body(), Instant::now())
        .await
        .unwrap_err();
    assert!(matches!(error, GenesysError::Timeout), "{error:?}");
    assert!(h.sandbox.requests().is_empty());
}

#[tokio::test]
async fn a_connection_refused_before_sending_is_retried_and_then_a_transport_error() {
    // A port nothing listens on: connect fails, so nothing was sent and a create may be retried.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let client = GenesysClient::new(
        client_config(&base),
        std::sync::Arc::new(sandbox_secrets()),
        std::sync::Arc::new(secure_initiation::ports::SystemClock),
    )
    .unwrap();
    let error = client
        .create_conversation(&Initiation::new().body(), deadline())
        .await
        .unwrap_err();
    assert!(matches!(error, GenesysError::Transport(_)), "{error:?}");
    assert_eq!(status_of(error), 503);
}

#[tokio::test]
async fn a_token_endpoint_outage_is_retried_within_the_deadline() {
    let h = harness().await;
    h.sandbox
        .inject(Fault::status(503).times(2).on_path("/oauth/token"));
    h.client
        .create_conversation(&Initiation::new().body(), deadline())
        .await
        .unwrap();
    assert_eq!(h.sandbox.count_token_requests(), 3);
}
