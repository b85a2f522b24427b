//! Crafted session tokens against the running handlers: every one gets 401 with
//! `WWW-Authenticate`, nothing header-supplied is fetched, and the JWKS is not stormed.
#![allow(clippy::print_stdout)] // the figures are part of the report

use hardening_tests::attacks;
use hardening_tests::harness::{Exposure, spawn};
use local::Options;

#[tokio::test]
async fn every_crafted_token_gets_401_and_no_key_is_fetched_from_where_a_header_points() {
    let stack = spawn(Options::default()).await;
    let mut seen = Exposure::default();
    let figures = attacks::run_all(&stack, &mut seen).await;
    assert!(figures.cases >= 20, "{figures:?}");
    assert_eq!(figures.tripwire_hits, 0);
    assert!(figures.jwks_refetches <= 1);
    println!("token attacks: {figures:?}");
}

#[tokio::test]
async fn every_wrong_or_malformed_data_action_credential_gets_401() {
    let stack = spawn(Options::default()).await;
    let tried = attacks::data_action_credentials(&stack, &mut Exposure::default()).await;
    assert!(tried >= 15);
    println!("data-action credentials: {tried} refused");
}
