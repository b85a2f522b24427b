//! Every attack, hostile input and fault of this crate runs again with the logs captured at
//! TRACE; then every log line and every error body is scanned for every secret, session token
//! (genuine and crafted), session hash, Genesys token and data-action password used. The flows
//! themselves are covered the same way by the end-to-end suite's log-hygiene test.
#![allow(clippy::print_stdout)] // the figures are part of the report

use hardening_tests::faults::{aws, genesys, risk};
use hardening_tests::harness::{Capture, Exposure, spawn};
use hardening_tests::{attacks, inputs};
use local::Options;
use secure_initiation::telemetry::metrics::emf::parse_line;
use secure_initiation::telemetry::{LogFormat, subscriber};
use serde_json::json;
use test_support::serial_proxy::{FaultKind, ProxyFault};

/// The throttling scenarios of `tests/faults.rs`, for their logs.
async fn dynamodb_throttled(seen: &mut Exposure) {
    let t = aws::Throttled::start().await;
    let token = t.token("dynamodb-throttled", seen);
    let body = json!({"orderId": "1"});
    let initiate = t.stack.initiate(&token, &body, None);
    t.under(aws::throttle(None), initiate, seen).await;
    let initiate = t.stack.initiate(&token, &body, None);
    let fault = ProxyFault::always(FaultKind::ThroughputExceeded).on("PutItem");
    t.under(fault, initiate, seen).await;
    let (hash, conversation) = t.initiated(&token, seen).await;
    let validate = t.stack.validate(&hash, &conversation, None);
    t.under(aws::throttle(Some("UpdateItem")), validate, seen)
        .await;
    t.stack.running.clock.advance_ms(46_000);
    let refresh = t.stack.refresh(&token, &hash);
    t.under(aws::throttle(Some("TransactWriteItems")), refresh, seen)
        .await;
    let body7 = json!({"orderId": "7"});
    let keyed = t.stack.initiate(&token, &body7, Some("retry-me"));
    t.under(aws::throttle(Some("PutItem")).after(1), keyed, seen)
        .await;
    t.stack.record_secrets(seen);
}

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
    for fault in genesys::CreateFault::ALL {
        genesys::create_fault(fault, &mut seen).await;
    }
    genesys::token_revoked_mid_flight(&mut seen).await;
    for fault in genesys::WriteBackFault::ALL {
        genesys::write_back(fault, &mut seen).await;
    }
    aws::validate_cold_start_without_secrets().await;
    aws::initiate_cold_start_without_secrets().await;
    aws::secrets_unreachable_later(&mut seen).await;
    aws::dynamodb_unreachable(&mut seen).await;
    dynamodb_throttled(&mut seen).await;
    for (behaviour, policy) in risk::cases() {
        risk::run(behaviour, policy, &mut seen).await;
    }

    // The metric lines too: each is valid EMF within the catalogue, and carries no secret.
    let metric_lines = local::metric_lines_in_process();
    assert!(
        metric_lines.len() > 50,
        "the scenarios must have emitted metrics ({} lines)",
        metric_lines.len()
    );
    for line in &metric_lines {
        if let Err(e) = parse_line(line, &[]) {
            panic!("{e}: {line}");
        }
    }
    let metric_leaks = seen.leaks(&metric_lines.join("\n"));
    assert!(metric_leaks.is_empty(), "in metric lines: {metric_leaks:?}");

    let logs = capture.text();
    let lines = logs.lines().count();
    assert!(
        lines > 500,
        "the scenarios must have logged ({lines} lines)"
    );
    assert!(!logs.contains("panicked"), "a panic was logged");
    let leaks = seen.leaks(&logs);
    assert!(leaks.is_empty(), "{leaks:?}");
    // Inside a request, every line carries the invocation's fields at its top level, and a
    // client's request id never becomes a field of its own.
    let mut in_requests = 0;
    for line in logs.lines().filter(|l| l.contains("\"cold_start\"")) {
        let parsed: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
        assert!(parsed.get("spans").is_none(), "{line}");
        assert!(parsed["request_id"].is_string(), "{line}");
        assert!(parsed["cold_start"].is_boolean(), "{line}");
        in_requests += 1;
    }
    assert!(in_requests > 100, "{in_requests} lines inside requests");
    println!(
        "secrets hygiene: {} requests, {} distinct secrets scanned for in {lines} log lines ({in_requests} inside requests), {} metric lines and {} bodies: 0 hits",
        seen.requests,
        seen.secret_count(),
        metric_lines.len(),
        seen.body_count()
    );
}
