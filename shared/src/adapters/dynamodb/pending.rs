//! Pending creates on DynamoDB: one `pending#<subject_key>` item per subject holding the
//! sealed session hash of a create whose answer is not recorded yet (see `api::pending`).

use std::collections::HashMap;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;

use super::codec::{corrupt, n, number, s, string};
use super::{DynamoStore, PARTITION_KEY, TTL_ATTRIBUTE, conditional, store_error};
use crate::adapters::keys::pending_pk;
use crate::ports::{PendingCreate, StoreError};

const SEALED_HASH: &str = "sealed_hash";

impl DynamoStore {
    pub(super) async fn put_pending(&self, pending: &PendingCreate) -> Result<(), StoreError> {
        let item = HashMap::from([
            (
                PARTITION_KEY.to_owned(),
                s(pending_pk(&pending.subject_key)),
            ),
            ("subject_key".to_owned(), s(pending.subject_key.clone())),
            (
                SEALED_HASH.to_owned(),
                AttributeValue::B(Blob::new(pending.sealed_hash.clone())),
            ),
            ("started_at".to_owned(), n(pending.started_at)),
            (TTL_ATTRIBUTE.to_owned(), n(pending.ttl)),
        ]);
        self.client
            .put_item()
            .table_name(self.table.as_ref())
            .set_item(Some(item))
            .send()
            .await
            .map_err(store_error)?;
        Ok(())
    }

    pub(super) async fn read_pending(
        &self,
        subject_key: &str,
    ) -> Result<Option<PendingCreate>, StoreError> {
        let Some(item) = self
            .get_live(pending_pk(subject_key), self.clock.now_secs())
            .await?
        else {
            return Ok(None);
        };
        let sealed_hash = match item.get(SEALED_HASH) {
            Some(AttributeValue::B(blob)) => blob.clone().into_inner(),
            _ => return Err(corrupt(SEALED_HASH)),
        };
        Ok(Some(PendingCreate {
            subject_key: string(&item, "subject_key")?.to_owned(),
            sealed_hash,
            started_at: number(&item, "started_at")?,
            ttl: number(&item, TTL_ATTRIBUTE)?,
        }))
    }

    pub(super) async fn clear_pending(
        &self,
        subject_key: &str,
        sealed_hash: &[u8],
    ) -> Result<(), StoreError> {
        let result = self
            .client
            .delete_item()
            .table_name(self.table.as_ref())
            .set_key(Some(Self::key(pending_pk(subject_key))))
            .condition_expression("#sealed = :sealed")
            .expression_attribute_names("#sealed", SEALED_HASH)
            .expression_attribute_values(":sealed", AttributeValue::B(Blob::new(sealed_hash)))
            .send()
            .await;
        // Another create of the subject replaced it meanwhile: that one stays.
        conditional(result)?;
        Ok(())
    }
}
