//! Conversations as the Platform API models them, and how a new one is laid out.

use std::collections::BTreeMap;

use serde::Serialize;
use uuid::Uuid;

use crate::flow::FlowRun;

/// A skill requirement as the initiation body gave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SkillRequirement {
    /// The skill's id.
    pub skill_id: String,
    /// Its proficiency level.
    pub level: i64,
}

/// One participant of a message conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Participant {
    /// Its id.
    pub id: String,
    /// `customer`, `workflow`, `agent`, ...
    pub purpose: String,
    /// Display name.
    pub name: String,
    /// Participant attributes (string map), merged by `PATCH .../attributes`.
    pub attributes: BTreeMap<String, String>,
}

/// A conversation created through the initiation endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Conversation {
    /// The conversation id returned to the caller.
    pub id: String,
    /// The widget (deployment) it was created for.
    pub widget_id: String,
    /// The routing queue (empty when Messenger started it: its inbound message flow routes it).
    pub queue_id: String,
    /// Routing skills.
    pub skill_requirements: Vec<SkillRequirement>,
    /// The first message, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial_message: Option<String>,
    /// `customAttributes` exactly as received.
    pub custom_attributes: BTreeMap<String, String>,
    /// RFC 3339 creation time.
    pub start_time: String,
    /// Workflow, customer and agent participants, in that order.
    pub participants: Vec<Participant>,
    /// `connected` until an agent, a flow or an API call disconnects it, then `disconnected`.
    pub state: ConversationState,
    /// RFC 3339 time it was disconnected (Analytics' `conversationEnd`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    /// The Messenger guest session it belongs to (its public id), when Messenger started it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub messenger_session_id: Option<String>,
    /// What the inbound message flow did when the conversation started (Messenger
    /// conversations, once the flow has run).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inbound_flow: Option<FlowRun>,
}

/// Whether a conversation still runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ConversationState {
    /// Running (the only state a new conversation has).
    Connected,
    /// Every participant was disconnected; it takes no more messages.
    Disconnected,
}

impl ConversationState {
    /// The Platform API's spelling (`connected`, `disconnected`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Connected => "connected",
            Self::Disconnected => "disconnected",
        }
    }
}

impl Conversation {
    /// The participant whose purpose is `customer`.
    pub fn customer(&self) -> Option<&Participant> {
        self.participants.iter().find(|p| p.purpose == "customer")
    }
}

/// What the validated initiation body asked for.
#[derive(Debug, Clone)]
pub(crate) struct NewConversation {
    pub(crate) widget_id: String,
    pub(crate) queue_id: String,
    pub(crate) skills: Vec<SkillRequirement>,
    pub(crate) initial_message: Option<String>,
    pub(crate) custom_attributes: BTreeMap<String, String>,
}

/// A conversation with its workflow, customer and agent participants; the customer's data are
/// the custom attributes.
pub(crate) fn new_conversation(new: NewConversation) -> Conversation {
    let start_time = now_rfc3339();
    let participant = |purpose: &str, name: &str, attributes| Participant {
        id: Uuid::new_v4().to_string(),
        purpose: purpose.to_owned(),
        name: name.to_owned(),
        attributes,
    };
    let participants = vec![
        participant("workflow", "Inbound Message Flow", BTreeMap::new()),
        participant(
            "customer",
            "Web Messaging Guest",
            new.custom_attributes.clone(),
        ),
        participant("agent", "Sandbox Agent", BTreeMap::new()),
    ];
    Conversation {
        id: Uuid::new_v4().to_string(),
        widget_id: new.widget_id,
        queue_id: new.queue_id,
        skill_requirements: new.skills,
        initial_message: new.initial_message,
        custom_attributes: new.custom_attributes,
        start_time,
        participants,
        state: ConversationState::Connected,
        messenger_session_id: None,
        inbound_flow: None,
        end_time: None,
    }
}

pub(crate) fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
