//! What the stack resists, measured: crafted token attacks, hostile request bodies, faults of
//! Genesys Cloud, AWS and the risk scorer, and concurrency and load on loopback, each through
//! real HTTP against the local stack (`local::spawn`).
//!
//! The scenarios live here, not under `tests/`, so two suites can run them: their own test
//! binaries, and the secrets-hygiene suite, which runs every one of them again with the logs
//! captured and scans logs and error bodies for every secret, token and session hash used.
// Test-only crate: a failed expectation is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod attacks;
pub mod faults;
pub mod harness;
pub mod inputs;
pub mod load;
