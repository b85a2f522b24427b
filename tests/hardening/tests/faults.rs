//! Faults of every dependency through the running stack, one test per scenario, each with its
//! documented outcome asserted here. Each test prints its row of the results table (the
//! README's "What we tested" quotes them).
#![allow(clippy::print_stdout)] // the figures are part of the report

use std::time::Duration;

use hardening_tests::faults::{self, Outcome, aws, genesys, risk};
use hardening_tests::harness::{self, Exposure, Reply, assert_problem};
use secure_initiation::api::risk::FailPolicy;
use serde_json::json;
use test_support::serial_proxy::{FaultKind, ProxyFault};

fn report(outcomes: &[Outcome]) {
    print!("{}", faults::markdown(outcomes));
}

// Genesys: one test per fault (src/faults/genesys.rs arranges and acts).

/// The initiate answered within the create budget; a failure is its problem, a 503 with
/// `Retry-After`.
fn assert_answered_in_time(run: &genesys::CreateRun, status: u16) {
    let reply = &run.reply;
    assert!(
        reply.elapsed < genesys::CREATE_DEADLINE + genesys::MARGIN,
        "answered after {:?}",
        reply.elapsed
    );
    assert_eq!(reply.status, status, "{}", reply.body);
    let slug = match status {
        201 => return,
        502 => "upstream-error",
        503 => "service-unavailable",
        _ => "upstream-timeout",
    };
    assert_problem(reply, status, slug);
    if status == 503 {
        assert!(reply.header("retry-after").is_some());
    }
}

/// The same `Idempotency-Key` replays the first answer and sends no second create.
fn assert_the_key_replays(run: &genesys::CreateRun) {
    assert_eq!(run.again.status, run.reply.status, "replayed");
    assert_eq!(run.again.body, run.reply.body, "the first answer");
    assert_eq!(run.creates_after_again, run.creates, "no second create");
}

fn create_row(fault: genesys::CreateFault, run: &genesys::CreateRun) {
    let result = format!(
        "{} in {} ms; same Idempotency-Key again: {}; {} create(s) sent, {} conversation(s)",
        run.reply.status,
        run.reply.elapsed.as_millis(),
        run.again.status,
        run.creates_after_again,
        run.conversations
    );
    row("Genesys create", fault.name(), 2, &result);
}

async fn create(fault: genesys::CreateFault) -> genesys::CreateRun {
    let run = genesys::create_fault(fault, &mut Exposure::default()).await;
    create_row(fault, &run);
    run
}

#[tokio::test]
async fn a_429_that_fits_the_budget_is_waited_out() {
    let run = create(genesys::CreateFault::RateLimitedBriefly).await;

    assert_answered_in_time(&run, 201);
    assert!(run.creates <= 2, "{} creates", run.creates);
    assert_the_key_replays(&run);
    assert_eq!(run.conversations, 1);
}

#[tokio::test]
async fn a_429_past_the_budget_is_503_at_once() {
    let run = create(genesys::CreateFault::RateLimitedLong).await;

    assert_answered_in_time(&run, 503);
    assert!(run.creates <= 1, "{} creates", run.creates);
    assert_eq!(run.conversations, usize::from(run.again.status == 201));
}

#[tokio::test]
async fn a_500_on_create_is_502() {
    let run = create(genesys::CreateFault::ServerError).await;

    assert_answered_in_time(&run, 502);
    assert!(run.creates <= 1, "{} creates", run.creates);
    assert_eq!(run.conversations, usize::from(run.again.status == 201));
}

#[tokio::test]
async fn a_502_on_create_is_504_sent_once_and_replayed() {
    let run = create(genesys::CreateFault::BadGateway).await;

    assert_answered_in_time(&run, 504);
    assert!(run.creates <= 1, "{} creates", run.creates);
    assert_the_key_replays(&run);
    assert_eq!(run.conversations, 0);
}

#[tokio::test]
async fn a_503_on_every_create_is_retried_within_the_budget_then_503() {
    let run = create(genesys::CreateFault::UnavailableThroughout).await;

    assert_answered_in_time(&run, 503);
    assert!(run.creates <= 4, "{} creates", run.creates);
    assert_eq!(run.conversations, usize::from(run.again.status == 201));
}

#[tokio::test]
async fn a_503_once_is_retried_and_succeeds() {
    let run = create(genesys::CreateFault::UnavailableOnce).await;

    assert_answered_in_time(&run, 201);
    assert!(run.creates <= 2, "{} creates", run.creates);
    assert_the_key_replays(&run);
    assert_eq!(run.conversations, 1);
}

#[tokio::test]
async fn a_504_on_create_is_504_sent_once_and_replayed() {
    let run = create(genesys::CreateFault::GatewayTimeout).await;

    assert_answered_in_time(&run, 504);
    assert!(run.creates <= 1, "{} creates", run.creates);
    assert_the_key_replays(&run);
    assert_eq!(run.conversations, 0);
}

#[tokio::test]
async fn a_create_slower_than_the_budget_is_504_and_never_repeated() {
    let run = create(genesys::CreateFault::Slow).await;

    assert_answered_in_time(&run, 504);
    assert!(run.creates <= 1, "{} creates", run.creates);
    assert_the_key_replays(&run);
    assert_eq!(run.conversations, 1, "Genesys did create it, once");
}

#[tokio::test]
async fn a_reset_connection_is_504_sent_once_and_replayed() {
    let run = create(genesys::CreateFault::Reset).await;

    assert_answered_in_time(&run, 504);
    assert!(run.creates <= 1, "{} creates", run.creates);
    assert_the_key_replays(&run);
    assert_eq!(run.conversations, 0);
}

#[tokio::test]
async fn malformed_json_with_200_is_502() {
    let run = create(genesys::CreateFault::MalformedOk).await;

    assert_answered_in_time(&run, 502);
    assert!(run.creates <= 1, "{} creates", run.creates);
    assert_eq!(run.conversations, usize::from(run.again.status == 201));
}

#[tokio::test]
async fn malformed_json_with_500_is_502() {
    let run = create(genesys::CreateFault::MalformedError).await;

    assert_answered_in_time(&run, 502);
    assert!(run.creates <= 1, "{} creates", run.creates);
    assert_eq!(run.conversations, usize::from(run.again.status == 201));
}

#[tokio::test]
async fn the_oauth_endpoint_down_is_503_with_no_create() {
    let run = create(genesys::CreateFault::OAuthDown).await;

    assert_answered_in_time(&run, 503);
    assert_eq!(run.creates, 0, "{} creates", run.creates);
    assert_eq!(run.conversations, usize::from(run.again.status == 201));
}

#[tokio::test]
async fn a_genesys_token_revoked_mid_flight_is_replaced_once() {
    let revoked = genesys::token_revoked_mid_flight(&mut Exposure::default()).await;

    assert_eq!(revoked.reply.status, 201, "{}", revoked.reply.body);
    assert_eq!(revoked.token_requests, 2, "one new token");
    assert_eq!(revoked.conversations, 2);
    row(
        "Genesys create",
        "token revoked mid-flight",
        2,
        "201, one new token",
    );
}

/// validate-session answered `200 valid` within its deadline with `participant_update`, and the
/// hash stays bound to its own conversation.
async fn write_back(fault: genesys::WriteBackFault, update: &str) {
    let run = genesys::write_back(fault, &mut Exposure::default()).await;

    assert_eq!(run.reply.status, 200, "{}", run.reply.body);
    assert!(
        run.reply.elapsed < genesys::VALIDATE_DEADLINE + genesys::MARGIN,
        "answered after {:?}",
        run.reply.elapsed
    );
    let body = run.reply.json();
    assert_eq!(body["valid"], true, "{body}");
    assert_eq!(body["participant_update"], update, "{body}");
    assert_eq!(run.elsewhere.json()["reason"], "replayed");
    let result = format!(
        "200 valid, participant_update={update} in {} ms",
        run.reply.elapsed.as_millis()
    );
    row("Genesys write-back", fault.name(), 1, &result);
}

#[tokio::test]
async fn a_write_back_429_that_fits_the_deadline_is_written() {
    write_back(genesys::WriteBackFault::RateLimitedBriefly, "written").await;
}

#[tokio::test]
async fn a_write_back_429_past_the_deadline_fails_without_costing_the_answer() {
    write_back(genesys::WriteBackFault::RateLimitedLong, "failed").await;
}

#[tokio::test]
async fn a_write_back_500_fails_without_costing_the_answer() {
    write_back(genesys::WriteBackFault::ServerError, "failed").await;
}

#[tokio::test]
async fn a_write_back_502_fails_without_costing_the_answer() {
    write_back(genesys::WriteBackFault::BadGateway, "failed").await;
}

#[tokio::test]
async fn a_write_back_503_throughout_fails_without_costing_the_answer() {
    write_back(genesys::WriteBackFault::Unavailable, "failed").await;
}

#[tokio::test]
async fn a_write_back_504_fails_without_costing_the_answer() {
    write_back(genesys::WriteBackFault::GatewayTimeout, "failed").await;
}

#[tokio::test]
async fn a_write_back_slower_than_the_deadline_times_out_within_it() {
    write_back(genesys::WriteBackFault::Slow, "timeout").await;
}

#[tokio::test]
async fn a_write_back_reset_once_is_retried_and_written() {
    write_back(genesys::WriteBackFault::ResetOnce, "written").await;
}

#[tokio::test]
async fn a_write_back_reset_throughout_fails_without_costing_the_answer() {
    write_back(genesys::WriteBackFault::ResetThroughout, "failed").await;
}

#[tokio::test]
async fn a_malformed_write_back_answer_fails_without_costing_the_answer() {
    write_back(genesys::WriteBackFault::Malformed, "failed").await;
}

#[tokio::test]
async fn a_write_back_token_revoked_mid_flight_is_replaced_and_written() {
    write_back(genesys::WriteBackFault::TokenRevoked, "written").await;
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

// The risk scorer: one test per behaviour and policy (src/faults/risk.rs arranges and acts).

/// The initiate under `behaviour` and `policy`, answered within the scorer's deadline.
async fn risk_run(behaviour: risk::Behaviour, policy: FailPolicy) -> risk::RiskRun {
    let run = risk::run(behaviour, policy, &mut Exposure::default()).await;
    assert!(
        run.reply.elapsed < risk::SCORER_DEADLINE + risk::MARGIN,
        "answered after {:?}",
        run.reply.elapsed
    );
    let result = match &run.risk_score {
        Some(s) => format!("201, risk_score {s}"),
        None => run.reply.status.to_string(),
    };
    let result = format!("{result} in {} ms", run.reply.elapsed.as_millis());
    row("Risk scorer", &risk::label(behaviour, policy), 1, &result);
    run
}

/// 503 + `Retry-After`, nothing allocated in Genesys.
async fn fails_closed(behaviour: risk::Behaviour) {
    let run = risk_run(behaviour, risk::CLOSED).await;

    assert_problem(&run.reply, 503, "service-unavailable");
    assert!(run.reply.header("retry-after").is_some());
    assert_eq!(run.conversations, 0, "nothing allocated");
}

/// 201, and Architect sees `score`.
async fn goes_through_with(behaviour: risk::Behaviour, policy: FailPolicy, score: &str) {
    let run = risk_run(behaviour, policy).await;

    assert_eq!(run.reply.status, 201, "{}", run.reply.body);
    assert_eq!(run.conversations, 1);
    assert_eq!(run.risk_score.as_deref(), Some(score));
}

/// 403 risk-refused, nothing allocated in Genesys.
async fn is_refused(behaviour: risk::Behaviour, policy: FailPolicy) {
    let run = risk_run(behaviour, policy).await;

    assert_problem(&run.reply, 403, "risk-refused");
    assert_eq!(run.conversations, 0, "nothing allocated");
}

#[tokio::test]
async fn a_hanging_scorer_fails_closed() {
    fails_closed(risk::Behaviour::Hang).await;
}

#[tokio::test]
async fn a_hanging_scorer_fails_open_at_the_assumed_score() {
    goes_through_with(risk::Behaviour::Hang, risk::OPEN_AT_50, "50").await;
}

#[tokio::test]
async fn a_hanging_scorer_failing_open_above_the_threshold_is_refused() {
    is_refused(risk::Behaviour::Hang, risk::OPEN_AT_90).await;
}

#[tokio::test]
async fn a_slow_scorer_fails_closed() {
    fails_closed(risk::Behaviour::Slow).await;
}

#[tokio::test]
async fn a_slow_scorer_fails_open_at_the_assumed_score() {
    goes_through_with(risk::Behaviour::Slow, risk::OPEN_AT_50, "50").await;
}

#[tokio::test]
async fn a_slow_scorer_failing_open_above_the_threshold_is_refused() {
    is_refused(risk::Behaviour::Slow, risk::OPEN_AT_90).await;
}

#[tokio::test]
async fn a_scorer_answering_500_fails_closed() {
    fails_closed(risk::Behaviour::Error).await;
}

#[tokio::test]
async fn a_scorer_answering_500_fails_open_at_the_assumed_score() {
    goes_through_with(risk::Behaviour::Error, risk::OPEN_AT_50, "50").await;
}

#[tokio::test]
async fn a_scorer_answering_500_failing_open_above_the_threshold_is_refused() {
    is_refused(risk::Behaviour::Error, risk::OPEN_AT_90).await;
}

#[tokio::test]
async fn a_scorer_answering_non_json_fails_closed() {
    fails_closed(risk::Behaviour::Garbage).await;
}

#[tokio::test]
async fn a_scorer_answering_non_json_fails_open_at_the_assumed_score() {
    goes_through_with(risk::Behaviour::Garbage, risk::OPEN_AT_50, "50").await;
}

#[tokio::test]
async fn a_scorer_answering_non_json_failing_open_above_the_threshold_is_refused() {
    is_refused(risk::Behaviour::Garbage, risk::OPEN_AT_90).await;
}

#[tokio::test]
async fn a_score_out_of_range_fails_closed() {
    fails_closed(risk::Behaviour::OutOfRange).await;
}

#[tokio::test]
async fn a_score_out_of_range_fails_open_at_the_assumed_score() {
    goes_through_with(risk::Behaviour::OutOfRange, risk::OPEN_AT_50, "50").await;
}

#[tokio::test]
async fn a_score_out_of_range_failing_open_above_the_threshold_is_refused() {
    is_refused(risk::Behaviour::OutOfRange, risk::OPEN_AT_90).await;
}

#[tokio::test]
async fn a_scorer_refusing_connections_fails_closed() {
    fails_closed(risk::Behaviour::Refused).await;
}

#[tokio::test]
async fn a_scorer_refusing_connections_fails_open_at_the_assumed_score() {
    goes_through_with(risk::Behaviour::Refused, risk::OPEN_AT_50, "50").await;
}

#[tokio::test]
async fn a_scorer_refusing_connections_failing_open_above_the_threshold_is_refused() {
    is_refused(risk::Behaviour::Refused, risk::OPEN_AT_90).await;
}

#[tokio::test]
async fn a_healthy_low_score_goes_through_and_architect_sees_it() {
    goes_through_with(risk::Behaviour::Score(20), risk::CLOSED, "20").await;
}

#[tokio::test]
async fn a_healthy_score_above_the_threshold_is_refused() {
    is_refused(risk::Behaviour::Score(95), risk::OPEN_AT_50).await;
}
