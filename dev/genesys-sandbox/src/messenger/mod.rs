//! Web Messaging guest sessions, the way Genesys keeps them for Messenger.
//!
//! Facts this model follows (Genesys's transport SDK, `MessagingClientImpl`, `SessionResponse`,
//! `CustomAttributesStoreImpl`; the Messenger SDK docs):
//! - the browser picks its session token (a UUID) and keeps it; `configureSession` with a token
//!   the server does not know starts a new session (`newSession: true`), with a known one it
//!   resumes it, conversation included;
//! - a session's first inbound message, or its autostart event (a `Presence` `Join`), starts a
//!   conversation whose customer participant data are the `channel.metadata.customAttributes`
//!   sent with it; later messages join that conversation;
//! - custom attributes travel with a message only when the browser has new ones; the server
//!   refuses keys plus values over the session's `maxCustomDataBytes` (error 4013);
//! - an agent or flow disconnect reaches the guest as an outbound `Presence` `Disconnect` event,
//!   a customer's clear as `Presence` `Clear`; the next message then starts a new conversation.
//!
//! Where the sandbox had to choose (not documented by Genesys): attributes sent with a later
//! message are merged into the customer's participant data (the flow does not run again); a
//! customer may clear a conversation that is still connected, which disconnects it.

mod inbound;
pub(crate) mod routes;
mod wire;

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

pub(crate) use inbound::{
    GuestRefusal, GuestSessionState, Inbound, InboundKind, InboundOutcome, Push, receive,
};
pub use wire::{Presence, WireChannel, WireEvent, WireMessage, WirePresence, WireRecipient};

/// The Messenger deployment the sandbox plays: what Genesys would configure in the admin UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MessengerDeployment {
    /// UTF-8 bytes of custom attribute keys plus values a session may carry (default 2048, the
    /// package's default budget).
    pub max_custom_data_bytes: usize,
    /// Whether Messenger sends the autostart event when a session without a conversation opens,
    /// so the conversation (and the inbound flow) starts before the customer writes.
    pub autostart: bool,
}

impl Default for MessengerDeployment {
    fn default() -> Self {
        Self {
            max_custom_data_bytes: 2048,
            autostart: false,
        }
    }
}

impl MessengerDeployment {
    /// The deployment configuration Messenger downloads (the subset the stand-in reads).
    pub(crate) fn config(&self, deployment_id: &str) -> Value {
        json!({
            "id": deployment_id,
            "messenger": {
                "enabled": true,
                "apps": {
                    "conversations": {
                        "enabled": true,
                        "autoStart": {"enabled": self.autostart},
                        "conversationDisconnect": {"enabled": true, "type": "Send"},
                        "conversationClear": {"enabled": true},
                    }
                }
            },
            "status": "Active",
        })
    }
}

/// A message of a guest session with what travelled beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GuestMessage {
    /// Order across the sandbox, from 1.
    pub seq: u64,
    /// The conversation it belongs to.
    pub conversation_id: String,
    /// The message itself.
    pub message: WireMessage,
    /// `channel.metadata.customAttributes` sent with it; `None` when none were sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_attributes: Option<BTreeMap<String, String>>,
}

/// Something that happened to a guest session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionEvent {
    /// Order across the sandbox, from 1.
    pub seq: u64,
    /// RFC 3339.
    pub at: String,
    /// `sessionConfigured`, `sessionResumed`, `conversationStarted`, `conversationDisconnected`,
    /// `conversationCleared`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The conversation concerned, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<String>,
    /// `message`, `autostart`, `agent`, `customer`, ...
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
}

/// One Messenger guest session. Its token is the browser's secret and is never serialised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GuestSession {
    /// A public id for admin routes and tests (not the token).
    pub id: String,
    /// The Messenger deployment.
    pub deployment_id: String,
    /// RFC 3339.
    pub created_at: String,
    /// The conversation the next message joins while it is connected; `None` before the
    /// first message and after a clear.
    pub conversation_id: Option<String>,
    /// Every conversation of the session, oldest first.
    pub conversations: Vec<String>,
    /// Every message, oldest first.
    pub messages: Vec<GuestMessage>,
    /// Every event, oldest first.
    pub events: Vec<SessionEvent>,
}

/// Every guest session, by token.
#[derive(Debug, Default)]
pub(crate) struct MessengerBook {
    sessions: HashMap<String, GuestSession>,
    seq: u64,
}

impl MessengerBook {
    fn next(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// `configureSession`: the session of `token`, created when new. Returns whether it is new.
    pub(crate) fn configure(&mut self, token: &str, deployment_id: &str, now: &str) -> bool {
        let seq = self.next();
        let is_new = !self.sessions.contains_key(token);
        let session = self
            .sessions
            .entry(token.to_owned())
            .or_insert_with(|| GuestSession {
                id: Uuid::new_v4().to_string(),
                deployment_id: deployment_id.to_owned(),
                created_at: now.to_owned(),
                conversation_id: None,
                conversations: Vec::new(),
                messages: Vec::new(),
                events: Vec::new(),
            });
        session.events.push(SessionEvent {
            seq,
            at: now.to_owned(),
            kind: if is_new {
                "sessionConfigured"
            } else {
                "sessionResumed"
            }
            .to_owned(),
            conversation_id: session.conversation_id.clone(),
            by: None,
        });
        is_new
    }

    pub(crate) fn get(&self, token: &str) -> Option<&GuestSession> {
        self.sessions.get(token)
    }

    pub(crate) fn get_mut(&mut self, token: &str) -> Option<&mut GuestSession> {
        self.sessions.get_mut(token)
    }

    /// The token and session a conversation belongs to.
    pub(crate) fn by_conversation(&mut self, conversation_id: &str) -> Option<&mut GuestSession> {
        self.sessions
            .values_mut()
            .find(|s| s.conversations.iter().any(|c| c == conversation_id))
    }

    /// Every session, oldest first.
    pub(crate) fn all(&self) -> Vec<GuestSession> {
        let mut all: Vec<GuestSession> = self.sessions.values().cloned().collect();
        all.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        all
    }

    pub(crate) fn len(&self) -> usize {
        self.sessions.len()
    }

    /// Records a message on the session of `token`.
    pub(crate) fn record_message(
        &mut self,
        token: &str,
        conversation_id: &str,
        message: WireMessage,
        custom_attributes: Option<BTreeMap<String, String>>,
    ) {
        let seq = self.next();
        if let Some(session) = self.sessions.get_mut(token) {
            session.messages.push(GuestMessage {
                seq,
                conversation_id: conversation_id.to_owned(),
                message,
                custom_attributes,
            });
        }
    }

    /// Records a message on whichever session holds `conversation_id`; returns that session's id.
    pub(crate) fn record_outbound(
        &mut self,
        conversation_id: &str,
        message: WireMessage,
    ) -> Option<String> {
        let seq = self.next();
        let session = self.by_conversation(conversation_id)?;
        session.messages.push(GuestMessage {
            seq,
            conversation_id: conversation_id.to_owned(),
            message,
            custom_attributes: None,
        });
        Some(session.id.clone())
    }

    /// Records an event on the session of `token`.
    pub(crate) fn record_event(
        &mut self,
        token: &str,
        kind: &str,
        conversation_id: Option<&str>,
        by: Option<&str>,
        now: &str,
    ) {
        let seq = self.next();
        if let Some(session) = self.sessions.get_mut(token) {
            session.events.push(SessionEvent {
                seq,
                at: now.to_owned(),
                kind: kind.to_owned(),
                conversation_id: conversation_id.map(str::to_owned),
                by: by.map(str::to_owned),
            });
        }
    }

    /// Records an event on whichever session holds `conversation_id`; returns that session's id.
    pub(crate) fn record_conversation_event(
        &mut self,
        conversation_id: &str,
        kind: &str,
        by: &str,
        now: &str,
    ) -> Option<String> {
        let seq = self.next();
        let session = self.by_conversation(conversation_id)?;
        session.events.push(SessionEvent {
            seq,
            at: now.to_owned(),
            kind: kind.to_owned(),
            conversation_id: Some(conversation_id.to_owned()),
            by: Some(by.to_owned()),
        });
        Some(session.id.clone())
    }
}

/// UTF-8 bytes of keys plus values, as Genesys counts a session's custom data.
pub fn custom_data_bytes(attributes: &BTreeMap<String, String>) -> usize {
    attributes.iter().map(|(k, v)| k.len() + v.len()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_data_is_counted_in_utf8_bytes_of_keys_and_values() {
        let attributes = BTreeMap::from([
            ("session_hash".to_owned(), "abc".to_owned()),
            ("café".to_owned(), "€".to_owned()),
        ]);
        assert_eq!(custom_data_bytes(&attributes), 12 + 3 + 5 + 3);
    }

    #[test]
    fn a_known_token_resumes_its_session() {
        let mut book = MessengerBook::default();
        assert!(book.configure("t", "d", "now"));
        assert!(!book.configure("t", "d", "later"));
        let session = book.get("t").unwrap();
        let kinds: Vec<&str> = session.events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, ["sessionConfigured", "sessionResumed"]);
        assert_eq!(book.len(), 1);
    }
}
