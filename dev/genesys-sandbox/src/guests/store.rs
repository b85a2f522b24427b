//! The guest sessions' own store, keyed the way each thing is looked up: sessions by their token
//! (what every guest request carries), connections by an id of their own, a conversation's
//! session by the conversation id (an agent's disconnect), a message by its id (the Platform
//! API's message details), the history's bearer by itself. One lock, held only for bookkeeping:
//! frames leave through each connection's channel, so nothing waits on a socket under it.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use uuid::Uuid;

use crate::guests::book::{Book, RateLimit, Socket};
pub(crate) use crate::guests::book::{MessageRecord, Outgoing, SocketTx};
use crate::guests::deployment::MessengerDeployment;
use crate::guests::frames::{self, SessionReply};
use crate::guests::session::{GuestError, GuestSession, Now};
use crate::guests::wire::WireMessage;

/// How long a history bearer (`getJwt`) lives. Genesys does not say; an hour is generous for a
/// page that asks again when it reconnects.
const JWT_LIFETIME_SECS: i64 = 3600;

/// Every guest session and connection of one sandbox. Cheap to clone; clones share everything.
#[derive(Debug, Clone)]
pub(crate) struct GuestStore {
    inner: Arc<Mutex<Book>>,
}

impl GuestStore {
    pub(crate) fn new(deployment_id: &str, deployment: MessengerDeployment) -> Self {
        Self {
            inner: Arc::new(Mutex::new(Book::new(deployment_id, deployment))),
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
