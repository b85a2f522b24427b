//! The store over one table: its client, and the table as the SAM template creates it.

use std::collections::HashMap;
use std::sync::Arc;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType, TimeToLiveSpecification,
};

use super::codec;
use super::table::{PARTITION_KEY, TTL_ATTRIBUTE, store_error, unbuilt};
use crate::ports::{Clock, StoreError};

/// All three store ports on one DynamoDB table. Cheap to clone; build once per container.
#[derive(Debug, Clone)]
pub struct DynamoStore {
    pub(super) client: Client,
    pub(super) table: Arc<str>,
    pub(super) clock: Arc<dyn Clock>,
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

    pub(super) fn key(pk: String) -> HashMap<String, AttributeValue> {
        HashMap::from([(PARTITION_KEY.to_owned(), AttributeValue::S(pk))])
    }

    /// A strongly consistent read that treats an expired item as absent.
    pub(super) async fn get_live(
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
