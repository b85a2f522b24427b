//! The in-memory [`SessionStore`] and rate windows: each operation one critical section.

use async_trait::async_trait;

use super::items::{Item, Items, MemoryStore};
use crate::adapters::keys::{RateWindow, WindowCounter, session_pk};
use crate::payload::GenesysId;
use crate::ports::{
    BindOutcome, PendingCreate, RotateOutcome, SessionRecord, SessionStatus, SessionStore,
    StoreError,
};
use crate::session::SessionHash;

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
