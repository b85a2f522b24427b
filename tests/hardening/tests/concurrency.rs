//! Concurrency and load on loopback, through the local stack on DynamoDB (moto behind the
//! serialising proxy): bindings are never lost or doubled, and the rate limit admits exactly
//! its limit under a burst.
#![allow(clippy::print_stdout)] // the figures are part of the report

use futures::StreamExt as _;
use hardening_tests::faults::aws::Aws;
use hardening_tests::harness::conversation;
use hardening_tests::load::{self, LoadConfig};
use secure_initiation::api::{BrowserSettings, RateLimit};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bounded_validation_load_loses_and_doubles_no_binding() {
    let figures = load::run(LoadConfig::ci()).await;
    println!("validation load (CI size): {figures}");
    assert_eq!(figures.errors, 0, "{:?}", figures.statuses);
    assert_eq!(figures.lost, 0);
    assert_eq!(figures.doubled, 0);
    assert_eq!(figures.bound_once, LoadConfig::ci().hashes);
    assert_eq!(figures.bound_in_store, Some(LoadConfig::ci().hashes));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_validations_of_one_hash_bind_exactly_one() {
    let aws = Aws::start().await;
    let stack = load::dynamo_stack(&aws, BrowserSettings::initiate()).await;
    let hashes = load::issue(&stack, 1).await;
    let pairs = (0..200).map(|_| (0, conversation())).collect();
    let answers = load::validate_all(&stack, &hashes, pairs, 200).await;
    let winners: Vec<_> = answers.iter().filter(|a| a.valid).collect();
    assert_eq!(winners.len(), 1, "exactly one conversation binds");
    assert!(
        answers
            .iter()
            .all(|a| a.status == 200 && (a.valid || a.reason == "replayed")),
        "every other conversation is told `replayed`"
    );
    assert_eq!(aws.sessions_with_status("bound").await, 1);
    println!("200 concurrent validations of one hash: 1 bound, 199 replayed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_n_plus_20_initiations_admits_exactly_the_limit_of_n() {
    const LIMIT: u32 = 10;
    let aws = Aws::start().await;
    let stack = load::dynamo_stack(
        &aws,
        BrowserSettings {
            rate: RateLimit {
                per_window: LIMIT,
                window_secs: 60,
            },
            ..BrowserSettings::initiate()
        },
    )
    .await;
    let token = stack.token("burst-subject");
    let stack = &stack;
    let token = &token;
    let replies: Vec<_> = futures::stream::iter(0..LIMIT + 20)
        .map(|_| async move { stack.initiate(token, &json!({"orderId": "1"}), None).await })
        .buffer_unordered(64)
        .collect()
        .await;
    let created = replies.iter().filter(|r| r.status == 201).count();
    let limited: Vec<_> = replies.iter().filter(|r| r.status == 429).collect();
    assert_eq!(created, LIMIT as usize);
    assert_eq!(limited.len(), 20);
    assert!(limited.iter().all(|r| r.header("retry-after").is_some()));
    assert_eq!(
        aws.items().await.get("session"),
        Some(&(LIMIT as usize)),
        "exactly one stored session per admitted initiation"
    );
    println!(
        "burst of {} initiations at limit {LIMIT}: {created} created, {} limited",
        LIMIT + 20,
        limited.len()
    );
}
