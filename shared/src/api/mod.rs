//! The three functions as [`Handler`]s over the ports. Every entry point — the Lambda runtime
//! (API Gateway events and the raw AWS Lambda data-action event) and the local stack — serves
//! them the same way, through the trait.
//!
//! Each handler's `run` reads like its flow in the book's HTTP API reference: the edge admits the request
//! (`http::BrowserEdge`), then the business rules, the store and the strategy.

mod common;
mod credential;
mod initiate;
pub mod ownership;
mod pending;
mod refresh;
pub mod risk;
pub mod strategy;
mod ticket;
pub mod validate;

use std::fmt::Debug;

use async_trait::async_trait;
use tokio::time::Instant;

pub use crate::tickets::TicketSettings;
pub use common::{
    Browser, BrowserFlow, BrowserHandler, BrowserPorts, BrowserSettings,
    DEFAULT_INITIATE_RATE_LIMIT, DEFAULT_REFRESH_RATE_LIMIT, RateLimit,
};
pub use initiate::{InitiateFlow, InitiateHandler};
pub use refresh::{RefreshFlow, RefreshHandler};
pub use ticket::TicketResponse;
pub use validate::{DataActionCredential, ValidateHandler, ValidatePorts, ValidateSettings};

use crate::attributes::AttributeSet;
use crate::http::{ApiError, ApiRequest, ApiResponse};
use crate::payload::InitialMessage;
use crate::ports::{CreatedConversation, GatewayError, SessionRecord, SessionStore};
use strategy::{InitiationStrategy, StrategyOutcome};

/// A deployed function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Function {
    /// `POST /v1/initiations`.
    Initiate,
    /// `POST /v1/initiations/refresh`.
    Refresh,
    /// The validate-session data action.
    Validate,
}

impl Function {
    /// Every deployed function, in the order of the flow: initiate, refresh, validate.
    pub const ALL: [Self; 3] = [Self::Initiate, Self::Refresh, Self::Validate];

    /// The crate, binary and (in the template) function name under `functions/`.
    pub fn crate_name(self) -> &'static str {
        match self {
            Self::Initiate => "initiate",
            Self::Refresh => "refresh-token",
            Self::Validate => "validate-session",
        }
    }

    /// Its `Function` metric dimension.
    pub fn label(self) -> crate::telemetry::metrics::Function {
        use crate::telemetry::metrics::Function as Label;
        match self {
            Self::Initiate => Label::Initiate,
            Self::Refresh => Label::RefreshToken,
            Self::Validate => Label::ValidateSession,
        }
    }

    /// The short name in its logs' `route` and its span (`initiate`, `refresh`, `validate`).
    pub fn log_name(self) -> &'static str {
        match self {
            Self::Initiate => "initiate",
            Self::Refresh => "refresh",
            Self::Validate => "validate",
        }
    }
}

/// A function's handler: what every entry point serves.
#[async_trait]
pub trait Handler: Send + Sync + Debug {
    /// Which function it is (logs, metrics).
    fn function(&self) -> Function;

    /// One HTTP request (API Gateway, the local stack); never fails: errors become problem
    /// responses.
    async fn handle(&self, req: ApiRequest) -> ApiResponse;

    /// A direct invocation's JSON event (the AWS Lambda data action). Only validate-session
    /// takes one; the others are reached through API Gateway alone.
    async fn handle_event(&self, _event: serde_json::Value) -> Result<serde_json::Value, ApiError> {
        Err(ApiError::Malformed(format!(
            "{} takes only API Gateway HTTP API events",
            self.function().crate_name()
        )))
    }
}

/// Runs the strategy after the record is stored. The session stays unbound until its first
/// validation, also with `initiation-api`: a conversation whose token expired before the widget
/// used it can then still be replaced through refresh.
pub(crate) async fn start_strategy(
    strategy: &dyn InitiationStrategy,
    attributes: &AttributeSet,
    message: Option<&InitialMessage>,
    deadline: Instant,
) -> Result<StrategyOutcome, ApiError> {
    match strategy.start(attributes, message, deadline).await {
        Ok(outcome) => Ok(outcome),
        Err(
            e @ GatewayError::TimedOut {
                outcome_unknown: true,
            },
        ) => {
            tracing::error!(error = %e, "initiation outcome unknown");
            Err(e.into())
        }
        Err(e) => Err(e.into()),
    }
}

/// Remembers which conversation `initiation-api` created for `record`, so the refresh that
/// replaces it can end that conversation first. A failure is logged: the customer has the
/// conversation either way, and such a chain's refresh answers 503 (the client then starts
/// afresh) rather than leave two conversations alive.
pub(crate) async fn record_conversation(
    sessions: &dyn SessionStore,
    record: &SessionRecord,
    created: &CreatedConversation,
) {
    if let Err(e) = sessions
        .record_conversation(&record.session_hash, &created.conversation_id)
        .await
    {
        tracing::warn!(error = %e, "the created conversation was not recorded on its session");
    }
}
