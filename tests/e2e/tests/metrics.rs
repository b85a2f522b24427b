//! The metrics the handlers emit, read back line by line: every line is checked against the
//! Embedded Metric Format specification and the catalogue (`_aws.CloudWatchMetrics`,
//! namespace, dimension set, metric definitions, values of the stated units), and the counts of
//! a scripted sequence are exact: N valid validations, M replayed, K tampered, rate-limited
//! initiations, and a Genesys 429 on a participant write-back.
//!
//! One test in this binary: the process has one metrics recorder, and another stack in the same
//! process would add its own counts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{TestApp, conversation, spawn_app};
use genesys_sandbox::Fault;
use local::Options;
use secure_initiation::api::strategy::StrategyKind;
use secure_initiation::api::{BrowserSettings, RateLimit};
use secure_initiation::telemetry::metrics::DEFAULT_NAMESPACE;
use secure_initiation::telemetry::metrics::emf::{Totals, parse_line};
use serde_json::{Value, json};

const VALID: usize = 3;
const REPLAYED: usize = 2;
const TAMPERED: usize = 2;
const RATE_LIMIT: u32 = 2;
const OVER_LIMIT: usize = 2;

async fn validate(
    app: &TestApp,
    hash: &str,
    conversation: &str,
    participant: Option<&str>,
) -> Value {
    let mut body = json!({"sessionHash": hash, "conversationId": conversation});
    if let Some(p) = participant {
        body["participantId"] = json!(p);
    }
    let response = app.validate_raw(&body).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

fn customer(app: &TestApp, conversation: &str) -> String {
    app.running
        .sandbox
        .conversation(conversation)
        .and_then(|c| c.customer().map(|p| p.id.clone()))
        .expect("the created conversation has a customer")
}

/// One character changed, still shaped like a hash: never issued.
fn tampered(hash: &str, i: usize) -> String {
    let mut chars: Vec<char> = hash.chars().collect();
    chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
    chars.into_iter().collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_metric_line_is_valid_emf_and_a_scripted_sequence_counts_exactly() {
    let app = spawn_app(Options {
        strategy: StrategyKind::InitiationApi,
        initiate: BrowserSettings {
            rate: RateLimit {
                per_window: RATE_LIMIT,
                window_secs: 60,
            },
            ..BrowserSettings::initiate()
        },
        ..Options::default()
    })
    .await;

    // N valid: each subject's own hash on its own conversation; the first with a write-back.
    let mut issued = Vec::new();
    for i in 0..VALID {
        let token = app.login(&format!("valid-{i}")).await;
        issued.push(app.initiate(&token).await);
    }
    let hash = |i: usize| issued[i]["sessionHash"].as_str().unwrap().to_owned();
    let conv = |i: usize| issued[i]["conversationId"].as_str().unwrap().to_owned();
    let first = validate(&app, &hash(0), &conv(0), Some(&customer(&app, &conv(0)))).await;
    assert_eq!(
        (first["valid"].clone(), first["participant_update"].clone()),
        (json!(true), json!("written"))
    );

    // A Genesys 429 (Retry-After past the deadline) on the second one's write-back.
    app.running
        .sandbox
        .inject(Fault::rate_limited(30).on_path("/api/v2/conversations/messages"));
    let throttled = validate(&app, &hash(1), &conv(1), Some(&customer(&app, &conv(1)))).await;
    assert_eq!(throttled["valid"], true);
    assert_eq!(throttled["participant_update"], "failed");
    app.running.sandbox.clear_faults();
    let third = validate(&app, &hash(2), &conv(2), None).await;
    assert_eq!(third["reason"], "ok");

    // M replayed: the first hash on other conversations.
    for _ in 0..REPLAYED {
        let answer = validate(&app, &hash(0), &conversation(), None).await;
        assert_eq!(answer["reason"], "replayed");
    }
    // K tampered: one character changed.
    for i in 0..TAMPERED {
        let answer = validate(&app, &tampered(&hash(0), 3 + i), &conversation(), None).await;
        assert_eq!(answer["reason"], "unknown");
    }
    // Rate limited: one subject over its limit.
    let token = app.login("burst").await;
    let mut statuses = Vec::new();
    for _ in 0..(RATE_LIMIT as usize + OVER_LIMIT) {
        let r = app
            .initiate_with(&token, &json!({"orderId": "1"}), None)
            .await;
        statuses.push(r.status().as_u16());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 429).count(),
        OVER_LIMIT,
        "{statuses:?}"
    );

    // Every line the handlers emitted, parsed against the specification and the catalogue.
    let lines = app.running.metric_lines();
    assert!(!lines.is_empty());
    let mut totals = Totals::default();
    for line in &lines {
        let points = parse_line(line, &[]).unwrap_or_else(|e| panic!("{e}\n{line}"));
        for p in &points {
            assert_eq!(p.namespace, DEFAULT_NAMESPACE);
        }
        totals.add(&points);
    }
    let count = |metric: &str, filter: &[(&str, &str)]| totals.sum(metric, filter) as usize;
    let validations = |reason: &str| count("Validations", &[("Reason", reason)]);
    assert_eq!(validations("ok"), VALID);
    assert_eq!(validations("replayed"), REPLAYED);
    assert_eq!(validations("unknown"), TAMPERED);
    assert_eq!(
        count("Validations", &[("EntryPoint", "web-services")]),
        VALID + REPLAYED + TAMPERED
    );
    assert_eq!(
        totals.samples("ValidationDuration", &[]) as usize,
        VALID + REPLAYED + TAMPERED,
        "one answer time per validation"
    );
    let initiations = |outcome: &str| {
        count(
            "Initiations",
            &[("Outcome", outcome), ("Strategy", "initiation-api")],
        )
    };
    assert_eq!(initiations("issued"), VALID + RATE_LIMIT as usize);
    assert_eq!(initiations("rate-limited"), OVER_LIMIT);
    assert_eq!(count("ParticipantWriteBacks", &[("Outcome", "written")]), 1);
    assert_eq!(count("ParticipantWriteBacks", &[("Outcome", "failed")]), 1);
    let write_back = [
        ("Function", "validate-session"),
        ("Operation", "update-participant-attributes"),
    ];
    assert_eq!(count("GenesysThrottles", &write_back), 1);
    let mut throttled_call = write_back.to_vec();
    throttled_call.push(("Outcome", "throttled"));
    assert_eq!(count("GenesysCalls", &throttled_call), 1);
    assert_eq!(
        count(
            "GenesysCalls",
            &[("Operation", "create-conversation"), ("Outcome", "ok")]
        ),
        VALID + RATE_LIMIT as usize
    );
    assert_eq!(
        totals.samples("GenesysLatency", &[("Operation", "create-conversation")]) as usize,
        VALID + RATE_LIMIT as usize
    );
    assert_eq!(count("ColdStarts", &[("Function", "initiate")]), 1);
    assert_eq!(count("ColdStarts", &[("Function", "validate-session")]), 1);

    // GET /dev/metrics serves the same running counts, and refused no line.
    let served: Value = app
        .http
        .get(app.url("/dev/metrics"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(served["namespace"], DEFAULT_NAMESPACE);
    assert_eq!(served["refused"], 0);
    assert_eq!(served["lines"], lines.len());
    assert_json_close(&served["series"], &totals.to_json(), "series");
}

/// `actual` equals `expected` but for floating-point sums, which the stack and this test add in
/// different orders (`7.796096` against `7.7960959999999995`): those agree to 1e-9, relatively.
fn assert_json_close(actual: &Value, expected: &Value, at: &str) {
    match (actual, expected) {
        (Value::Number(a), Value::Number(e)) => {
            let (a, e) = (a.as_f64().unwrap(), e.as_f64().unwrap());
            assert!(
                (a - e).abs() <= 1e-9 * a.abs().max(e.abs()).max(1.0),
                "{at}: {a} != {e}"
            );
        }
        (Value::Array(a), Value::Array(e)) => {
            assert_eq!(a.len(), e.len(), "{at}: lengths differ");
            for (i, (a, e)) in a.iter().zip(e).enumerate() {
                assert_json_close(a, e, &format!("{at}[{i}]"));
            }
        }
        (Value::Object(a), Value::Object(e)) => {
            let keys = |o: &serde_json::Map<String, Value>| o.keys().cloned().collect::<Vec<_>>();
            assert_eq!(keys(a), keys(e), "{at}: keys differ");
            for (k, e) in e {
                assert_json_close(&a[k], e, &format!("{at}.{k}"));
            }
        }
        _ => assert_eq!(actual, expected, "{at}"),
    }
}
