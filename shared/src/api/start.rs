//! What initiate and refresh-token do once a ticket is stored: start the strategy (nothing is
//! sent with `messenger`; `initiation-api` creates the conversation), a create remembered while
//! it is under way ([`PendingCreates`]), and the conversation it made recorded on the ticket.
//!
//! The session stays unbound until its first validation, also with `initiation-api`: a
//! conversation whose token expired before the widget used it can then still be replaced
//! through refresh.

use std::sync::Arc;

use tokio::time::Instant;

use super::browser_edge::{Browser, BrowserPorts, BrowserSettings};
use super::pending::PendingCreates;
use super::strategy::{InitiationStrategy, StrategyOutcome};
use crate::attributes::AttributeSet;
use crate::http::ApiError;
use crate::payload::InitialMessage;
use crate::ports::{CreatedConversation, GatewayError, SessionRecord, SessionStore};
use crate::session::SessionHash;

/// The strategy's start for the stored tickets of one function.
#[derive(Debug, Clone)]
pub(super) struct Start {
    strategy: Arc<dyn InitiationStrategy>,
    sessions: Arc<dyn SessionStore>,
    pending: PendingCreates,
    settings: BrowserSettings,
}

impl Start {
    /// Over the strategy and store of `ports`, within the Genesys budget of `settings`.
    pub(super) fn new(browser: &Browser, ports: &BrowserPorts, settings: BrowserSettings) -> Self {
        Self {
            strategy: ports.strategy.clone(),
            sessions: ports.sessions.clone(),
            pending: PendingCreates::new(browser, ports, &settings),
            settings,
        }
    }

    /// Runs the strategy for the stored ticket `record`: a create is remembered while it is
    /// under way, and the conversation it made recorded on the ticket. `invocation_deadline_ms`
    /// is when the invocation ends (Unix milliseconds), if known.
    pub(super) async fn start(
        &self,
        record: &SessionRecord,
        attributes: &AttributeSet,
        message: Option<&InitialMessage>,
        now: i64,
        invocation_deadline_ms: Option<i64>,
    ) -> Result<StrategyOutcome, ApiError> {
        let deadline = Instant::now() + self.settings.genesys_deadline;
        let pending = self
            .pending
            .before_create(record, now, invocation_deadline_ms)
            .await;
        let outcome = self.run_strategy(attributes, message, deadline).await;
        self.pending.after_create(pending, &outcome).await;
        if let Ok(StrategyOutcome::Conversation(created)) = &outcome {
            self.record_conversation(record, created).await;
        }
        outcome
    }

    /// Ends what the subject's creates whose outcome stayed unknown left behind (see
    /// [`PendingCreates::reconcile`]): the session hashes it looked up.
    pub(super) async fn reconcile(&self, subject_key: &str) -> Vec<SessionHash> {
        self.pending.reconcile(subject_key).await
    }

    /// The strategy's start; an outcome Genesys left unknown is logged as such.
    async fn run_strategy(
        &self,
        attributes: &AttributeSet,
        message: Option<&InitialMessage>,
        deadline: Instant,
    ) -> Result<StrategyOutcome, ApiError> {
        match self.strategy.start(attributes, message, deadline).await {
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
    async fn record_conversation(&self, record: &SessionRecord, created: &CreatedConversation) {
        if let Err(e) = self
            .sessions
            .record_conversation(&record.session_hash, &created.conversation_id)
            .await
        {
            tracing::warn!(error = %e, "the created conversation was not recorded on its session");
        }
    }
}
