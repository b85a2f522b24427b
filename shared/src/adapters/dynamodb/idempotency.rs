//! The [`IdempotencyStore`] on DynamoDB, in two items per key:
//!
//! - `idem#<key>`: the claim, then the completed key (`fingerprint`, `state`, `status_code`,
//!   `body_until`), kept until the key's retention ends: a spent key keeps answering `409`;
//! - `idembody#<key>`: the sealed body alone, whose `ttl` is its ticket's end, so the table's
//!   TTL removes the body with the ticket while the key itself is still remembered.
//!
//! Both are written in one transaction when a claim completes.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem, Update};

use super::codec::{corrupt, n, number, s, string};
use super::store::DynamoStore;
use super::table::{PARTITION_KEY, TTL_ATTRIBUTE, conditional, store_error, unbuilt};
use crate::adapters::keys::{idem_body_pk, idem_pk};
use crate::ports::{
    IdempotencyBegin, IdempotencyClaim, IdempotencyCompletion, IdempotencyStore, StoreError,
};

const IN_PROGRESS: &str = "in_progress";
const COMPLETED: &str = "completed";

type Item = HashMap<String, AttributeValue>;

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
                return self.explain_claimed(claim, &stored).await;
            }
        }
        Ok(IdempotencyBegin::InProgress)
    }

    #[tracing::instrument(name = "store_idempotency_complete", skip_all)]
    async fn complete(&self, completion: &IdempotencyCompletion<'_>) -> Result<(), StoreError> {
        let result = self
            .client
            .transact_write_items()
            .transact_items(self.completed_item(completion)?)
            .transact_items(self.body_item(completion)?)
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err) if cancelled(&err) => Err(StoreError::Conflict),
            Err(err) => Err(store_error(err)),
        }
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

fn cancelled<R>(err: &SdkError<TransactWriteItemsError, R>) -> bool {
    matches!(
        err.as_service_error(),
        Some(TransactWriteItemsError::TransactionCanceledException(_))
    )
}

impl DynamoStore {
    /// What a claim that collided with a live record gets.
    async fn explain_claimed(
        &self,
        claim: &IdempotencyClaim<'_>,
        stored: &Item,
    ) -> Result<IdempotencyBegin, StoreError> {
        if string(stored, "fingerprint")? != claim.fingerprint {
            return Ok(IdempotencyBegin::Mismatch);
        }
        match string(stored, "state")? {
            IN_PROGRESS => Ok(IdempotencyBegin::InProgress),
            COMPLETED => {
                let status = u16::try_from(number(stored, "status_code")?)
                    .map_err(|_| corrupt("status_code"))?;
                if number(stored, "body_until")? < claim.now_secs {
                    return Ok(IdempotencyBegin::Spent);
                }
                let body = self
                    .get_live(idem_body_pk(claim.key), claim.now_secs)
                    .await?;
                match body.as_ref().and_then(|item| item.get("body")) {
                    Some(AttributeValue::B(blob)) => Ok(IdempotencyBegin::Completed {
                        status,
                        body: blob.clone().into_inner(),
                    }),
                    Some(_) => Err(corrupt("body")),
                    None => Ok(IdempotencyBegin::Spent),
                }
            }
            _ => Err(corrupt("state")),
        }
    }

    /// The claim marked completed, remembered until the key's retention ends.
    fn completed_item(
        &self,
        completion: &IdempotencyCompletion<'_>,
    ) -> Result<TransactWriteItem, StoreError> {
        let update = Update::builder()
            .table_name(self.table.as_ref())
            .set_key(Some(Self::key(idem_pk(completion.key))))
            .update_expression(
                "SET #state = :completed, status_code = :status, body_until = :body_until, \
                 #ttl = :spent_until",
            )
            .condition_expression("#state = :in_progress AND #ttl >= :now")
            .expression_attribute_names("#state", "state")
            .expression_attribute_names("#ttl", TTL_ATTRIBUTE)
            .expression_attribute_values(":completed", s(COMPLETED))
            .expression_attribute_values(":in_progress", s(IN_PROGRESS))
            .expression_attribute_values(":status", n(completion.status))
            .expression_attribute_values(":body_until", n(completion.body_until))
            .expression_attribute_values(
                ":spent_until",
                n(completion.spent_until.max(completion.body_until)),
            )
            .expression_attribute_values(":now", n(self.clock.now_secs()))
            .build()
            .map_err(unbuilt)?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// The sealed body, which the table's TTL removes when its ticket ends.
    fn body_item(
        &self,
        completion: &IdempotencyCompletion<'_>,
    ) -> Result<TransactWriteItem, StoreError> {
        let item = HashMap::from([
            (PARTITION_KEY.to_owned(), s(idem_body_pk(completion.key))),
            (
                "body".to_owned(),
                AttributeValue::B(Blob::new(completion.sealed_body)),
            ),
            (TTL_ATTRIBUTE.to_owned(), n(completion.body_until)),
        ]);
        let put = Put::builder()
            .table_name(self.table.as_ref())
            .set_item(Some(item))
            .build()
            .map_err(unbuilt)?;
        Ok(TransactWriteItem::builder().put(put).build())
    }
}
