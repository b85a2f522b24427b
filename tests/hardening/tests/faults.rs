//! Faults of every dependency through the running stack, each with its documented outcome.
#![allow(clippy::print_stdout)] // the figures are part of the report

use hardening_tests::faults::{self, Outcome, aws, genesys, risk};
use hardening_tests::harness::Exposure;

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

#[tokio::test]
async fn a_cold_start_without_secrets_manager_fails_naming_the_secret() {
    report(&aws::secrets_unreachable_at_cold_start().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_manager_lost_after_cold_start_serves_the_cache_until_its_ttl() {
    let outcome = aws::secrets_unreachable_later(&mut Exposure::default()).await;
    report(&[outcome]);
}

#[tokio::test]
async fn a_genesys_warm_up_fetches_one_token_at_init_and_never_fails_it() {
    report(&aws::genesys_warm_up_at_cold_start().await);
}

#[tokio::test]
async fn dynamodb_unreachable_is_503_everywhere() {
    let outcome = aws::dynamodb_unreachable(&mut Exposure::default()).await;
    report(&[outcome]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamodb_throttling_is_503_and_leaves_nothing_half_written() {
    report(&aws::dynamodb_throttled(&mut Exposure::default()).await);
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
