//! What the browser-facing functions share: the parts that identify and admit a caller
//! ([`Browser`]), and how an attribute that cannot be built becomes a refusal.

use std::sync::Arc;
use std::time::Duration;

use crate::attributes::{AttributeError, Schema, Source};
use crate::http::{ApiError, BrowserEdge, Cors};
use crate::ports::{Clock, RateDecision, RateLimiter};
use crate::request::attribute_error;
use crate::session::{SessionKeys, SessionVerifier};

/// What initiate and refresh-token both need: the schema, time, and who may call (the session
/// verifier, the keys that hash subjects and mint session hashes, the allowed origins).
#[derive(Debug, Clone)]
pub struct Browser {
    /// The attribute schema.
    pub schema: Arc<Schema>,
    /// Time.
    pub clock: Arc<dyn Clock>,
    /// Session-hash and subject keys.
    pub keys: Arc<SessionKeys>,
    /// Session token verification.
    pub verifier: Arc<SessionVerifier>,
    /// Allowed browser origins.
    pub cors: Cors,
}

impl Browser {
    pub(crate) fn edge(&self) -> BrowserEdge {
        BrowserEdge::new(self.cors.clone(), self.verifier.clone(), self.keys.clone())
    }
}

/// Maps attribute build failures: a bad request field is the browser's to fix (422); a claim
/// or server value that breaks the schema means this session cannot start a chat (403).
pub(crate) fn attribute_failure(schema: &Schema, errors: &[AttributeError]) -> ApiError {
    let fields: Vec<_> = errors
        .iter()
        .filter_map(|e| match schema.attribute(e.key()).map(|d| d.source()) {
            Some(Source::Request(field)) => Some(attribute_error(field, e)),
            _ => None,
        })
        .collect();
    if fields.len() == errors.len() && !fields.is_empty() {
        return ApiError::Invalid(fields);
    }
    let key = errors
        .iter()
        .find(|e| {
            !matches!(
                schema.attribute(e.key()).map(|d| d.source()),
                Some(Source::Request(_))
            )
        })
        .map_or("attributes", |e| {
            if e.key().is_empty() {
                "attributes"
            } else {
                e.key()
            }
        });
    for e in errors {
        tracing::warn!(attribute = e.key(), rule = e.rule(), "attribute refused");
    }
    ApiError::SessionContext(key.to_owned())
}

/// Counts one attempt against `key`'s limit: `429` with `Retry-After` once it is reached.
pub(crate) async fn within_limit(
    rate: &dyn RateLimiter,
    key: &str,
    limit: u32,
    window_secs: u64,
    now: i64,
) -> Result<(), ApiError> {
    match rate.hit(key, limit, window_secs, now).await? {
        RateDecision::Allowed => Ok(()),
        RateDecision::Limited { retry_after_secs } => {
            tracing::info!(retry_after_secs, "rate limited");
            Err(ApiError::RateLimited {
                retry_after: Duration::from_secs(retry_after_secs),
            })
        }
    }
}
