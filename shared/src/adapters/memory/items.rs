//! The store's items (a session, a rate window, an idempotency key, a subject's pending
//! creates) and the store holding them behind one mutex, expired items swept as it writes.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::ports::{Clock, PendingCreate, SessionRecord, SessionStatus};

/// Writes between sweeps of expired items.
const SWEEP_EVERY: u64 = 256;

#[derive(Debug, Clone)]
pub(super) enum Item {
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
        response: Option<Remembered>,
        ttl: i64,
    },
    Pending(Pending),
}

impl Item {
    pub(super) fn ttl(&self) -> i64 {
        match self {
            Self::Session { record, .. } => record.ttl,
            Self::Rate { ttl, .. } | Self::Idempotency { ttl, .. } => *ttl,
            Self::Pending(held) => held.ttl,
        }
    }
}

#[derive(Debug, Default)]
pub(super) struct Items {
    map: HashMap<String, Item>,
    writes: u64,
}

impl Items {
    /// The live item at `pk`: one whose `ttl` has passed counts as deleted.
    pub(super) fn live(&mut self, pk: &str, now: i64) -> Option<&mut Item> {
        if self.map.get(pk).is_some_and(|item| item.ttl() < now) {
            self.map.remove(pk);
        }
        self.map.get_mut(pk)
    }

    pub(super) fn remove(&mut self, pk: &str) {
        self.map.remove(pk);
    }

    pub(super) fn put(&mut self, pk: String, item: Item, now: i64) {
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
    pub(super) clock: Arc<dyn Clock>,
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

    pub(super) fn lock(&self) -> MutexGuard<'_, Items> {
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

/// A completed key's response: its body until `body_until`, then the status alone.
#[derive(Debug, Clone)]
pub(super) struct Remembered {
    pub(super) status: u16,
    pub(super) body: Option<Vec<u8>>,
    pub(super) body_until: i64,
}

/// A subject's pending creates by id; `ttl` is the latest of theirs.
#[derive(Debug, Clone)]
pub(super) struct Pending {
    pub(super) creates: BTreeMap<String, PendingCreate>,
    pub(super) ttl: i64,
}
