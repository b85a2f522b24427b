//! The browser edge's side of the API: what initiate and refresh-token share around their own
//! rules. The parts that identify and admit a caller ([`Browser`], whose edge is
//! `http::BrowserEdge`), the ports and rules both apply ([`BrowserPorts`], [`BrowserSettings`]),
//! the rate limit, how an attribute that cannot be built becomes a refusal, and how an answer
//! leaves ([`respond`]).

use std::sync::Arc;
use std::time::Duration;

use super::handler::Function;
use super::risk::RiskPolicy;
use super::strategy::{InitiationStrategy, StrategyKind};
use crate::attributes::{AttributeError, Schema, Source};
use crate::http::{ApiError, ApiRequest, ApiResponse, BrowserEdge, Cors};
use crate::ports::{Clock, RateDecision, RateLimiter, RiskScorer, SessionStore};
use crate::telemetry::metrics::{self, InitiationOutcome, Replayed};
use crate::tickets::TicketSettings;

/// Initiations per subject per minute unless configured.
pub const DEFAULT_INITIATE_RATE_LIMIT: u32 = 5;
/// Refreshes per subject per minute unless configured: one open Messenger needs about 1.3.
pub const DEFAULT_REFRESH_RATE_LIMIT: u32 = 10;

/// So many attempts per subject per fixed window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Attempts allowed in one window.
    pub per_window: u32,
    /// The window (seconds).
    pub window_secs: u64,
}

/// The rules initiate and refresh-token apply; each has its own rate limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BrowserSettings {
    /// Ticket lifetimes, maximum age and refresh count.
    pub ticket: TicketSettings,
    /// The function's per-subject limit.
    pub rate: RateLimit,
    /// Risk thresholds and failure policy (refresh scores again).
    pub risk: RiskPolicy,
    /// Budget for the Genesys calls of the `initiation-api` strategy.
    pub genesys_deadline: Duration,
}

impl BrowserSettings {
    /// initiate's defaults.
    pub fn initiate() -> Self {
        Self::with_limit(DEFAULT_INITIATE_RATE_LIMIT)
    }

    /// refresh-token's defaults.
    pub fn refresh() -> Self {
        Self::with_limit(DEFAULT_REFRESH_RATE_LIMIT)
    }

    fn with_limit(per_window: u32) -> Self {
        Self {
            ticket: TicketSettings::default(),
            rate: RateLimit {
                per_window,
                window_secs: 60,
            },
            risk: RiskPolicy::default(),
            genesys_deadline: super::strategy::default_genesys_deadline(),
        }
    }
}

/// The ports initiate and refresh-token both use.
#[derive(Debug, Clone)]
pub struct BrowserPorts {
    /// Tickets: created by initiate, rotated by refresh-token.
    pub sessions: Arc<dyn SessionStore>,
    /// The per-subject limit (each function counts under its own keys).
    pub rate: Arc<dyn RateLimiter>,
    /// Risk scorer (refresh asks it again).
    pub risk: Arc<dyn RiskScorer>,
    /// What happens at Genesys once a ticket is stored.
    pub strategy: Arc<dyn InitiationStrategy>,
}
use crate::request::attribute_error;
use crate::session::{SessionKeys, SessionVerifier};

/// What initiate and refresh-token both need: the schema, time, and who may call (the session
/// verifier, the keys that hash subjects and mint session hashes, the allowed origins).
#[derive(Debug, Clone)]
pub struct Browser {
    /// Every attribute's source and rules.
    pub schema: Arc<Schema>,
    /// Decides ticket ages and rate windows (tests and the local stack move it).
    pub clock: Arc<dyn Clock>,
    /// Session-hash and subject keys.
    pub keys: Arc<SessionKeys>,
    /// Checks the site's session token (signature, issuer, audience, times).
    pub verifier: Arc<SessionVerifier>,
    /// Allowed browser origins.
    pub cors: Cors,
}

impl Browser {
    pub(crate) fn edge(&self) -> BrowserEdge {
        BrowserEdge::new(self.cors.clone(), self.verifier.clone(), self.keys.clone())
    }
}

/// The answer to a request initiate or refresh-token admitted or refused: the edge logs a
/// failure once and puts CORS on it, and the initiation metric counts its outcome.
pub(super) fn respond(
    edge: &BrowserEdge,
    function: Function,
    strategy: StrategyKind,
    req: &ApiRequest,
    result: Result<ApiResponse, ApiError>,
) -> ApiResponse {
    let response = edge.respond(function.log_name(), req, result);
    let replayed = response.extensions().get::<Replayed>().is_some();
    metrics::initiation(
        function.label(),
        strategy.label(),
        InitiationOutcome::from_status(response.status().as_u16(), replayed),
    );
    response
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
    limit: RateLimit,
    now: i64,
) -> Result<(), ApiError> {
    match rate
        .hit(key, limit.per_window, limit.window_secs, now)
        .await?
    {
        RateDecision::Allowed => Ok(()),
        RateDecision::Limited { retry_after_secs } => {
            tracing::info!(retry_after_secs, "rate limited");
            Err(ApiError::RateLimited {
                retry_after: Duration::from_secs(retry_after_secs),
            })
        }
    }
}
