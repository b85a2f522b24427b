//! The two initiation strategies behind one port.
//!
//! - `messenger` (default): nothing is sent to Genesys at initiation; the browser hands the
//!   session hash to Messenger and Architect validates it. Works with Genesys Cloud as it is.
//! - `initiation-api`: the guide's `POST /api/v2/webmessaging/widgets/{widgetId}/conversations`.
//!   Genesys Cloud's public API does not publish this endpoint: use it behind a gateway that does.
//!   A refresh cannot reuse the conversation: its platform token cannot be renewed and the
//!   session hash is one of its attributes, so a fresh ticket needs a fresh conversation. The
//!   previous one is ended first (`PATCH /api/v2/conversations/messages/{id}`, public API), so
//!   a chain never holds two live conversations.

use std::fmt::Debug;
use std::sync::Arc;

use async_trait::async_trait;
use tokio::time::Instant;

use crate::attributes::AttributeSet;
use crate::payload::{GenesysId, InitialMessage, InitiationBody, RoutingTarget};
use crate::ports::{CreatedConversation, GatewayError, GenesysGateway};
use crate::telemetry::metrics;

/// Budget of the strategy's Genesys calls unless configured (milliseconds).
pub const DEFAULT_GENESYS_DEADLINE_MS: i64 = 5000;

/// [`DEFAULT_GENESYS_DEADLINE_MS`] as a duration.
pub fn default_genesys_deadline() -> std::time::Duration {
    std::time::Duration::from_millis(DEFAULT_GENESYS_DEADLINE_MS.unsigned_abs())
}

/// Which strategy is configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StrategyKind {
    /// Session hash through Messenger, validated by a data action.
    Messenger,
    /// The guide's initiation endpoint.
    InitiationApi,
}

impl StrategyKind {
    /// The configuration / wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Messenger => "messenger",
            Self::InitiationApi => "initiation-api",
        }
    }

    /// Its metric label.
    pub fn label(self) -> metrics::Strategy {
        match self {
            Self::Messenger => metrics::Strategy::Messenger,
            Self::InitiationApi => metrics::Strategy::InitiationApi,
        }
    }

    /// Parses a configuration name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "messenger" => Some(Self::Messenger),
            "initiation-api" => Some(Self::InitiationApi),
            _ => None,
        }
    }
}

/// What the strategy produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StrategyOutcome {
    /// Nothing beyond the session hash.
    Messenger,
    /// A conversation created through the initiation endpoint.
    Conversation(CreatedConversation),
}

/// Runs the configured strategy once the session is stored.
#[async_trait]
pub trait InitiationStrategy: Send + Sync + Debug {
    /// Which strategy this is.
    fn kind(&self) -> StrategyKind;

    /// Starts the conversation, if the strategy does that. A strategy that sends nothing to
    /// Genesys at initiation hands over the session hash alone.
    async fn start(
        &self,
        _attributes: &AttributeSet,
        _message: Option<&InitialMessage>,
        _deadline: Instant,
    ) -> Result<StrategyOutcome, GatewayError> {
        Ok(StrategyOutcome::Messenger)
    }

    /// Ends a conversation [`InitiationStrategy::start`] created, before a refresh replaces its
    /// ticket: a chain never holds two live conversations. A strategy that creates none has
    /// nothing to end.
    async fn end(
        &self,
        _conversation_id: &GenesysId,
        _deadline: Instant,
    ) -> Result<(), GatewayError> {
        Ok(())
    }

    /// Ends every live conversation a create whose answer never arrived may have left: those
    /// carrying `session_hash` in attribute `hash_key`, started since `since_secs`. How many it
    /// ended. A strategy that creates none has nothing to find.
    async fn reconcile(
        &self,
        _hash_key: &str,
        _session_hash: &str,
        _since_secs: i64,
        _deadline: Instant,
    ) -> Result<usize, GatewayError> {
        Ok(0)
    }
}

/// The `messenger` strategy: nothing reaches Genesys until Messenger sends the first message,
/// so it starts and ends nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct MessengerStrategy;

#[async_trait]
impl InitiationStrategy for MessengerStrategy {
    fn kind(&self) -> StrategyKind {
        StrategyKind::Messenger
    }
}

/// The `initiation-api` strategy: the guide's endpoint creates the conversation, and a
/// refresh ends it before creating the next.
#[derive(Debug, Clone)]
pub struct InitiationApiStrategy {
    gateway: Arc<dyn GenesysGateway>,
    target: RoutingTarget,
}

impl InitiationApiStrategy {
    /// Posts to `gateway` with routing from configuration.
    pub fn new(gateway: Arc<dyn GenesysGateway>, target: RoutingTarget) -> Self {
        Self { gateway, target }
    }
}

#[async_trait]
impl InitiationStrategy for InitiationApiStrategy {
    fn kind(&self) -> StrategyKind {
        StrategyKind::InitiationApi
    }

    async fn start(
        &self,
        attributes: &AttributeSet,
        message: Option<&InitialMessage>,
        deadline: Instant,
    ) -> Result<StrategyOutcome, GatewayError> {
        let body = InitiationBody::new(&self.target, attributes, message);
        let created = self.gateway.create_conversation(&body, deadline).await?;
        Ok(StrategyOutcome::Conversation(created))
    }

    async fn end(
        &self,
        conversation_id: &GenesysId,
        deadline: Instant,
    ) -> Result<(), GatewayError> {
        self.gateway
            .disconnect_conversation(conversation_id, deadline)
            .await
    }

    /// Looks the conversation up by its session hash and ends it rather than adopt it: its
    /// platform token never reached the browser (the create answered too late), so nobody can
    /// use it, and the request reconciling it creates the chain's conversation afresh.
    async fn reconcile(
        &self,
        hash_key: &str,
        session_hash: &str,
        since_secs: i64,
        deadline: Instant,
    ) -> Result<usize, GatewayError> {
        let found = self
            .gateway
            .find_conversations(hash_key, session_hash, since_secs, deadline)
            .await?;
        for conversation in &found {
            self.gateway
                .disconnect_conversation(conversation, deadline)
                .await?;
        }
        Ok(found.len())
    }
}
