//! The three flows as HTTP handlers over the ports: thin edges (parse, authenticate, map
//! errors) around the business rules. Every entry point — API Gateway via `lambda_http`, the
//! raw AWS Lambda data-action event, the local stack — calls these.

mod common;
mod initiate;
mod refresh;
pub mod risk;
pub mod strategy;
mod validate;

pub use crate::tickets::TicketSettings;
pub use common::TicketResponse;
pub use initiate::{InitiateHandler, InitiateSettings};
pub use refresh::{RefreshHandler, RefreshSettings};
pub use validate::{DataActionCredential, ValidateHandler, ValidateSettings};

use tokio::time::Instant;

use crate::attributes::AttributeSet;
use crate::genesys::GenesysError;
use crate::http::ApiError;
use crate::payload::InitialMessage;
use crate::ports::{CreatedConversation, SessionRecord, SessionStore};
use strategy::{InitiationStrategy, StrategyOutcome};

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
        Err(e @ GenesysError::OutcomeUnknown) => {
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
