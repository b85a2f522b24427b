//! The guest sessions' bookkeeping under the store's one lock: sessions, connections, the
//! indexes by conversation, message and history bearer, and the steps every operation of
//! `store.rs` and `inbound.rs` is made of (check a request, record, push, close, retire).

use std::collections::{BTreeMap, HashMap, HashSet};

use tokio::sync::mpsc;
use uuid::Uuid;

use crate::guests::deployment::MessengerDeployment;
use crate::guests::frames::{self, SessionReply};
use crate::guests::session::{GuestError, GuestMessage, GuestSession, Now, Session, SessionEvent};
use crate::guests::wire::WireMessage;

/// What a connection's writer sends next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outgoing {
    Frame(String),
    Close,
}

/// The sending half of a connection's queue.
pub(crate) type SocketTx = mpsc::UnboundedSender<Outgoing>;

/// Where a message belongs, for `GET /api/v2/conversations/messages/{messageId}/details`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRecord {
    /// The message id.
    pub id: String,
    /// Its conversation.
    pub conversation_id: String,
    /// RFC 3339.
    pub time: String,
    /// `Inbound` or `Outbound`.
    pub direction: String,
}

/// One connection: the session token it configured, if any, and its queue.
#[derive(Debug)]
pub(crate) struct Socket {
    pub(crate) token: Option<String>,
    pub(crate) origin: Option<String>,
    pub(crate) tx: SocketTx,
}

/// An injected rate limit: how many more messages it refuses.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RateLimit {
    pub(crate) retry_after_secs: u64,
    pub(crate) remaining: u32,
}

/// Everything under the store's lock.
#[derive(Debug)]
pub(crate) struct Book {
    pub(crate) deployment_id: String,
    pub(crate) deployment: MessengerDeployment,
    pub(crate) sessions: HashMap<String, Session>,
    pub(crate) retired: Vec<(u64, GuestSession)>,
    pub(crate) sockets: HashMap<u64, Socket>,
    pub(crate) by_conversation: HashMap<String, String>,
    pub(crate) messages: HashMap<String, MessageRecord>,
    pub(crate) jwts: HashMap<String, (String, i64)>,
    pub(crate) expired: HashSet<String>,
    pub(crate) rate_limit: Option<RateLimit>,
    pub(crate) seq: u64,
    pub(crate) next_socket: u64,
}

impl Book {
    pub(crate) fn new(deployment_id: &str, deployment: MessengerDeployment) -> Self {
        Self {
            deployment_id: deployment_id.to_owned(),
            deployment,
            sessions: HashMap::new(),
            retired: Vec::new(),
            sockets: HashMap::new(),
            by_conversation: HashMap::new(),
            messages: HashMap::new(),
            jwts: HashMap::new(),
            expired: HashSet::new(),
            rate_limit: None,
            seq: 0,
            next_socket: 0,
        }
    }

    pub(crate) fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    pub(crate) fn create(&mut self, socket: u64, token: &str, now: &Now) {
        self.expired.remove(token);
        let created = self.next_seq();
        let origin = self.sockets.get(&socket).and_then(|s| s.origin.clone());
        let duration = self.deployment.session_duration_secs;
        let expires_at = duration.map(|d| now.unix + i64::try_from(d).unwrap_or(i64::MAX / 2));
        let view = GuestSession {
            id: Uuid::new_v4().to_string(),
            deployment_id: self.deployment_id.clone(),
            created_at: now.text.clone(),
            origin,
            read_only: false,
            ended: false,
            conversation_id: None,
            conversations: Vec::new(),
            messages: Vec::new(),
            events: Vec::new(),
        };
        let session = Session {
            view,
            live: false,
            expires_at,
            created,
        };
        self.sessions.insert(token.to_owned(), session);
    }

    pub(crate) fn reply(
        &self,
        token: &str,
        connected: bool,
        new_session: bool,
        read_only: bool,
    ) -> SessionReply {
        let expires_at = self.sessions.get(token).and_then(|s| s.expires_at);
        SessionReply {
            connected,
            new_session,
            read_only,
            max_custom_data_bytes: self.deployment.max_custom_data_bytes,
            expiry: self.deployment.session_duration_secs.zip(expires_at),
        }
    }

    /// The connection holds the token's session, which has not expired.
    pub(crate) fn check(&mut self, socket: u64, token: &str, now: &Now) -> Result<(), GuestError> {
        self.expire_if_due(token, now);
        let bound = self.sockets.get(&socket).and_then(|s| s.token.as_deref()) == Some(token);
        if bound && self.sessions.contains_key(token) {
            Ok(())
        } else if self.expired.contains(token) {
            Err(GuestError::Expired)
        } else {
            Err(GuestError::NotFound)
        }
    }

    pub(crate) fn take_rate_limit(&mut self) -> Result<(), GuestError> {
        let Some(limit) = self.rate_limit.as_mut() else {
            return Ok(());
        };
        limit.remaining = limit.remaining.saturating_sub(1);
        let retry_after_secs = limit.retry_after_secs;
        if limit.remaining == 0 {
            self.rate_limit = None;
        }
        Err(GuestError::RateLimited { retry_after_secs })
    }

    pub(crate) fn expire_if_due(&mut self, token: &str, now: &Now) {
        let due = self
            .sessions
            .get(token)
            .and_then(|s| s.expires_at)
            .is_some_and(|at| at <= now.unix);
        if due {
            self.expire_token(token, now);
        }
    }

    pub(crate) fn expire_token(&mut self, token: &str, now: &Now) {
        let frame = frames::session_expired();
        let bound: Vec<u64> = self.sockets_of(token).collect();
        for id in bound {
            if let Some(s) = self.sockets.get_mut(&id) {
                let _ = s.tx.send(Outgoing::Frame(frame.clone()));
                s.token = None;
            }
        }
        self.event(token, "sessionExpired", None, None, now);
        self.retire(token);
        self.expired.insert(token.to_owned());
    }

    /// Ends the token's session: kept for the admin view, forgotten by every lookup.
    pub(crate) fn retire(&mut self, token: &str) {
        if let Some(mut session) = self.sessions.remove(token) {
            session.view.ended = true;
            self.retired.push((session.created, session.view));
        }
        self.by_conversation.retain(|_, t| t != token);
        self.jwts.retain(|_, (t, _)| t != token);
    }

    pub(crate) fn sockets_of(&self, token: &str) -> impl Iterator<Item = u64> + '_ {
        let token = token.to_owned();
        self.sockets
            .iter()
            .filter(move |(_, s)| s.token.as_deref() == Some(token.as_str()))
            .map(|(id, _)| *id)
    }

    /// Queues `frame` for every connection of the token's session.
    pub(crate) fn push(&self, token: &str, frame: &str) {
        for s in self
            .sockets
            .values()
            .filter(|s| s.token.as_deref() == Some(token))
        {
            let _ = s.tx.send(Outgoing::Frame(frame.to_owned()));
        }
    }

    /// Sends `frames` to a connection, then closes it.
    pub(crate) fn close(&mut self, socket: u64, frames: &[String]) {
        if let Some(s) = self.sockets.get_mut(&socket) {
            for frame in frames {
                let _ = s.tx.send(Outgoing::Frame(frame.clone()));
            }
            let _ = s.tx.send(Outgoing::Close);
            s.token = None;
        }
    }

    pub(crate) fn event(
        &mut self,
        token: &str,
        kind: &str,
        conversation_id: Option<&str>,
        by: Option<&str>,
        now: &Now,
    ) {
        let seq = self.next_seq();
        if let Some(s) = self.sessions.get_mut(token) {
            s.view.events.push(SessionEvent {
                seq,
                at: now.text.clone(),
                kind: kind.to_owned(),
                conversation_id: conversation_id.map(str::to_owned),
                by: by.map(str::to_owned),
            });
        }
    }

    /// Records a message on the token's session and indexes it by id.
    pub(crate) fn record(
        &mut self,
        token: &str,
        conversation_id: &str,
        message: &WireMessage,
        custom_attributes: Option<BTreeMap<String, String>>,
    ) {
        let seq = self.next_seq();
        self.messages.insert(
            message.id.clone(),
            MessageRecord {
                id: message.id.clone(),
                conversation_id: conversation_id.to_owned(),
                time: message.channel.time.clone(),
                direction: message.direction.clone(),
            },
        );
        if let Some(s) = self.sessions.get_mut(token) {
            s.view.messages.push(GuestMessage {
                seq,
                conversation_id: conversation_id.to_owned(),
                message: message.clone(),
                custom_attributes,
            });
        }
    }
}
