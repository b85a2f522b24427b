//! What a guest's inbound message does to its session and conversations.

use std::collections::BTreeMap;

use crate::conversation::{Conversation, ConversationState, NewConversation, new_conversation};
use crate::messenger::wire::{Presence, WireMessage};
use crate::messenger::{MessengerBook, MessengerDeployment, custom_data_bytes};

/// What a guest sent: a text, the autostart event or a clear, with the custom attributes that
/// travelled with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Inbound {
    pub(crate) kind: InboundKind,
    pub(crate) custom_attributes: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum InboundKind {
    Text(String),
    Join,
    Clear,
}

/// What an inbound message did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InboundOutcome {
    /// The conversation it went to (for a clear: the one cleared, if any).
    pub(crate) conversation_id: Option<String>,
    /// Whether it started that conversation (the inbound flow must run).
    pub(crate) started: bool,
    /// The message as recorded.
    pub(crate) message: WireMessage,
}

/// Why a guest request was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum GuestRefusal {
    /// No session has this token (configure one first).
    UnknownSession,
    /// The custom attributes are over the deployment's budget.
    TooLarge { bytes: usize, limit: usize },
}

/// What `configureSession` answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GuestSessionState {
    pub(crate) new_session: bool,
    pub(crate) conversation: Option<(String, ConversationState)>,
    pub(crate) deployment: MessengerDeployment,
}

/// An outbound message for one guest session's event stream.
#[derive(Debug, Clone)]
pub(crate) struct Push {
    pub(crate) session_id: String,
    pub(crate) conversation_id: String,
    pub(crate) message: WireMessage,
}

/// Applies a guest's text, autostart event or clear to its session.
///
/// A text or `Join` with no connected conversation starts one whose customer participant data
/// are exactly the custom attributes sent with it; with a connected one it joins it, and new
/// attributes are merged into the customer's data. A clear disconnects the session's
/// conversation and forgets it, so the next message starts a new one. Returns the push the
/// session's other tabs should see, if any.
pub(crate) fn receive(
    book: &mut MessengerBook,
    conversations: &mut Vec<Conversation>,
    limit: usize,
    token: &str,
    inbound: Inbound,
    now: &str,
) -> Result<(InboundOutcome, Option<Push>), GuestRefusal> {
    let Some(session) = book.get(token) else {
        return Err(GuestRefusal::UnknownSession);
    };
    if let Some(attributes) = &inbound.custom_attributes {
        let bytes = custom_data_bytes(attributes);
        if bytes > limit {
            return Err(GuestRefusal::TooLarge { bytes, limit });
        }
    }
    let session_id = session.id.clone();
    let deployment_id = session.deployment_id.clone();
    let current = session.conversation_id.clone();
    let connected = current.clone().filter(|id| {
        conversations
            .iter()
            .any(|c| &c.id == id && c.state == ConversationState::Connected)
    });

    if inbound.kind == InboundKind::Clear {
        let message = WireMessage::presence("Inbound", Presence::Clear, now);
        let mut push = None;
        if let Some(id) = &current {
            if let Some(c) = conversations.iter_mut().find(|c| &c.id == id) {
                c.state = ConversationState::Disconnected;
            }
            book.record_message(token, id, message.clone(), None);
            book.record_event(
                token,
                "conversationCleared",
                Some(id),
                Some("customer"),
                now,
            );
            // Other tabs of the same session learn it from their event stream.
            push = Some(Push {
                session_id,
                conversation_id: id.clone(),
                message: WireMessage::presence("Outbound", Presence::Clear, now),
            });
        }
        if let Some(s) = book.get_mut(token) {
            s.conversation_id = None;
        }
        let outcome = InboundOutcome {
            conversation_id: current,
            started: false,
            message,
        };
        return Ok((outcome, push));
    }

    let message = match &inbound.kind {
        InboundKind::Text(text) => WireMessage::text("Inbound", text, now),
        _ => WireMessage::presence("Inbound", Presence::Join, now),
    };
    let (conversation_id, started) = match connected {
        Some(id) => {
            if let Some(attributes) = &inbound.custom_attributes
                && let Some(customer) = conversations
                    .iter_mut()
                    .find(|c| c.id == id)
                    .and_then(|c| c.participants.iter_mut().find(|p| p.purpose == "customer"))
            {
                customer.attributes.extend(attributes.clone());
            }
            (id, false)
        }
        None => {
            let mut conversation = new_conversation(NewConversation {
                widget_id: deployment_id,
                queue_id: String::new(),
                skills: Vec::new(),
                initial_message: match &inbound.kind {
                    InboundKind::Text(text) => Some(text.clone()),
                    _ => None,
                },
                custom_attributes: inbound.custom_attributes.clone().unwrap_or_default(),
            });
            conversation.messenger_session_id = Some(session_id);
            let id = conversation.id.clone();
            conversations.push(conversation);
            if let Some(s) = book.get_mut(token) {
                s.conversation_id = Some(id.clone());
                s.conversations.push(id.clone());
            }
            let by = if inbound.kind == InboundKind::Join {
                "autostart"
            } else {
                "message"
            };
            book.record_event(token, "conversationStarted", Some(&id), Some(by), now);
            (id, true)
        }
    };
    book.record_message(
        token,
        &conversation_id,
        message.clone(),
        inbound.custom_attributes,
    );
    let outcome = InboundOutcome {
        conversation_id: Some(conversation_id),
        started,
        message,
    };
    Ok((outcome, None))
}
