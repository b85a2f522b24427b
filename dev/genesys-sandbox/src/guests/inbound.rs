//! What a guest's messages do to its session, and what reaches it from the other side.
//!
//! From Genesys's transport SDK (`MyPureCloud/genesys-messenger-transport-mobile-sdk`,
//! `transport/src/commonMain/kotlin/com/genesys/cloud/messenger/transport/`):
//! - a text (`OnMessageRequest.kt`) or the autostart event (`AutoStartRequest.kt`, a `Presence`
//!   `Join`) with no connected conversation starts one; its customer participant data are the
//!   custom attributes sent with it; with a connected one it joins it;
//! - the server echoes every inbound message at once (`MessagingClientImpl.kt` marks the custom
//!   attributes sent on that echo); the inbound flow runs on its own, afterwards;
//! - an agent's or a flow's disconnect reaches the guest as an outbound `Presence` `Disconnect`,
//!   with `metadata.readOnly` saying whether the session turned read-only;
//! - a clear (`ClearConversationRequest.kt`) is answered `SessionClearedEvent`, then
//!   `ConnectionClosedEvent` to every connection of the session (`Response.kt` fixtures).
//!
//! Where the sources are silent the sandbox chose: attributes sent with a later message are
//! merged into the customer's participant data (the flow does not run again); a clear ends the
//! session, so the token configures a new one afterwards; a `Join` while a conversation runs
//! joins it, like a text.

use std::collections::BTreeMap;

use crate::conversation::{Conversation, NewConversation, new_conversation};
use crate::guests::book::Book;
use crate::guests::frames::{self, Kind};
use crate::guests::session::{GuestError, Now, custom_data_bytes};
use crate::guests::store::GuestStore;
use crate::guests::wire::{Presence, WireMessage};

/// What a guest said: a text, or the autostart event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Said {
    Text(String),
    Join,
}

/// What a text or a `Join` did.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    /// The inbound echo, to queue for every connection of the session.
    pub(crate) echo: WireMessage,
    /// The conversation this message started, to store before the echo leaves.
    pub(crate) started: Option<Conversation>,
    /// Attributes a later message brought to a running conversation.
    pub(crate) merged: Option<(String, BTreeMap<String, String>)>,
}

impl GuestStore {
    /// A text or a `Join` on the session the connection holds (see the module doc).
    pub(crate) fn receive(
        &self,
        socket: u64,
        token: &str,
        said: Said,
        attributes: Option<BTreeMap<String, String>>,
        now: &Now,
    ) -> Result<Received, GuestError> {
        let mut book = self.book();
        book.check(socket, token, now)?;
        book.take_rate_limit()?;
        let deployment = book.deployment;
        let (live, current) = match book.sessions.get(token) {
            Some(s) if s.view.read_only => return Err(GuestError::ReadOnly),
            Some(s) => (s.live, s.view.conversation_id.clone()),
            None => return Err(GuestError::NotFound),
        };
        if said == Said::Join && !deployment.autostart {
            return Err(GuestError::JoinDisabled);
        }
        if let Some(a) = &attributes
            && custom_data_bytes(a) > deployment.max_custom_data_bytes
        {
            return Err(GuestError::TooLarge {
                limit: deployment.max_custom_data_bytes,
            });
        }
        let echo = match &said {
            Said::Text(text) => WireMessage::text("Inbound", text, &now.text),
            Said::Join => WireMessage::presence("Inbound", Presence::Join, &now.text),
        };
        let (id, started, merged) = match current.filter(|_| live) {
            Some(id) => {
                let merged = attributes.clone().map(|a| (id.clone(), a));
                (id, None, merged)
            }
            None => {
                let conversation = book.start(token, &said, attributes.clone(), now);
                (conversation.id.clone(), Some(conversation), None)
            }
        };
        book.record(token, &id, &echo, attributes);
        Ok(Received {
            echo,
            started,
            merged,
        })
    }

    /// Queues the echo of [`GuestStore::receive`] for every connection of the session.
    pub(crate) fn echo_to_session(
        &self,
        token: &str,
        echo: &WireMessage,
        tracing_id: Option<&str>,
    ) {
        let frame = frames::structured(Kind::Message, echo, tracing_id);
        self.book().push(token, &frame);
    }

    /// A `Presence` `Clear`: every connection of the session gets `SessionClearedEvent` and
    /// `ConnectionClosedEvent` and is closed, and the session ends. Returns the conversation to
    /// disconnect, if one was running.
    pub(crate) fn clear(
        &self,
        socket: u64,
        token: &str,
        now: &Now,
    ) -> Result<Option<String>, GuestError> {
        let mut book = self.book();
        book.check(socket, token, now)?;
        if !book.deployment.clear {
            return Err(GuestError::ClearDisabled);
        }
        let running = book
            .sessions
            .get(token)
            .filter(|s| s.live)
            .and_then(|s| s.view.conversation_id.clone());
        if let Some(id) = &running {
            let message = WireMessage::presence("Inbound", Presence::Clear, &now.text);
            book.record(token, id, &message, None);
            book.event(
                token,
                "conversationCleared",
                Some(id),
                Some("customer"),
                now,
            );
        }
        let bound: Vec<u64> = book.sockets_of(token).collect();
        for id in bound {
            book.close(
                id,
                &[frames::session_cleared(), frames::connection_closed()],
            );
        }
        book.retire(token);
        Ok(running)
    }

    /// An agent or a flow ended `conversation_id`: its session's connections get an outbound
    /// `Presence` `Disconnect`; with a `ReadOnly` deployment the session turns read-only.
    pub(crate) fn conversation_ended(&self, conversation_id: &str, by: &str, now: &Now) {
        let mut book = self.book();
        let Some(token) = book.by_conversation.get(conversation_id).cloned() else {
            return;
        };
        let read_only = book.deployment.read_only_after_disconnect();
        let Some(session) = book.sessions.get_mut(&token) else {
            return;
        };
        if session.view.conversation_id.as_deref() == Some(conversation_id) {
            session.live = false;
            session.view.read_only |= read_only;
        }
        let mut message = WireMessage::presence("Outbound", Presence::Disconnect, &now.text);
        message
            .metadata
            .insert("readOnly".to_owned(), read_only.to_string());
        book.event(
            &token,
            "conversationDisconnected",
            Some(conversation_id),
            Some(by),
            now,
        );
        book.record(&token, conversation_id, &message, None);
        book.push(&token, &frames::structured(Kind::Message, &message, None));
    }

    /// An agent's message to `conversation_id`, pushed to its session. `false` when no guest
    /// session holds that conversation.
    pub(crate) fn outbound(&self, conversation_id: &str, message: &WireMessage) -> bool {
        let mut book = self.book();
        let Some(token) = book.by_conversation.get(conversation_id).cloned() else {
            return false;
        };
        book.record(&token, conversation_id, message, None);
        book.push(&token, &frames::structured(Kind::Message, message, None));
        true
    }
}

impl Book {
    /// A new conversation for the token's session, its customer data the attributes sent.
    fn start(
        &mut self,
        token: &str,
        said: &Said,
        attributes: Option<BTreeMap<String, String>>,
        now: &Now,
    ) -> Conversation {
        let mut conversation = new_conversation(NewConversation {
            widget_id: self.deployment_id.clone(),
            queue_id: String::new(),
            skills: Vec::new(),
            initial_message: match said {
                Said::Text(text) => Some(text.clone()),
                Said::Join => None,
            },
            custom_attributes: attributes.unwrap_or_default(),
        });
        let id = conversation.id.clone();
        if let Some(s) = self.sessions.get_mut(token) {
            conversation.messenger_session_id = Some(s.view.id.clone());
            s.view.conversation_id = Some(id.clone());
            s.view.conversations.push(id.clone());
            s.live = true;
        }
        self.by_conversation.insert(id.clone(), token.to_owned());
        let by = match said {
            Said::Text(_) => "message",
            Said::Join => "autostart",
        };
        self.event(token, "conversationStarted", Some(&id), Some(by), now);
        conversation
    }
}
