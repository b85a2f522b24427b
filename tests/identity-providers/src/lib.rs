//! Session tokens shaped exactly as identity providers document them, signed with key sets
//! shaped like theirs, sent to initiate through the production path (see `deployment`), and
//! validate-session's answer read back: what Architect would route on.
//!
//! Each test in `tests/` cites the provider's documentation each shape comes from.
#![allow(clippy::expect_used, clippy::panic)] // a test harness: failing loudly is its job

pub mod deployment;
pub mod keys;

pub use deployment::{Deployment, Site, schema_with_claims, schema_with_sources};
pub use keys::{SigningKey, encryption_jwk, key_set};

/// Now, in Unix seconds.
pub fn now() -> i64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970");
    i64::try_from(since.as_secs()).expect("fits")
}
