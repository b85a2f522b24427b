//! The Genesys Cloud port: the three calls the flows make, and their failures in the kinds the
//! flows branch on.

use std::fmt::Debug;
use std::time::Duration;

use async_trait::async_trait;
use tokio::time::Instant;

use super::secrets::SecretString;
use crate::payload::{GenesysId, InitiationBody, ParticipantAttributesBody};

type Source = Box<dyn std::error::Error + Send + Sync>;

/// What the initiation endpoint returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedConversation {
    /// The new conversation.
    pub conversation_id: GenesysId,
    /// The platform-signed token the widget starts the conversation with.
    pub token: SecretString,
}

/// Why a Genesys Cloud call failed, in the kinds the flows branch on. The adapter's detail
/// (status, code, context id) stays in the source chain, for the log only.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    /// Genesys asked to slow down and the deadline left no room to wait.
    #[error("genesys cloud throttled the call")]
    Throttled {
        /// What Genesys asked for.
        retry_after: Option<Duration>,
        /// The adapter's error.
        #[source]
        source: Source,
    },
    /// Genesys, the network to it or the secret holding its credentials is unavailable: the
    /// same call may succeed later.
    #[error("genesys cloud unavailable")]
    Unavailable(#[source] Source),
    /// Genesys refused the call or answered outside its contract: repeating it will not help.
    #[error("genesys cloud refused the call")]
    Refused(#[source] Source),
    /// The deadline passed. With `outcome_unknown` a create may have happened: it must not be
    /// repeated blindly.
    #[error("genesys cloud call did not complete in time (outcome unknown: {outcome_unknown})")]
    TimedOut {
        /// Whether the request may have had its effect.
        outcome_unknown: bool,
    },
}

/// Genesys Cloud as the flows use it. Every call is bounded by `deadline`.
#[async_trait]
pub trait GenesysGateway: Send + Sync + Debug {
    /// `POST /api/v2/webmessaging/widgets/{widgetId}/conversations` (the guide's endpoint).
    /// Never retried after the request may have been sent.
    async fn create_conversation(
        &self,
        body: &InitiationBody<'_>,
        deadline: Instant,
    ) -> Result<CreatedConversation, GatewayError>;

    /// `PATCH /api/v2/conversations/messages/{conversationId}` with `{"state": "disconnected"}`:
    /// ends the conversation (every participant disconnected).
    async fn disconnect_conversation(
        &self,
        conversation_id: &GenesysId,
        deadline: Instant,
    ) -> Result<(), GatewayError>;

    /// `POST /api/v2/analytics/conversations/details/query` with a participant-attribute
    /// (`property`) predicate: the conversations started since `since_secs` (Unix seconds) that
    /// carry `attribute = value` and have not ended. Finds a conversation whose create answered
    /// too late to be recorded.
    async fn find_conversations(
        &self,
        attribute: &str,
        value: &str,
        since_secs: i64,
        deadline: Instant,
    ) -> Result<Vec<GenesysId>, GatewayError>;

    /// `PATCH /api/v2/conversations/messages/{conversationId}/participants/{participantId}/attributes`.
    async fn update_participant_attributes(
        &self,
        conversation_id: &GenesysId,
        participant_id: &GenesysId,
        body: &ParticipantAttributesBody,
        deadline: Instant,
    ) -> Result<(), GatewayError>;
}
