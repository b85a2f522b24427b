//! The in-memory store: every port of `ports::store` behind one mutex, so each operation is
//! atomic exactly like a DynamoDB conditional write. For tests and the local stack; it forgets
//! everything on restart and is not shared between processes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;

mod idempotency;
mod pending;

use super::keys::{RateWindow, WindowCounter, session_pk};
use crate::payload::GenesysId;
use crate::ports::{
    BindOutcome, Clock, PendingCreate, RotateOutcome, SessionRecord, SessionStatus, SessionStore,
    StoreError,
};
use crate::session::SessionHash;

/// Writes between sweeps of expired items.
const SWEEP_EVERY: u64 = 256;

#[derive(Debug, Clone)]
enum Item {
    Session {
        record: SessionRecord,
        /// The key of the ticket that replaced this one (set by a rotation).
        successor: Option<String>,
    },
    Rate {
        count: u32,
        ttl: i64,
    },
    Idempotency {
        fingerprint: String,
        response: Option<idempotency::Remembered>,
        ttl: i64,
    },
    Pending(pending::Pending),
}

impl Item {
    fn ttl(&self) -> i64 {
        match self {
            Self::Session { record, .. } => record.ttl,
            Self::Rate { ttl, .. } | Self::Idempotency { ttl, .. } => *ttl,
            Self::Pending(held) => held.ttl,
        }
    }
}

#[derive(Debug, Default)]
struct Items {
    map: HashMap<String, Item>,
    writes: u64,
}

impl Items {
    /// The live item at `pk`: one whose `ttl` has passed counts as deleted.
    fn live(&mut self, pk: &str, now: i64) -> Option<&mut Item> {
        if self.map.get(pk).is_some_and(|item| item.ttl() < now) {
            self.map.remove(pk);
        }
        self.map.get_mut(pk)
    }

    fn put(&mut self, pk: String, item: Item, now: i64) {
        self.writes += 1;
        if self.writes.is_multiple_of(SWEEP_EVERY) {
            self.map.retain(|_, item| item.ttl() >= now);
        }
        self.map.insert(pk, item);
    }
}

/// All three store ports in memory. Clones share the data.
#[derive(Debug, Clone)]
pub struct MemoryStore {
    clock: Arc<dyn Clock>,
    items: Arc<Mutex<Items>>,
}

impl MemoryStore {
    /// An empty store; `clock` decides expiry where an operation is not given the time.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self {
            clock,
            items: Arc::default(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Items> {
        // Every critical section leaves the map consistent, so a poisoned lock is still usable.
        self.items.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// How many live session records there are, by status (the local stack shows it, and
    /// tests count sessions server-side).
    pub fn session_counts(&self) -> SessionCounts {
        let now = self.clock.now_secs();
        let items = self.lock();
        let mut counts = SessionCounts::default();
        for item in items.map.values().filter(|item| item.ttl() >= now) {
            if let Item::Session { record, .. } = item {
                counts.sessions += 1;
                match record.status {
                    SessionStatus::Active => counts.active += 1,
                    SessionStatus::Bound => counts.bound += 1,
                    SessionStatus::Revoked => counts.revoked += 1,
                }
            }
        }
        counts
    }
}

/// Live session records by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct SessionCounts {
    /// Live records of any status.
    pub sessions: usize,
    /// Issued, not yet bound.
    pub active: usize,
    /// Bound to a conversation.
    pub bound: usize,
    /// Replaced by a refresh.
    pub revoked: usize,
}

#[async_trait]
impl SessionStore for MemoryStore {
    async fn create_session(&self, record: &SessionRecord) -> Result<(), StoreError> {
        let now = self.clock.now_secs();
        let mut items = self.lock();
        let pk = session_pk(&record.session_hash);
        if items.live(&pk, now).is_some() {
            return Err(StoreError::Conflict);
        }
        items.put(
            pk,
            Item::Session {
                record: record.clone(),
                successor: None,
            },
            now,
        );
        Ok(())
    }

    async fn get_session(
        &self,
        session_hash: &SessionHash,
    ) -> Result<Option<SessionRecord>, StoreError> {
        let now = self.clock.now_secs();
        match self.lock().live(&session_pk(session_hash), now) {
            Some(Item::Session { record, .. }) => Ok(Some(record.clone())),
            Some(_) => Err(StoreError::Corrupt("not a session item".into())),
            None => Ok(None),
        }
    }

    async fn bind_session(
        &self,
        session_hash: &SessionHash,
        conversation_id: &GenesysId,
        now_secs: i64,
    ) -> Result<BindOutcome, StoreError> {
        let mut items = self.lock();
        let (record, successor) = match items.live(&session_pk(session_hash), now_secs) {
            Some(Item::Session { record, successor }) => (record.clone(), successor.clone()),
            Some(_) => return Err(StoreError::Corrupt("not a session item".into())),
            None => return Ok(BindOutcome::Unknown),
        };
        let outcome = match record.status {
            SessionStatus::Revoked => {
                let in_grace = record.grace_until.is_some_and(|g| now_secs <= g)
                    && record.expires_at >= now_secs;
                let successor_active = successor.as_deref().is_some_and(|pk| {
                    matches!(
                        items.live(pk, now_secs),
                        Some(Item::Session { record, .. }) if record.status == SessionStatus::Active
                    )
                });
                if !(in_grace && successor_active) {
                    return Ok(BindOutcome::Revoked);
                }
                if let Some(Item::Session { record, .. }) =
                    successor.as_deref().and_then(|pk| items.live(pk, now_secs))
                {
                    record.status = SessionStatus::Revoked;
                }
                bind(&mut items, session_hash, conversation_id, now_secs)
            }
            SessionStatus::Bound if record.conversation_id.as_ref() == Some(conversation_id) => {
                BindOutcome::Bound(record)
            }
            SessionStatus::Bound => BindOutcome::Replayed,
            SessionStatus::Active if record.expires_at < now_secs => BindOutcome::Expired,
            SessionStatus::Active => bind(&mut items, session_hash, conversation_id, now_secs),
        };
        Ok(outcome)
    }

    async fn rotate_session(
        &self,
        old_hash: &SessionHash,
        subject_key: &str,
        new: &SessionRecord,
        grace_until: i64,
    ) -> Result<RotateOutcome, StoreError> {
        let now = self.clock.now_secs();
        let mut items = self.lock();
        let new_pk = session_pk(&new.session_hash);
        let new_exists = items.live(&new_pk, now).is_some();
        let (old, successor) = match items.live(&session_pk(old_hash), now) {
            Some(Item::Session { record, successor }) if record.subject_key == subject_key => {
                (record, successor)
            }
            Some(Item::Session { .. }) | None => return Ok(RotateOutcome::NotFound),
            Some(_) => return Err(StoreError::Corrupt("not a session item".into())),
        };
        match old.status {
            SessionStatus::Active => {}
            SessionStatus::Bound => return Ok(RotateOutcome::Used),
            SessionStatus::Revoked => return Ok(RotateOutcome::Replaced),
        }
        if new_exists {
            return Err(StoreError::Conflict);
        }
        old.status = SessionStatus::Revoked;
        old.grace_until = Some(grace_until);
        *successor = Some(new_pk.clone());
        items.put(
            new_pk,
            Item::Session {
                record: new.clone(),
                successor: None,
            },
            now,
        );
        Ok(RotateOutcome::Rotated)
    }

    async fn record_conversation(
        &self,
        session_hash: &SessionHash,
        conversation_id: &GenesysId,
    ) -> Result<(), StoreError> {
        let now = self.clock.now_secs();
        match self.lock().live(&session_pk(session_hash), now) {
            Some(Item::Session { record, .. }) => {
                record.initiated_conversation = Some(*conversation_id);
                Ok(())
            }
            Some(_) => Err(StoreError::Corrupt("not a session item".into())),
            None => Err(StoreError::Corrupt("no such session".into())),
        }
    }

    async fn put_pending_create(&self, pending: &PendingCreate) -> Result<(), StoreError> {
        self.put_pending(pending)
    }

    async fn pending_creates(&self, subject_key: &str) -> Result<Vec<PendingCreate>, StoreError> {
        self.read_pending(subject_key)
    }

    async fn clear_pending_create(&self, subject_key: &str, id: &str) -> Result<(), StoreError> {
        self.clear_pending(subject_key, id);
        Ok(())
    }
}

/// Marks the live session at `session_hash` bound to `conversation_id`; the caller checked it.
fn bind(
    items: &mut Items,
    session_hash: &SessionHash,
    conversation_id: &GenesysId,
    now: i64,
) -> BindOutcome {
    match items.live(&session_pk(session_hash), now) {
        Some(Item::Session { record, .. }) => {
            record.status = SessionStatus::Bound;
            record.conversation_id = Some(*conversation_id);
            record.grace_until = None;
            BindOutcome::Bound(record.clone())
        }
        _ => BindOutcome::Unknown,
    }
}

#[async_trait]
impl WindowCounter for MemoryStore {
    async fn count_hit(
        &self,
        window: RateWindow,
        limit: u32,
        now_secs: i64,
    ) -> Result<bool, StoreError> {
        let mut items = self.lock();
        match items.live(&window.pk, now_secs) {
            Some(Item::Rate { count, .. }) if *count >= limit => Ok(false),
            Some(Item::Rate { count, .. }) => {
                *count += 1;
                Ok(true)
            }
            Some(_) => Err(StoreError::Corrupt("not a rate item".into())),
            None => {
                let item = Item::Rate {
                    count: 1,
                    ttl: window.ttl,
                };
                items.put(window.pk, item, now_secs);
                Ok(true)
            }
        }
    }
}
