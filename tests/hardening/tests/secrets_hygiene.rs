//! Every attack, hostile input and fault of this crate runs again with the logs captured at
//! TRACE; then every log line and every error body is scanned for every secret, session token
//! (genuine and crafted), session hash, Genesys token and data-action password used. The flows
//! themselves are covered the same way by the end-to-end suite's log-hygiene test.
#![allow(clippy::print_stdout)] // the figures are part of the report

use hardening_tests::faults::{aws, genesys, risk};
use hardening_tests::harness::{Capture, Exposure, spawn};
use hardening_tests::{attacks, inputs};
use local::Options;
use secure_initiation::telemetry::{LogFormat, subscriber};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_token_or_hash_reaches_a_log_line_or_an_error_body_under_any_fault() {
    let capture = Capture::default();
    tracing::subscriber::set_global_default(subscriber(
        tracing::Level::TRACE,
        LogFormat::Json,
        capture.clone(),
    ))
    .expect("the only subscriber in this process");

    let mut seen = Exposure::new();
    let stack = spawn(Options::default()).await;
    attacks::run_all(&stack, &mut seen).await;
    attacks::data_action_credentials(&stack, &mut seen).await;
    inputs::run_all(&stack, &mut seen).await;
    stack.record_secrets(&mut seen);
    drop(stack);
    for case in genesys::create_cases() {
        genesys::create_fault(&case, &mut seen).await;
    }
    genesys::token_revoked_mid_flight(&mut seen).await;
    genesys::write_back_faults(&mut seen).await;
    aws::secrets_unreachable_at_cold_start().await;
    aws::secrets_unreachable_later(&mut seen).await;
    aws::dynamodb_unreachable(&mut seen).await;
    aws::dynamodb_throttled(&mut seen).await;
    for case in risk::cases() {
        risk::run(case, &mut seen).await;
    }

    let logs = capture.text();
    let lines = logs.lines().count();
    assert!(
        lines > 500,
        "the scenarios must have logged ({lines} lines)"
    );
    assert!(!logs.contains("panicked"), "a panic was logged");
    let leaks = seen.leaks(&logs);
    assert!(leaks.is_empty(), "{leaks:?}");
    println!(
        "secrets hygiene: {} requests, {} distinct secrets scanned for in {lines} log lines and {} bodies: 0 hits",
        seen.requests,
        seen.secret_count(),
        seen.body_count()
    );
}
