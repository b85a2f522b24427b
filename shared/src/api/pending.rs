//! Creates whose answer never arrived (`initiation-api`). A create that answers after the
//! deadline still creates: the conversation carries the new ticket's session hash, but the
//! caller got a `504` and the conversation id was never recorded, so nobody could end it.
//!
//! So a create is remembered before it is sent ([`before_create`]: a pending create of the
//! subject, with its session hash sealed) and forgotten once its outcome is known
//! ([`after_create`]). A create whose outcome stayed unknown is reconciled when the subject
//! comes back, at its next refresh or initiation ([`reconcile`]): the conversation is looked up
//! by its session hash and ended (never adopted: its platform token never reached the browser),
//! before anything else is created. A lookup that fails leaves the pending create for the next
//! request and lets this one go on: a Genesys analytics outage does not stop customers from
//! starting conversations.
//!
//! # Several creates of one subject
//! One subject may create several conversations at once (two tabs, a double click, a script).
//! Each create is pending under its own id (a keyed fingerprint of the session hash it
//! carries): recording one never replaces another, clearing one clears exactly it (the store
//! port's `PendingCreate`), so every create whose answer is lost is reconciled, whichever
//! others ran beside it.
//!
//! # Never while in flight
//! A pending create is reconciled only once the request that sent it can no longer be running:
//! until then its answer may still arrive and its conversation be handed to the browser, and
//! ending it would disconnect a live customer. That moment is the invocation's deadline (Lambda
//! ends an invocation at its timeout, so nothing of the request runs after it), or, for a caller
//! that sets none, the Genesys deadline plus [`IN_FLIGHT_MARGIN`]. A request whose create timed
//! out moves the moment to when it gave up ([`after_create`]): it stopped waiting, so whatever
//! Genesys makes of the create is a leftover from then on, and the client's fallback initiation
//! may end it at once.
//!
//! # A lookup that finds nothing
//! A pending create past its in-flight moment whose lookup finds no conversation is **kept**
//! until its TTL (the ticket's maximum age after that moment), not cleared: a create that
//! answered too late may still complete in Genesys after the lookup, and Analytics lists a new
//! conversation only seconds after it was made; clearing at the first empty answer would leave
//! exactly the conversation this exists to end. The cost is one more analytics query on later
//! refreshes and initiations of the subject while it lasts, at most
//! [`RECONCILED_PER_REQUEST`] per request, the most recent creates first.
//!
//! [`before_create`]: PendingCreates::before_create
//! [`after_create`]: PendingCreates::after_create
//! [`reconcile`]: PendingCreates::reconcile

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use super::browser_edge::{Browser, BrowserPorts, BrowserSettings};
use super::strategy::{InitiationStrategy, StrategyKind};
use crate::attributes::Schema;
use crate::http::ApiError;
use crate::ports::{Clock, GatewayError, PendingCreate, SessionRecord, SessionStore, StoreError};
use crate::session::{Sealer, SessionHash, SessionKeys};

/// How long past its Genesys deadline a create counts as in flight when the invocation's
/// deadline is unknown: after its answer the request only clears the pending create (one store
/// write), which this leaves ample room for.
const IN_FLIGHT_MARGIN: Duration = Duration::from_secs(5);

/// Pending creates one request reconciles at most; the others wait for the next request. Each
/// is an analytics query, and all of them share one Genesys deadline.
const RECONCILED_PER_REQUEST: usize = 4;

/// Additional data of a sealed pending hash: it opens only as this subject's.
fn context(subject_key: &str) -> Vec<u8> {
    format!("pending#{subject_key}").into_bytes()
}

/// A create's id among its subject's pending creates: one create per ticket, so a keyed
/// fingerprint of the ticket's hash names it without revealing it.
fn create_id(keys: &SessionKeys, hash: &SessionHash) -> String {
    keys.fingerprint(&[b"pending-create", hash.as_str().as_bytes()])
}

/// The subject's creates whose answer may not have arrived: remembered before each create,
/// forgotten after, reconciled once out of flight.
#[derive(Debug, Clone)]
pub(super) struct PendingCreates {
    sessions: Arc<dyn SessionStore>,
    strategy: Arc<dyn InitiationStrategy>,
    keys: Arc<SessionKeys>,
    /// Derived once, at the cold start, as [`crate::idempotency::Idempotency`] derives its own;
    /// `None` if it cannot be (nothing is then remembered, and nothing opens).
    sealer: Option<Arc<Sealer>>,
    clock: Arc<dyn Clock>,
    schema: Arc<Schema>,
    genesys_deadline: Duration,
    max_age_secs: i64,
}

impl PendingCreates {
    /// Over the store and the strategy of `ports`, sealing with the keys of `browser`.
    pub(super) fn new(browser: &Browser, ports: &BrowserPorts, settings: &BrowserSettings) -> Self {
        Self {
            sessions: ports.sessions.clone(),
            strategy: ports.strategy.clone(),
            keys: browser.keys.clone(),
            sealer: browser.keys.sealer().ok().map(Arc::new),
            clock: browser.clock.clone(),
            schema: browser.schema.clone(),
            genesys_deadline: settings.genesys_deadline,
            max_age_secs: settings.ticket.max_age_secs,
        }
    }

    /// Remembers the create about to be sent for `record`, in flight until the invocation ends
    /// (`invocation_deadline_ms`, Unix milliseconds) or, when that is unknown, until the
    /// Genesys deadline plus [`IN_FLIGHT_MARGIN`]. Nothing is remembered for a strategy that
    /// creates nothing.
    pub(super) async fn before_create(
        &self,
        record: &SessionRecord,
        now: i64,
        invocation_deadline_ms: Option<i64>,
    ) -> Option<PendingCreate> {
        if !self.creates_conversations() {
            return None;
        }
        let in_flight_until_ms = invocation_deadline_ms.unwrap_or_else(|| {
            let budget = self.genesys_deadline + IN_FLIGHT_MARGIN;
            let budget_ms = i64::try_from(budget.as_millis()).unwrap_or(i64::MAX);
            self.clock.now_ms().saturating_add(budget_ms)
        });
        let hash = record.session_hash.as_str().as_bytes();
        let sealed = self
            .sealer
            .as_ref()?
            .seal(&context(&record.subject_key), hash)
            .ok()?;
        let pending = PendingCreate {
            subject_key: record.subject_key.clone(),
            id: create_id(&self.keys, &record.session_hash),
            sealed_hash: sealed,
            started_at: now,
            in_flight_until_ms,
            ttl: in_flight_until_ms.div_euclid(1000) + 1 + self.max_age_secs,
        };
        match self.sessions.put_pending_create(&pending).await {
            Ok(()) => Some(pending),
            Err(StoreError::Full) => {
                tracing::warn!("pending create not recorded: the subject holds too many");
                None
            }
            Err(e) => {
                tracing::warn!(error = %e, "pending create not recorded");
                None
            }
        }
    }

    /// Forgets the create once its outcome is known. One that may have created a conversation
    /// that was never recorded (a Genesys deadline, `504`) is kept, and no longer in flight:
    /// this request stopped waiting for it.
    pub(super) async fn after_create<T>(
        &self,
        pending: Option<PendingCreate>,
        result: &Result<T, ApiError>,
    ) {
        let Some(mut pending) = pending else {
            return;
        };
        if matches!(result, Err(ApiError::Timeout { .. })) {
            pending.in_flight_until_ms = self.clock.now_ms();
            if let Err(e) = self.sessions.put_pending_create(&pending).await {
                tracing::warn!(error = %e, "timed-out create left in flight until its deadline");
            }
            return;
        }
        self.clear(&pending).await;
    }

    /// Ends what the subject's creates whose outcome stayed unknown left behind, once they can
    /// no longer be in flight: the session hashes of those it looked up (their late
    /// conversations, if any, ended).
    pub(super) async fn reconcile(&self, subject_key: &str) -> Vec<SessionHash> {
        if !self.creates_conversations() {
            return Vec::new();
        }
        let pending = match self.sessions.pending_creates(subject_key).await {
            Ok(pending) => pending,
            Err(e) => {
                tracing::warn!(error = %e, "pending creates not read");
                return Vec::new();
            }
        };
        let now_ms = self.clock.now_ms();
        let due = pending
            .into_iter()
            .rev()
            .filter(|p| p.in_flight_until_ms < now_ms)
            .take(RECONCILED_PER_REQUEST);
        let deadline = Instant::now() + self.genesys_deadline;
        let mut reconciled = Vec::new();
        for pending in due {
            match self.reconcile_one(&pending, deadline).await {
                Ok(Some(hash)) => reconciled.push(hash),
                Ok(None) => {}
                Err(e) => {
                    // Genesys failed one lookup: the others would wait for the same deadline.
                    tracing::warn!(error = %e, "pending create not reconciled; kept for the next request");
                    break;
                }
            }
        }
        reconciled
    }

    /// Looks one pending create up and ends what it made; cleared once something was ended,
    /// kept when nothing was found yet (see the module docs). Its session hash, unless it does
    /// not open (it is then cleared: no lookup could ever use it).
    async fn reconcile_one(
        &self,
        pending: &PendingCreate,
        deadline: Instant,
    ) -> Result<Option<SessionHash>, GatewayError> {
        let hash = self
            .sealer
            .as_ref()
            .and_then(|s| {
                s.open(&context(&pending.subject_key), &pending.sealed_hash)
                    .ok()
            })
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .and_then(|text| SessionHash::parse(&text));
        let Some(hash) = hash else {
            tracing::warn!("pending create does not open; cleared");
            self.clear(pending).await;
            return Ok(None);
        };
        let key = self.schema.session_hash_key();
        let strategy = self.strategy.as_ref();
        let ended = strategy
            .reconcile(key, hash.as_str(), pending.started_at, deadline)
            .await?;
        if ended == 0 {
            tracing::info!("pending create: no conversation found yet; kept until its ttl");
        } else {
            tracing::info!(ended, "pending create reconciled");
            self.clear(pending).await;
        }
        Ok(Some(hash))
    }

    async fn clear(&self, pending: &PendingCreate) {
        let sessions = self.sessions.as_ref();
        if let Err(e) = sessions
            .clear_pending_create(&pending.subject_key, &pending.id)
            .await
        {
            tracing::warn!(error = %e, "pending create not cleared");
        }
    }

    fn creates_conversations(&self) -> bool {
        self.strategy.kind() == StrategyKind::InitiationApi
    }
}
