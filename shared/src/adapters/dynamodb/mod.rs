//! The DynamoDB store: sessions, rate-limit counters and idempotency records in ONE table.
//!
//! # Table
//! | attribute | type | meaning |
//! | --- | --- | --- |
//! | `pk` | S, partition key (no sort key) | `session#<sha256(session_hash), base64url>`, `rate#<subject_key>#<window index>`, `idem#<key>`, `idembody#<key>`, `pending#<subject_key>` |
//! | `ttl` | N, the table's TTL attribute | Unix seconds after which the item counts as gone |
//!
//! Billing on demand (`PAY_PER_REQUEST`), TTL enabled on `ttl`; [`DynamoStore::create_table`]
//! creates exactly that and the SAM template mirrors it. Other attributes per item type:
//! - session: `subject_key` S, `attributes` M of S, `chain_started_at`/`created_at`/`expires_at`/
//!   `refresh_count` N, `status` S (`active|bound|revoked`), `conversation_id` S once bound. The
//!   raw session hash is never written: the key is its SHA-256, so a leaked table or backup holds
//!   no value that validates.
//! - rate: `count` N.
//! - pending creates (`pending#<subject_key>`, one item per subject): `subject_key` S and
//!   `creates` M, each entry under its create's id a map of `sealed_hash` B (the session hash
//!   the create carries, sealed), `started_at` N, `in_flight_until_ms` N and `ttl` N; the
//!   item's `ttl` is the latest of its entries' (see `pending`).
//! - idempotency: `fingerprint` S, `state` S (`in_progress|completed`), `created_at` N, and once
//!   completed `status_code` N and `body_until` N; its `ttl` is then the key's retention (a
//!   spent key answers `409` for a day after its ticket ended). The sealed body is a separate
//!   item, `idembody#<key>` with `body` B, whose `ttl` is its ticket's end.
//!
//! # Expiry
//! DynamoDB deletes expired items late (often hours, sometimes days), so every read and every
//! condition treats an item whose `ttl` has passed as absent. The in-memory store does the same.
//!
//! # Errors
//! Throttling (`ProvisionedThroughputExceededException`, `ThrottlingException`,
//! `RequestLimitExceeded`) becomes [`StoreError::Throttled`]; any other failure
//! [`StoreError::Unavailable`]; a failed condition becomes the operation's typed outcome.

mod codec;
mod counters;
mod idempotency;
mod pending;
mod sessions;

use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::Arc;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType, TimeToLiveSpecification,
};

use crate::ports::{Clock, StoreError};

/// The partition key (`session#…`, `rate#…`, `idem#…`); the table has no sort key.
pub const PARTITION_KEY: &str = "pk";
/// The table's TTL attribute: Unix seconds after which an item counts as gone.
pub const TTL_ATTRIBUTE: &str = "ttl";

const THROTTLING_CODES: [&str; 3] = [
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
];

/// All three store ports on one DynamoDB table. Cheap to clone; build once per container.
#[derive(Debug, Clone)]
pub struct DynamoStore {
    client: Client,
    table: Arc<str>,
    clock: Arc<dyn Clock>,
}

impl DynamoStore {
    /// Uses `table` through `client`; `clock` decides expiry where an operation is not given the
    /// time.
    pub fn new(client: Client, table: impl Into<String>, clock: Arc<dyn Clock>) -> Self {
        Self {
            client,
            table: Arc::from(table.into()),
            clock,
        }
    }

    /// Creates the table as described in the module docs and enables TTL on `ttl`; for tests
    /// and local runs (deployed tables come from the SAM template).
    pub async fn create_table(client: &Client, table: &str) -> Result<(), StoreError> {
        let definition = AttributeDefinition::builder()
            .attribute_name(PARTITION_KEY)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .map_err(unbuilt)?;
        let key = KeySchemaElement::builder()
            .attribute_name(PARTITION_KEY)
            .key_type(KeyType::Hash)
            .build()
            .map_err(unbuilt)?;
        client
            .create_table()
            .table_name(table)
            .attribute_definitions(definition)
            .key_schema(key)
            .billing_mode(BillingMode::PayPerRequest)
            .send()
            .await
            .map_err(store_error)?;
        let ttl = TimeToLiveSpecification::builder()
            .attribute_name(TTL_ATTRIBUTE)
            .enabled(true)
            .build()
            .map_err(unbuilt)?;
        client
            .update_time_to_live()
            .table_name(table)
            .time_to_live_specification(ttl)
            .send()
            .await
            .map_err(store_error)?;
        Ok(())
    }

    fn key(pk: String) -> HashMap<String, AttributeValue> {
        HashMap::from([(PARTITION_KEY.to_owned(), AttributeValue::S(pk))])
    }

    /// A strongly consistent read that treats an expired item as absent.
    async fn get_live(
        &self,
        pk: String,
        now: i64,
    ) -> Result<Option<HashMap<String, AttributeValue>>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(self.table.as_ref())
            .set_key(Some(Self::key(pk)))
            .consistent_read(true)
            .send()
            .await
            .map_err(store_error)?;
        Ok(out
            .item
            .filter(|item| codec::number(item, TTL_ATTRIBUTE).is_ok_and(|ttl| ttl >= now)))
    }
}

/// Maps an SDK failure: throttling to [`StoreError::Throttled`], anything else to
/// [`StoreError::Unavailable`]. Conditional writes go through [`conditional`] first.
pub(crate) fn store_error<E, R>(err: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: Debug + Send + Sync + 'static,
{
    let throttled = err
        .code()
        .is_some_and(|code| THROTTLING_CODES.contains(&code));
    tracing::warn!(
        code = err.code().unwrap_or("none"),
        throttled,
        "dynamodb call failed"
    );
    if throttled {
        StoreError::Throttled(Box::new(err))
    } else {
        StoreError::Unavailable(Box::new(err))
    }
}

/// A conditional write's result: its output when it was made, `None` when its condition was
/// false (the operation's typed outcome, for the caller to name), the store's error otherwise.
pub(crate) fn conditional<T, E, R>(
    result: Result<T, SdkError<E, R>>,
) -> Result<Option<T>, StoreError>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: Debug + Send + Sync + 'static,
{
    match result {
        Ok(out) => Ok(Some(out)),
        Err(err) if err.code() == Some("ConditionalCheckFailedException") => Ok(None),
        Err(err) => Err(store_error(err)),
    }
}

/// A request the SDK's builder refused to build (a missing required member: a bug here).
pub(crate) fn unbuilt(e: aws_sdk_dynamodb::error::BuildError) -> StoreError {
    StoreError::Unavailable(Box::new(e))
}
