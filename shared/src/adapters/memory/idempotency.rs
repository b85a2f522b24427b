//! The in-memory [`IdempotencyStore`]: a completed key keeps its body until its ticket ends,
//! then only its status, until its retention ends.

use async_trait::async_trait;

use super::items::{Item, MemoryStore, Remembered};
use crate::adapters::keys::idem_pk;
use crate::ports::{
    IdempotencyBegin, IdempotencyClaim, IdempotencyCompletion, IdempotencyStore, StoreError,
};

#[async_trait]
impl IdempotencyStore for MemoryStore {
    async fn begin(&self, claim: &IdempotencyClaim<'_>) -> Result<IdempotencyBegin, StoreError> {
        let pk = idem_pk(claim.key);
        let mut items = self.lock();
        match items.live(&pk, claim.now_secs) {
            Some(Item::Idempotency {
                fingerprint: stored,
                response,
                ..
            }) => Ok(if stored != claim.fingerprint {
                IdempotencyBegin::Mismatch
            } else if let Some(remembered) = response {
                replay(remembered, claim.now_secs)
            } else {
                IdempotencyBegin::InProgress
            }),
            Some(_) => Err(StoreError::Corrupt("not an idempotency item".into())),
            None => {
                let item = Item::Idempotency {
                    fingerprint: claim.fingerprint.to_owned(),
                    response: None,
                    ttl: claim.until,
                };
                items.put(pk, item, claim.now_secs);
                Ok(IdempotencyBegin::Started)
            }
        }
    }

    async fn complete(&self, completion: &IdempotencyCompletion<'_>) -> Result<(), StoreError> {
        let now = self.clock.now_secs();
        match self.lock().live(&idem_pk(completion.key), now) {
            Some(Item::Idempotency { response, ttl, .. }) if response.is_none() => {
                *response = Some(Remembered {
                    status: completion.status,
                    body: Some(completion.sealed_body.to_vec()),
                    body_until: completion.body_until,
                });
                *ttl = completion.spent_until.max(completion.body_until);
                Ok(())
            }
            _ => Err(StoreError::Conflict),
        }
    }

    async fn abandon(&self, key: &str) -> Result<(), StoreError> {
        let now = self.clock.now_secs();
        let pk = idem_pk(key);
        let mut items = self.lock();
        if let Some(Item::Idempotency { response: None, .. }) = items.live(&pk, now) {
            items.remove(&pk);
        }
        Ok(())
    }
}

/// A completed key's answer at `now`: its body while its ticket lives, dropped after.
fn replay(remembered: &mut Remembered, now: i64) -> IdempotencyBegin {
    if now > remembered.body_until {
        remembered.body = None;
    }
    match &remembered.body {
        Some(body) => IdempotencyBegin::Completed {
            status: remembered.status,
            body: body.clone(),
        },
        None => IdempotencyBegin::Spent,
    }
}
