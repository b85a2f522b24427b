//! The Genesys Cloud port: the three calls the flows make.

use std::fmt::Debug;

use async_trait::async_trait;
use tokio::time::Instant;

use crate::genesys::GenesysError;
use crate::payload::{InitiationBody, ParticipantAttributesBody};
use crate::ports::SecretString;

/// What the initiation endpoint returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedConversation {
    /// The new conversation.
    pub conversation_id: String,
    /// The platform-signed token the widget starts the conversation with.
    pub token: SecretString,
}

/// Genesys Cloud as the flows use it. Every call is bounded by `deadline`.
#[async_trait]
pub trait GenesysGateway: Send + Sync + Debug {
    /// `POST /api/v2/webmessaging/widgets/{widgetId}/conversations` (the guide's endpoint).
    /// Never retried after the request may have been sent ([`GenesysError::OutcomeUnknown`]).
    async fn create_conversation(
        &self,
        body: &InitiationBody<'_>,
        deadline: Instant,
    ) -> Result<CreatedConversation, GenesysError>;

    /// `PATCH /api/v2/conversations/messages/{conversationId}` with `{"state": "disconnected"}`:
    /// ends the conversation (every participant disconnected). Idempotent, so retried like a
    /// read.
    async fn disconnect_conversation(
        &self,
        conversation_id: &str,
        deadline: Instant,
    ) -> Result<(), GenesysError>;

    /// `PATCH /api/v2/conversations/messages/{conversationId}/participants/{participantId}/attributes`.
    async fn update_participant_attributes(
        &self,
        conversation_id: &str,
        participant_id: &str,
        body: &ParticipantAttributesBody,
        deadline: Instant,
    ) -> Result<(), GenesysError>;
}
