//! Hostile bodies and headers, hand-written, through real HTTP: every one gets its documented
//! 4xx problem, none a 5xx, and the stack keeps serving.
#![allow(clippy::print_stdout)] // the figures are part of the report

use hardening_tests::harness::{Exposure, spawn};
use hardening_tests::inputs;
use local::Options;

#[tokio::test]
async fn every_hostile_body_gets_its_documented_problem_and_never_a_5xx() {
    let stack = spawn(Options::default()).await;
    let mut seen = Exposure::default();
    let figures = inputs::run_all(&stack, &mut seen).await;
    assert_eq!(figures.requests, figures.statuses.values().sum::<usize>());
    assert!(figures.statuses.keys().all(|s| *s < 500), "{figures:?}");
    println!("hostile inputs: {figures:?}");
}
