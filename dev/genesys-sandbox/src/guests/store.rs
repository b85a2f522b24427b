//! The guest sessions' own store, keyed the way each thing is looked up: sessions by their token
//! (what every guest request carries), connections by an id of their own, a conversation's
//! session by the conversation id (an agent's disconnect), a message by its id (the Platform
//! API's message details), the history's bearer by itself. One lock, held only for bookkeeping:
//! frames leave through each connection's channel, so nothing waits on a socket under it.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

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

/// How long a history bearer (`getJwt`) lives. Genesys does not say; an hour is generous for a
/// page that asks again when it reconnects.
const JWT_LIFETIME_SECS: i64 = 3600;

#[derive(Debug)]
struct Socket {
    token: Option<String>,
    origin: Option<String>,
    tx: SocketTx,
}

#[derive(Debug, Clone, Copy)]
struct RateLimit {
    retry_after_secs: u64,
    remaining: u32,
}

#[derive(Debug)]
pub(crate) struct Book {
    pub(crate) deployment_id: String,
    pub(crate) deployment: MessengerDeployment,
    pub(crate) sessions: HashMap<String, Session>,
    retired: Vec<(u64, GuestSession)>,
    sockets: HashMap<u64, Socket>,
    pub(crate) by_conversation: HashMap<String, String>,
    pub(crate) messages: HashMap<String, MessageRecord>,
    jwts: HashMap<String, (String, i64)>,
    expired: HashSet<String>,
    rate_limit: Option<RateLimit>,
    seq: u64,
    next_socket: u64,
}

/// Every guest session and connection of one sandbox. Cheap to clone; clones share everything.
#[derive(Debug, Clone)]
pub(crate) struct GuestStore {
    inner: Arc<Mutex<Book>>,
}

impl GuestStore {
    pub(crate) fn new(deployment_id: &str, deployment: MessengerDeployment) -> Self {
        Self {
            inner: Arc::new(Mutex::new(Book {
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
            })),
        }
    }

    pub(crate) fn book(&self) -> MutexGuard<'_, Book> {
        // Every mutation keeps the book consistent step by step; a panic elsewhere under the
        // lock leaves usable data, so recover it.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn deployment_id(&self) -> String {
        self.book().deployment_id.clone()
    }

    pub(crate) fn deployment(&self) -> MessengerDeployment {
        self.book().deployment
    }

    pub(crate) fn set_deployment(&self, deployment: MessengerDeployment) {
        self.book().deployment = deployment;
    }

    /// Every session, ended ones included, oldest first.
    pub(crate) fn sessions(&self) -> Vec<GuestSession> {
        let book = self.book();
        let mut all: Vec<(u64, GuestSession)> = book.retired.clone();
        all.extend(book.sessions.values().map(|s| (s.created, s.view.clone())));
        all.sort_by_key(|(seq, _)| *seq);
        all.into_iter().map(|(_, view)| view).collect()
    }

    pub(crate) fn message(&self, id: &str) -> Option<MessageRecord> {
        self.book().messages.get(id).cloned()
    }

    pub(crate) fn open_socket(&self, tx: SocketTx, origin: Option<String>) -> u64 {
        let mut book = self.book();
        book.next_socket += 1;
        let id = book.next_socket;
        let token = None;
        book.sockets.insert(id, Socket { token, origin, tx });
        id
    }

    pub(crate) fn close_socket(&self, socket: u64) {
        self.book().sockets.remove(&socket);
    }

    /// Queues a frame for one connection.
    pub(crate) fn reply(&self, socket: u64, frame: String) {
        if let Some(s) = self.book().sockets.get(&socket) {
            let _ = s.tx.send(Outgoing::Frame(frame));
        }
    }

    /// `configureSession`: binds the connection to the token's session, created when the token
    /// is new (or its session ended), replaced by a fresh one with `startNew` on a read-only
    /// session (`ConfigureSessionRequest.kt`, `startNew`).
    pub(crate) fn configure(
        &self,
        socket: u64,
        token: &str,
        start_new: bool,
        now: &Now,
    ) -> SessionReply {
        let mut book = self.book();
        book.expire_if_due(token, now);
        let (new_session, read_only) = match book.sessions.get(token) {
            Some(s) if start_new && s.view.read_only => {
                book.retire(token);
                (true, false)
            }
            Some(s) => (false, s.view.read_only),
            None => (true, false),
        };
        if new_session {
            book.create(socket, token, now);
        }
        if let Some(s) = book.sockets.get_mut(&socket) {
            s.token = Some(token.to_owned());
        }
        let kind = if new_session {
            "sessionConfigured"
        } else {
            "sessionResumed"
        };
        book.event(token, kind, None, None, now);
        book.reply(token, true, new_session, read_only)
    }

    /// `closeSession`: with `closeAllConnections` every other connection of the session gets a
    /// `ConnectionClosedEvent` and is closed; this one is answered `connected: false` and must
    /// configure again (`CloseSessionRequest.kt`).
    pub(crate) fn close_session(
        &self,
        socket: u64,
        token: &str,
        close_all: bool,
        now: &Now,
    ) -> Result<SessionReply, GuestError> {
        let mut book = self.book();
        book.check(socket, token, now)?;
        if close_all {
            let others: Vec<u64> = book.sockets_of(token).filter(|id| *id != socket).collect();
            for id in others {
                book.close(id, &[frames::connection_closed()]);
            }
        }
        if let Some(s) = book.sockets.get_mut(&socket) {
            s.token = None;
        }
        book.event(token, "sessionClosed", None, Some("customer"), now);
        let read_only = book.sessions.get(token).is_some_and(|s| s.view.read_only);
        Ok(book.reply(token, false, false, read_only))
    }

    /// Checks that the connection holds the token's session (for `echo`).
    pub(crate) fn check(&self, socket: u64, token: &str, now: &Now) -> Result<(), GuestError> {
        self.book().check(socket, token, now)
    }

    /// `getJwt`: a bearer for the guest's history (`GET /api/v2/webmessaging/messages`).
    pub(crate) fn issue_jwt(
        &self,
        socket: u64,
        token: &str,
        now: &Now,
    ) -> Result<(String, i64), GuestError> {
        let mut book = self.book();
        book.check(socket, token, now)?;
        let jwt = format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple());
        let exp = now.unix + JWT_LIFETIME_SECS;
        book.jwts.insert(jwt.clone(), (token.to_owned(), exp));
        Ok((jwt, exp))
    }

    /// The messages of the session's latest conversation, newest first, for a valid bearer.
    pub(crate) fn history(&self, jwt: &str, now: &Now) -> Option<Vec<WireMessage>> {
        let book = self.book();
        let (token, exp) = book.jwts.get(jwt)?;
        if *exp <= now.unix {
            return None;
        }
        let view = &book.sessions.get(token)?.view;
        let latest = view.conversation_id.as_ref();
        Some(
            view.messages
                .iter()
                .rev()
                .filter(|m| Some(&m.conversation_id) == latest)
                .map(|m| m.message.clone())
                .collect(),
        )
    }

    /// Expires the session with this public id now (admin): its connections get
    /// `SessionExpiredEvent`, and its token answers 4006 until it is configured again.
    pub(crate) fn expire(&self, session_id: &str, now: &Now) -> bool {
        let mut book = self.book();
        let token = book
            .sessions
            .iter()
            .find(|(_, s)| s.view.id == session_id)
            .map(|(t, _)| t.clone());
        token.is_some_and(|t| {
            book.expire_token(&t, now);
            true
        })
    }

    /// The next `count` messages get `TooManyRequestsErrorMessage` (an injected fault).
    pub(crate) fn arm_rate_limit(&self, retry_after_secs: u64, count: u32) {
        self.book().rate_limit = Some(RateLimit {
            retry_after_secs,
            remaining: count,
        });
    }
}

impl Book {
    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    fn create(&mut self, socket: u64, token: &str, now: &Now) {
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

    fn reply(
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

    fn expire_if_due(&mut self, token: &str, now: &Now) {
        let due = self
            .sessions
            .get(token)
            .and_then(|s| s.expires_at)
            .is_some_and(|at| at <= now.unix);
        if due {
            self.expire_token(token, now);
        }
    }

    fn expire_token(&mut self, token: &str, now: &Now) {
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
