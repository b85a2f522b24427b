//! The session store port: session records, rate-limit counters and idempotency records.
//! Every operation that decides something is atomic in the store (conditional writes), because
//! many Lambda instances share it.

use std::collections::BTreeMap;
use std::fmt::Debug;

use async_trait::async_trait;

use crate::payload::GenesysId;
use crate::session::SessionHash;

/// The lifecycle of a session ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionStatus {
    /// Issued, not yet bound to a conversation.
    Active,
    /// Bound to a conversation by its first validation.
    Bound,
    /// Replaced by a refresh.
    Revoked,
}

impl SessionStatus {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Bound => "bound",
            Self::Revoked => "revoked",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(Self::Active),
            "bound" => Some(Self::Bound),
            "revoked" => Some(Self::Revoked),
            _ => None,
        }
    }
}

/// A session record, keyed by its `session_hash`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// The opaque handle given to the browser.
    pub session_hash: SessionHash,
    /// Keyed hash of the JWT subject (the raw subject is never stored).
    pub subject_key: String,
    /// Canonical attribute strings at issue time.
    pub attributes: BTreeMap<String, String>,
    /// When the first ticket of this session's chain was issued (Unix seconds); with the
    /// maximum age it bounds refreshing.
    pub chain_started_at: i64,
    /// When this ticket was issued (Unix seconds).
    pub created_at: i64,
    /// When this ticket stops validating (Unix seconds).
    pub expires_at: i64,
    pub status: SessionStatus,
    /// The conversation the first validation bound it to.
    pub conversation_id: Option<GenesysId>,
    /// How many refreshes led to this ticket.
    pub refresh_count: u32,
    /// When the store may delete the record (Unix seconds; DynamoDB TTL).
    pub ttl: i64,
    /// Set when a refresh revoked this ticket: until then (Unix seconds) a first message that
    /// left with it just before its successor reached Messenger still validates, once, and
    /// binds the chain (see [`SessionStore::bind_session`]).
    pub grace_until: Option<i64>,
    /// The Genesys conversation the `initiation-api` strategy created for this ticket, so a
    /// refresh can end it before creating the next one.
    pub initiated_conversation: Option<GenesysId>,
}

/// A Genesys create sent for one of a subject's tickets whose outcome is not recorded yet: kept
/// until the create answers, or until a later refresh or initiation of the subject reconciles
/// it (see `api::pending`). A subject may have several at once (two tabs, a double click), each
/// under its own [`PendingCreate::id`]: recording one never replaces another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingCreate {
    /// Keyed hash of the subject.
    pub subject_key: String,
    /// Its identity among the subject's pending creates (a keyed fingerprint of the session
    /// hash it carries: one create per ticket).
    pub id: String,
    /// The session hash the create carries, sealed (the store never holds a raw hash).
    pub sealed_hash: Vec<u8>,
    /// When the create was sent (Unix seconds).
    pub started_at: i64,
    /// Until when the request that sent it may still be running (Unix milliseconds): until
    /// then its answer may still arrive and be handed to the browser, so nobody reconciles it.
    pub in_flight_until_ms: i64,
    /// When the store may forget it (Unix seconds).
    pub ttl: i64,
}

/// How many pending creates a subject holds at most. The rate limits keep a subject far below
/// it (a create is pending for one Genesys deadline unless its answer is lost); a put beyond it
/// fails with [`StoreError::Full`], which keeps the subject's record small and the work of
/// reconciling it bounded.
pub const MAX_PENDING_CREATES: usize = 32;

/// Result of binding a session hash to a conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BindOutcome {
    /// This call bound it (or it was already bound to the same conversation).
    Bound(SessionRecord),
    /// Bound to another conversation.
    Replayed,
    /// Replaced by a refresh.
    Revoked,
    /// Its ticket lifetime has passed (and it was never bound).
    Expired,
    /// No such hash.
    Unknown,
}

/// Result of replacing a ticket with a fresh one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RotateOutcome {
    /// The old ticket is revoked and the new one stored, atomically.
    Rotated,
    /// No such hash, or it belongs to another subject (indistinguishable on purpose).
    NotFound,
    /// The old ticket was bound by a validation: Messenger already sent it.
    Used,
    /// The old ticket was already replaced by another refresh.
    Replaced,
}

/// Result of counting one initiation against a subject's limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateDecision {
    /// Within the limit.
    Allowed,
    /// Over the limit; retry after this many seconds.
    Limited {
        /// Seconds until the window resets.
        retry_after_secs: u64,
    },
}

/// A request's claim on its idempotency record. The parts are named: two strings and two times
/// would otherwise travel side by side, and a swapped pair would still compile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdempotencyClaim<'a> {
    /// The record's key (already scoped to the subject).
    pub key: &'a str,
    /// The request's fingerprint: the same key with another one is a mismatch.
    pub fingerprint: &'a str,
    /// The request's time (Unix seconds): a record expired by then counts as absent.
    pub now_secs: i64,
    /// When the claim lapses (Unix seconds): the invocation's deadline.
    pub until: i64,
}

/// An idempotency key's state when a request arrives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdempotencyBegin {
    /// First use: the caller proceeds and later completes or abandons it.
    Started,
    /// Already completed with the same request: replay this stored response.
    Completed {
        /// HTTP status of the first response.
        status: u16,
        /// Body of the first response, as sealed by the protocol.
        body: Vec<u8>,
    },
    /// The first request with this key is still running.
    InProgress,
    /// The key was used with a different request.
    Mismatch,
    /// Completed with the same request, but its ticket has ended and its body is gone: the key
    /// is spent (a `409`) until its retention ends.
    Spent,
}

/// What completing a claimed key stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdempotencyCompletion<'a> {
    /// The record's key.
    pub key: &'a str,
    /// HTTP status of the response.
    pub status: u16,
    /// The response body, as sealed by the protocol.
    pub sealed_body: &'a [u8],
    /// Until when the body replays (Unix seconds): its ticket's end. The store drops the body
    /// then.
    pub body_until: i64,
    /// Until when the key is remembered (Unix seconds), at least `body_until`: between the two
    /// it answers [`IdempotencyBegin::Spent`].
    pub spent_until: i64,
}

/// Why the store failed. Callers map these to 503.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The backend was unreachable or failed.
    #[error("session store unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The backend throttled the request.
    #[error("session store throttled")]
    Throttled(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A record exists already (a put that must create).
    #[error("record already exists")]
    Conflict,
    /// A stored record could not be read back.
    #[error("stored record is corrupt: {0}")]
    Corrupt(String),
    /// A bounded record is at its bound (a subject's [`MAX_PENDING_CREATES`]).
    #[error("record is full")]
    Full,
}

/// Tickets: issued, read, bound to a conversation, rotated by a refresh; each decision is one
/// atomic step in the store.
#[async_trait]
pub trait SessionStore: Send + Sync + Debug {
    /// Stores a new record; fails with [`StoreError::Conflict`] if the hash exists.
    async fn create_session(&self, record: &SessionRecord) -> Result<(), StoreError>;

    /// Reads a record; one past its `ttl` is absent, whether or not the backend deleted it yet.
    async fn get_session(
        &self,
        session_hash: &SessionHash,
    ) -> Result<Option<SessionRecord>, StoreError>;

    /// Binds an active, unexpired ticket to `conversation_id` (first use), or confirms a binding
    /// to the same conversation; atomic under concurrency: exactly one conversation wins.
    ///
    /// A ticket revoked by a refresh binds too while `now_secs <= grace_until` and before its own
    /// expiry, provided its successor is still active: the successor is revoked in the same
    /// atomic step, so a chain binds to exactly one conversation whichever of the two tickets
    /// Messenger sent.
    async fn bind_session(
        &self,
        session_hash: &SessionHash,
        conversation_id: &GenesysId,
        now_secs: i64,
    ) -> Result<BindOutcome, StoreError>;

    /// Revokes `old_hash` (which must be active and belong to `subject_key`) and stores `new`,
    /// atomically: either both happen or neither. The old ticket keeps a link to `new` and
    /// `grace_until`, for [`SessionStore::bind_session`].
    async fn rotate_session(
        &self,
        old_hash: &SessionHash,
        subject_key: &str,
        new: &SessionRecord,
        grace_until: i64,
    ) -> Result<RotateOutcome, StoreError>;

    /// Records the Genesys conversation the `initiation-api` strategy created for a ticket.
    async fn record_conversation(
        &self,
        session_hash: &SessionHash,
        conversation_id: &GenesysId,
    ) -> Result<(), StoreError>;

    /// Records `pending` beside the subject's other pending creates, or replaces the one with
    /// the same `id`; never touches another. Fails with [`StoreError::Full`] when the subject
    /// holds [`MAX_PENDING_CREATES`] live ones already.
    async fn put_pending_create(&self, pending: &PendingCreate) -> Result<(), StoreError>;

    /// The subject's pending creates, oldest first; one past its `ttl` is absent.
    async fn pending_creates(&self, subject_key: &str) -> Result<Vec<PendingCreate>, StoreError>;

    /// Forgets the subject's pending create `id`, if it is there; every other one stays.
    async fn clear_pending_create(&self, subject_key: &str, id: &str) -> Result<(), StoreError>;
}

/// Per-subject fixed-window rate limiting, atomic across instances.
#[async_trait]
pub trait RateLimiter: Send + Sync + Debug {
    /// Counts one attempt for `subject_key` in the window containing `now_secs`.
    async fn hit(
        &self,
        subject_key: &str,
        limit: u32,
        window_secs: u64,
        now_secs: i64,
    ) -> Result<RateDecision, StoreError>;
}

/// Idempotency records for `Idempotency-Key` (the protocol is `crate::idempotency`).
#[async_trait]
pub trait IdempotencyStore: Send + Sync + Debug {
    /// Claims `claim.key` for a request with `claim.fingerprint` until `claim.until`. A claim
    /// past that is free again: its holder can no longer be running.
    async fn begin(&self, claim: &IdempotencyClaim<'_>) -> Result<IdempotencyBegin, StoreError>;

    /// Stores the (sealed) response of a claimed key: the body until `body_until`, the key
    /// itself until `spent_until`.
    async fn complete(&self, completion: &IdempotencyCompletion<'_>) -> Result<(), StoreError>;

    /// Releases a claimed key after a failure that created nothing, so a retry may proceed.
    async fn abandon(&self, key: &str) -> Result<(), StoreError>;
}
