//! Rate-limit counters (the [`WindowCounter`] behind [`crate::ports::RateLimiter`]) and the
//! [`IdempotencyStore`] on DynamoDB.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;

use super::codec::{corrupt, n, number, s, string};
use super::{DynamoStore, PARTITION_KEY, TTL_ATTRIBUTE, conditional};
use crate::adapters::keys::{RateWindow, WindowCounter, idem_pk};
use crate::ports::{IdempotencyBegin, IdempotencyClaim, IdempotencyStore, StoreError};

const IN_PROGRESS: &str = "in_progress";
const COMPLETED: &str = "completed";

#[async_trait]
impl WindowCounter for DynamoStore {
    #[tracing::instrument(name = "store_rate_hit", skip_all)]
    async fn count_hit(
        &self,
        window: RateWindow,
        limit: u32,
        _now_secs: i64,
    ) -> Result<bool, StoreError> {
        // One atomic increment guarded by the limit: the count never passes `limit`, and of
        // any number of concurrent hits exactly `limit` per window succeed.
        let result = self
            .client
            .update_item()
            .table_name(self.table.as_ref())
            .set_key(Some(Self::key(window.pk)))
            .update_expression("SET #ttl = if_not_exists(#ttl, :ttl) ADD #count :one")
            .condition_expression("attribute_not_exists(#count) OR #count < :limit")
            .expression_attribute_names("#count", "count")
            .expression_attribute_names("#ttl", TTL_ATTRIBUTE)
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":limit", n(limit))
            .expression_attribute_values(":ttl", n(window.ttl))
            .send()
            .await;
        Ok(conditional(result)?.is_some())
    }
}

#[async_trait]
impl IdempotencyStore for DynamoStore {
    #[tracing::instrument(name = "store_idempotency_begin", skip_all)]
    async fn begin(&self, claim: &IdempotencyClaim<'_>) -> Result<IdempotencyBegin, StoreError> {
        let pk = idem_pk(claim.key);
        // Two rounds: if the item we collided with vanishes before we read it, claim again.
        for _ in 0..2 {
            let item = HashMap::from([
                (PARTITION_KEY.to_owned(), s(pk.clone())),
                ("fingerprint".to_owned(), s(claim.fingerprint)),
                ("state".to_owned(), s(IN_PROGRESS)),
                ("created_at".to_owned(), n(claim.now_secs)),
                // The claim lives until the holder's deadline, not the record's whole life.
                (TTL_ATTRIBUTE.to_owned(), n(claim.until)),
            ]);
            let result = self
                .client
                .put_item()
                .table_name(self.table.as_ref())
                .set_item(Some(item))
                .condition_expression("attribute_not_exists(pk) OR #ttl < :now")
                .expression_attribute_names("#ttl", TTL_ATTRIBUTE)
                .expression_attribute_values(":now", n(claim.now_secs))
                .send()
                .await;
            if conditional(result)?.is_some() {
                return Ok(IdempotencyBegin::Started);
            }
            if let Some(stored) = self.get_live(pk.clone(), claim.now_secs).await? {
                return explain_claimed(&stored, claim.fingerprint);
            }
        }
        Ok(IdempotencyBegin::InProgress)
    }

    #[tracing::instrument(name = "store_idempotency_complete", skip_all)]
    async fn complete(
        &self,
        key: &str,
        status: u16,
        sealed_body: &[u8],
        keep_until: i64,
    ) -> Result<(), StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(self.table.as_ref())
            .set_key(Some(Self::key(idem_pk(key))))
            .update_expression(
                "SET #state = :completed, status_code = :status, body = :body, #ttl = :keep",
            )
            .condition_expression("#state = :in_progress AND #ttl >= :now")
            .expression_attribute_names("#state", "state")
            .expression_attribute_names("#ttl", TTL_ATTRIBUTE)
            .expression_attribute_values(":completed", s(COMPLETED))
            .expression_attribute_values(":in_progress", s(IN_PROGRESS))
            .expression_attribute_values(":status", n(status))
            .expression_attribute_values(":body", AttributeValue::B(Blob::new(sealed_body)))
            .expression_attribute_values(":keep", n(keep_until))
            .expression_attribute_values(":now", n(self.clock.now_secs()))
            .send()
            .await;
        conditional(result)?.map(drop).ok_or(StoreError::Conflict)
    }

    #[tracing::instrument(name = "store_idempotency_abandon", skip_all)]
    async fn abandon(&self, key: &str) -> Result<(), StoreError> {
        let result = self
            .client
            .delete_item()
            .table_name(self.table.as_ref())
            .set_key(Some(Self::key(idem_pk(key))))
            .condition_expression("#state = :in_progress")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":in_progress", s(IN_PROGRESS))
            .send()
            .await;
        // Nothing to release when the claim completed or expired meanwhile.
        conditional(result)?;
        Ok(())
    }
}

fn explain_claimed(
    stored: &HashMap<String, AttributeValue>,
    fingerprint: &str,
) -> Result<IdempotencyBegin, StoreError> {
    if string(stored, "fingerprint")? != fingerprint {
        return Ok(IdempotencyBegin::Mismatch);
    }
    match string(stored, "state")? {
        IN_PROGRESS => Ok(IdempotencyBegin::InProgress),
        COMPLETED => {
            let status = u16::try_from(number(stored, "status_code")?)
                .map_err(|_| corrupt("status_code"))?;
            let body = match stored.get("body") {
                Some(AttributeValue::B(blob)) => blob.clone().into_inner(),
                _ => return Err(corrupt("body")),
            };
            Ok(IdempotencyBegin::Completed { status, body })
        }
        _ => Err(corrupt("state")),
    }
}
