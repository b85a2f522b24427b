//! Faults of every dependency through the running stack, each with its documented outcome.
#![allow(clippy::print_stdout)] // the figures are part of the report

use std::time::Duration;

use hardening_tests::faults::{self, Outcome, aws, genesys, risk};
use hardening_tests::harness::{self, Exposure, Reply, assert_problem};
use serde_json::json;
use test_support::serial_proxy::{FaultKind, ProxyFault};

fn report(outcomes: &[Outcome]) {
    print!("{}", faults::markdown(outcomes));
}

#[tokio::test]
async fn genesys_create_faults_end_in_their_documented_status_without_a_duplicate_conversation() {
    let mut seen = Exposure::default();
    let mut outcomes = Vec::new();
    for case in genesys::create_cases() {
        outcomes.push(genesys::create_fault(&case, &mut seen).await);
    }
    report(&outcomes);
}

#[tokio::test]
async fn a_genesys_token_revoked_mid_flight_is_replaced_once() {
    let outcome = genesys::token_revoked_mid_flight(&mut Exposure::default()).await;
    report(&[outcome]);
}

#[tokio::test]
async fn write_back_faults_never_cost_architect_its_answer_or_its_deadline() {
    let outcomes = genesys::write_back_faults(&mut Exposure::default()).await;
    report(&outcomes);
}

// AWS: one test per scenario (src/faults/aws.rs arranges and acts; the assertions are here).

fn row(class: &'static str, case: &str, tried: usize, result: &str) {
    report(&[Outcome::new(class, case, tried, result)]);
}

/// A 503 problem with `Retry-After`, within the store's budget.
fn assert_unavailable(reply: &Reply, what: &str) {
    assert_problem(reply, 503, "service-unavailable");
    assert!(reply.header("retry-after").is_some(), "{what}");
    assert!(
        reply.elapsed < aws::STORE_BUDGET,
        "{what}: answered after {:?}",
        reply.elapsed
    );
}

#[tokio::test]
async fn a_validate_session_cold_start_without_secrets_manager_fails_naming_the_secret() {
    let cold = aws::validate_cold_start_without_secrets().await;

    let error = cold.error.expect("a cold start without secrets fails");
    assert!(
        error.contains(aws::DATA_ACTION_SECRET),
        "names the secret: {error}"
    );
    assert!(cold.took < aws::STORE_BUDGET, "{:?}", cold.took);
    let result = format!(
        "init error naming `{}` after {} ms",
        aws::DATA_ACTION_SECRET,
        cold.took.as_millis()
    );
    row(
        "Secrets Manager",
        "unreachable at cold start (validate-session)",
        1,
        &result,
    );
}

#[tokio::test]
async fn an_initiate_cold_start_without_secrets_manager_fails_naming_the_secret() {
    let cold = aws::initiate_cold_start_without_secrets().await;

    let error = cold.error.expect("a cold start without secrets fails");
    assert!(
        error.contains(aws::SESSION_KEY_SECRET),
        "names the secret: {error}"
    );
    assert!(cold.took < aws::STORE_BUDGET, "{:?}", cold.took);
    let result = format!(
        "init error naming `{}` after {} ms",
        aws::SESSION_KEY_SECRET,
        cold.took.as_millis()
    );
    row(
        "Secrets Manager",
        "unreachable at cold start (initiate)",
        1,
        &result,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_manager_lost_after_cold_start_serves_the_cache_until_its_ttl() {
    let later = aws::secrets_unreachable_later(&mut Exposure::default()).await;

    assert!(later.cached_within_ttl, "the first call ran within the TTL");
    assert_eq!(
        later.cached.status, 200,
        "the cached credential still authenticates"
    );
    assert_eq!(later.cached.json()["reason"], "unknown");
    assert_eq!(
        later.expired.status, 503,
        "past the TTL the credential cannot be checked"
    );
    assert!(later.expired.header("retry-after").is_some());
    let deadline = secure_initiation::api::ValidateSettings::default().deadline;
    assert!(
        later.expired.elapsed < deadline + Duration::from_secs(1),
        "answered after {:?}",
        later.expired.elapsed
    );
    assert_eq!(
        later.recovered.status, 200,
        "recovers once Secrets Manager answers"
    );
    let result = format!(
        "cached credential served within the TTL; past it 503 + Retry-After in {} ms; recovers",
        later.expired.elapsed.as_millis()
    );
    row(
        "Secrets Manager",
        "unreachable after cold start (TTL 3 s)",
        3,
        &result,
    );
}

#[tokio::test]
async fn without_genesys_warm_up_a_cold_start_asks_genesys_for_nothing() {
    let cold = aws::genesys_warm_up_at_cold_start(false, false).await;

    assert!(cold.ok, "cold start without warm-up");
    assert_eq!(cold.token_requests, 0, "no warm-up, no token");
    row(
        "Genesys warm-up",
        "GENESYS_WARM_UP=false",
        1,
        "cold start asks Genesys for nothing",
    );
}

#[tokio::test]
async fn with_genesys_warm_up_a_cold_start_fetches_exactly_one_token() {
    let cold = aws::genesys_warm_up_at_cold_start(true, false).await;

    assert!(cold.ok, "cold start with warm-up");
    assert_eq!(cold.token_requests, 1, "one token fetched at init");
    row(
        "Genesys warm-up",
        "GENESYS_WARM_UP=true",
        1,
        "cold start fetches exactly 1 token",
    );
}

#[tokio::test]
async fn a_failed_genesys_warm_up_never_fails_the_cold_start() {
    let cold = aws::genesys_warm_up_at_cold_start(true, true).await;

    assert!(cold.ok, "a failed warm-up never fails the cold start");
    assert!(
        cold.took < Duration::from_millis(2_500) + Duration::from_secs(1),
        "the warm-up stays within the validation deadline: {:?}",
        cold.took
    );
    let result = format!("cold start succeeds in {} ms", cold.took.as_millis());
    row(
        "Genesys warm-up",
        "GENESYS_WARM_UP=true, login host answering 503",
        1,
        &result,
    );
}

#[tokio::test]
async fn dynamodb_unreachable_is_503_everywhere() {
    let down = aws::dynamodb_unreachable(&mut Exposure::default()).await;

    assert_unavailable(&down.initiate, "initiate");
    assert_unavailable(&down.refresh, "refresh");
    assert_unavailable(&down.validate, "validate");
    assert_eq!(down.creates, 0, "nothing reached Genesys");
    let slowest = [&down.initiate, &down.refresh, &down.validate]
        .iter()
        .map(|r| r.elapsed.as_millis())
        .max()
        .unwrap_or(0);
    let result = format!(
        "503 + Retry-After on initiate, refresh and validate (slowest {slowest} ms); no conversation created"
    );
    row("DynamoDB", "unreachable (connection refused)", 3, &result);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_dynamodb_call_throttled_is_503_and_leaves_the_table_untouched() {
    let mut seen = Exposure::default();
    let t = aws::Throttled::start().await;
    let token = t.token("dynamodb-throttled", &mut seen);

    let body = json!({"orderId": "1"});
    let initiate = t.stack.initiate(&token, &body, None);
    let reply = t.under(aws::throttle(None), initiate, &mut seen).await;

    assert_unavailable(&reply, "initiate, all throttled");
    assert!(t.aws.items().await.is_empty(), "nothing written");
    assert_eq!(t.conversations(), 0);
    row(
        "DynamoDB",
        "every call throttled (initiate)",
        1,
        "503 + Retry-After; table untouched; no conversation",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throttled_session_write_is_503_with_no_session_and_no_conversation() {
    let mut seen = Exposure::default();
    let t = aws::Throttled::start().await;
    let token = t.token("dynamodb-throttled", &mut seen);

    // Only the session write throttled: the rate counter goes through.
    let fault = ProxyFault::always(FaultKind::ThroughputExceeded).on("PutItem");
    let body = json!({"orderId": "1"});
    let initiate = t.stack.initiate(&token, &body, None);
    let reply = t.under(fault, initiate, &mut seen).await;

    assert_unavailable(&reply, "initiate, session write throttled");
    let items = t.aws.items().await;
    assert_eq!(items.get("session"), None, "no session: {items:?}");
    assert_eq!(t.conversations(), 0, "no conversation without its session");
    row(
        "DynamoDB",
        "session write throttled (initiate)",
        1,
        "503; no session, no conversation",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throttled_bind_is_503_and_binds_exactly_once_after() {
    let mut seen = Exposure::default();
    let t = aws::Throttled::start().await;
    let token = t.token("dynamodb-throttled", &mut seen);
    let (hash, conversation) = t.initiated(&token, &mut seen).await;
    assert_eq!(t.aws.items().await.get("session"), Some(&1));
    assert_eq!(t.conversations(), 1);

    let validate = t.stack.validate(&hash, &conversation, None);
    let reply = t
        .under(aws::throttle(Some("UpdateItem")), validate, &mut seen)
        .await;
    let unbound = t.aws.sessions_with_status("bound").await;
    let ok = t.stack.validate(&hash, &conversation, None).await;
    let replay = t
        .stack
        .validate(&hash, &harness::conversation(), None)
        .await;

    assert_unavailable(&reply, "validate, bind throttled");
    assert_eq!(unbound, 0, "still unbound while throttled");
    assert_eq!(ok.json()["valid"], true, "{}", ok.body);
    assert_eq!(replay.json()["reason"], "replayed");
    assert_eq!(t.aws.sessions_with_status("bound").await, 1);
    row(
        "DynamoDB",
        "bind throttled (validate)",
        1,
        "503; unbound until it recovers, then bound exactly once",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throttled_rotation_keeps_the_old_ticket_and_refreshes_after() {
    let mut seen = Exposure::default();
    let t = aws::Throttled::start().await;
    let token = t.token("dynamodb-throttled-2", &mut seen);
    let (old, _) = t.initiated(&token, &mut seen).await;
    let conversations = t.conversations();
    // Into the ticket's refresh window.
    t.stack.running.clock.advance_ms(46_000);

    let refresh = t.stack.refresh(&token, &old);
    let reply = t
        .under(
            aws::throttle(Some("TransactWriteItems")),
            refresh,
            &mut seen,
        )
        .await;
    let active = t.aws.sessions_with_status("active").await;
    let after = t.conversations();
    let rotated = t.stack.refresh(&token, &old).await;
    seen.secret(rotated.json()["sessionHash"].as_str().unwrap_or_default());

    assert_unavailable(&reply, "refresh, rotation throttled");
    assert_eq!(active, 1, "only the old ticket is active");
    assert_eq!(after, conversations, "no new conversation");
    assert_eq!(rotated.status, 201, "{}", rotated.body);
    assert_eq!(t.aws.sessions_with_status("revoked").await, 1);
    row(
        "DynamoDB",
        "rotation throttled (refresh)",
        1,
        "503; old ticket still active, no new ticket or conversation; refresh works after",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throttled_session_write_under_an_idempotency_key_releases_the_key() {
    let mut seen = Exposure::default();
    let t = aws::Throttled::start().await;
    let token = t.token("dynamodb-throttled-3", &mut seen);
    let body = json!({"orderId": "7"});

    // The key's own record is the first PutItem; the session's is the second.
    let fault = aws::throttle(Some("PutItem")).after(1);
    let first = t.stack.initiate(&token, &body, Some("retry-me"));
    let first = t.under(fault, first, &mut seen).await;
    let sessions_before = t.aws.items().await.get("session").copied().unwrap_or(0);
    let retry = t.stack.initiate(&token, &body, Some("retry-me")).await;
    seen.secret(retry.json()["sessionHash"].as_str().unwrap_or_default());
    let again = t.stack.initiate(&token, &body, Some("retry-me")).await;

    assert_unavailable(&first, "initiate with a key, session write throttled");
    assert_eq!(retry.status, 201, "{}", retry.body);
    assert_eq!(again.body, retry.body, "the key replays the one success");
    assert_eq!(
        t.aws.items().await.get("session").copied().unwrap_or(0),
        sessions_before + 1,
        "exactly one session"
    );
    row(
        "DynamoDB",
        "session write throttled under an Idempotency-Key",
        3,
        "503, then the retry creates exactly one session and replays it",
    );
}

#[tokio::test]
async fn the_risk_policy_holds_when_the_scorer_is_down_slow_or_wrong() {
    let mut seen = Exposure::default();
    let mut outcomes = Vec::new();
    for case in risk::cases() {
        outcomes.push(risk::run(case, &mut seen).await);
    }
    report(&outcomes);
}
