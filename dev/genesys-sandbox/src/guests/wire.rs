//! One message as both of Genesys's guest-facing APIs carry it: the body of a Guest API
//! `StructuredMessage` frame and an entity of the Platform API's `WebMessagingMessage` list, which
//! have the same fields (`id`, `channel {time, messageId, from}`, `type`, `text`, `events`,
//! `direction`, `originatingEntity`, `metadata`).
//!
//! Sources: `MyPureCloud/genesys-messenger-transport-mobile-sdk`,
//! `transport/src/commonMain/kotlin/com/genesys/cloud/messenger/transport/shyrka/receive/StructuredMessage.kt`
//! and `StructuredMessageEvent.kt`; the Platform SDK's `WebMessagingMessage` model (held to it by
//! `sdk/check_shapes.py`).

use std::collections::BTreeMap;

use serde::Serialize;
use uuid::Uuid;

/// One message: what the guest sent, or what reached it (agent text, presence events).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WireMessage {
    /// The message id; the same value as `channel.messageId` (see [`WireMessage::new`]).
    pub id: String,
    /// When and by whom.
    pub channel: WireChannel,
    /// `Text` or `Event`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The text of a `Text` message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The events of an `Event` message.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<WireEvent>,
    /// `Inbound` (from the guest) or `Outbound` (to it).
    pub direction: String,
    /// `Human` or `Bot`.
    pub originating_entity: String,
    /// `{"readOnly": "true"|"false"}` on an outbound `Disconnect`: the transport SDK reads it
    /// (`MessagingClientImpl.kt`, `metadata["readOnly"].toBoolean()`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, String>,
}

/// `WebMessagingChannel`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WireChannel {
    /// RFC 3339.
    pub time: String,
    /// The id the platform gave the message.
    pub message_id: String,
    /// The sender, for outbound messages.
    #[serde(rename = "from", skip_serializing_if = "Option::is_none")]
    pub sender: Option<WireRecipient>,
}

/// `WebMessagingRecipient`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WireRecipient {
    /// The name the guest sees.
    pub nickname: String,
}

/// `WebMessagingEvent` of type `Presence`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WireEvent {
    /// Always `Presence` here.
    pub event_type: String,
    /// `{type: Join|Disconnect|Clear}`.
    pub presence: WirePresence,
}

/// `WebMessagingEventPresence`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WirePresence {
    /// `Join`, `Disconnect`, `Clear`.
    #[serde(rename = "type")]
    pub kind: String,
}

impl WireMessage {
    /// The sandbox gives `id` and `channel.messageId` the same value. Genesys's fixtures use two
    /// placeholders, and the tools built on the Guest API look a message up with either
    /// (`GET /api/v2/conversations/messages/{messageId}/details`): with one value both work.
    fn new(kind: &str, direction: &str, entity: &str, now: &str) -> Self {
        let id = Uuid::new_v4().to_string();
        Self {
            channel: WireChannel {
                time: now.to_owned(),
                message_id: id.clone(),
                sender: (direction == "Outbound").then(|| WireRecipient {
                    nickname: if entity == "Bot" {
                        "Inbound Message Flow".to_owned()
                    } else {
                        "Sandbox Agent".to_owned()
                    },
                }),
            },
            id,
            kind: kind.to_owned(),
            text: None,
            events: Vec::new(),
            direction: direction.to_owned(),
            originating_entity: entity.to_owned(),
            metadata: BTreeMap::new(),
        }
    }

    pub(crate) fn text(direction: &str, text: &str, now: &str) -> Self {
        let mut m = Self::new("Text", direction, "Human", now);
        m.text = Some(text.to_owned());
        m
    }

    pub(crate) fn presence(direction: &str, presence: Presence, now: &str) -> Self {
        let entity = if direction == "Outbound" {
            "Bot"
        } else {
            "Human"
        };
        let mut m = Self::new("Event", direction, entity, now);
        m.events.push(WireEvent {
            event_type: "Presence".to_owned(),
            presence: WirePresence {
                kind: presence.as_str().to_owned(),
            },
        });
        m
    }
}

/// Presence events the guest protocol carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// The autostart event (inbound).
    Join,
    /// The agent or flow ended the conversation (outbound).
    Disconnect,
    /// The customer cleared it.
    Clear,
}

impl Presence {
    /// Genesys's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Join => "Join",
            Self::Disconnect => "Disconnect",
            Self::Clear => "Clear",
        }
    }
}
