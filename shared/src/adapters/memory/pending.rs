//! The in-memory pending creates: one item per subject holding its creates by id, exactly as
//! the DynamoDB adapter keeps them (`adapters::dynamodb::pending`): recording one never touches
//! another, clearing one clears exactly it, at most [`MAX_PENDING_CREATES`] live ones.

use std::collections::BTreeMap;

use super::items::{Item, MemoryStore, Pending};
use crate::adapters::keys::pending_pk;
use crate::ports::{MAX_PENDING_CREATES, PendingCreate, StoreError};

impl MemoryStore {
    pub(super) fn put_pending(&self, pending: &PendingCreate) -> Result<(), StoreError> {
        let now = self.clock.now_secs();
        let pk = pending_pk(&pending.subject_key);
        let mut items = self.lock();
        match items.live(&pk, now) {
            Some(Item::Pending(held)) => {
                held.creates.retain(|_, create| create.ttl >= now);
                if held.creates.len() >= MAX_PENDING_CREATES
                    && !held.creates.contains_key(&pending.id)
                {
                    return Err(StoreError::Full);
                }
                held.creates.insert(pending.id.clone(), pending.clone());
                held.ttl = held.ttl.max(pending.ttl);
                Ok(())
            }
            Some(_) => Err(StoreError::Corrupt("not a pending create".into())),
            None => {
                let held = Pending {
                    creates: BTreeMap::from([(pending.id.clone(), pending.clone())]),
                    ttl: pending.ttl,
                };
                items.put(pk, Item::Pending(held), now);
                Ok(())
            }
        }
    }

    pub(super) fn read_pending(&self, subject_key: &str) -> Result<Vec<PendingCreate>, StoreError> {
        let now = self.clock.now_secs();
        match self.lock().live(&pending_pk(subject_key), now) {
            Some(Item::Pending(held)) => {
                let mut live: Vec<PendingCreate> = held
                    .creates
                    .values()
                    .filter(|create| create.ttl >= now)
                    .cloned()
                    .collect();
                live.sort_by(|a, b| (a.started_at, &a.id).cmp(&(b.started_at, &b.id)));
                Ok(live)
            }
            Some(_) => Err(StoreError::Corrupt("not a pending create".into())),
            None => Ok(Vec::new()),
        }
    }

    pub(super) fn clear_pending(&self, subject_key: &str, id: &str) {
        let now = self.clock.now_secs();
        if let Some(Item::Pending(held)) = self.lock().live(&pending_pk(subject_key), now) {
            held.creates.remove(id);
        }
    }
}
