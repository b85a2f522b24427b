//! The risk scorer port: a score from 0 (trusted) to 100 before any Genesys resource exists.

use std::fmt::Debug;

use async_trait::async_trait;
use serde_json::{Map, Value};

/// What a scorer may look at. Never the raw subject: only its keyed hash.
#[derive(Debug, Clone, Copy)]
pub struct RiskContext<'a> {
    /// Keyed hash of the subject.
    pub subject_key: &'a str,
    /// Verified claims of the session.
    pub claims: &'a Map<String, Value>,
    /// The caller's IP as the edge saw it.
    pub client_ip: Option<&'a str>,
    /// Now, Unix seconds.
    pub now_secs: i64,
}

/// Why no score could be had. The flow applies the configured fail-open/fail-closed policy.
#[derive(Debug, thiserror::Error)]
pub enum RiskError {
    /// The scorer did not answer within its deadline.
    #[error("risk scorer timed out")]
    Timeout,
    /// The scorer could not be reached or failed.
    #[error("risk scorer unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The scorer answered something that is not a score in 0..=100.
    #[error("risk scorer answered malformed data")]
    Malformed,
}

/// Scores an initiation.
#[async_trait]
pub trait RiskScorer: Send + Sync + Debug {
    /// A score in 0..=100.
    async fn score(&self, ctx: &RiskContext<'_>) -> Result<i64, RiskError>;
}
