//! Rate-limit counters on DynamoDB: the [`WindowCounter`] behind [`crate::ports::RateLimiter`].

use async_trait::async_trait;

use super::codec::n;
use super::store::DynamoStore;
use super::table::{TTL_ATTRIBUTE, conditional};
use crate::adapters::keys::{RateWindow, WindowCounter};
use crate::ports::StoreError;

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
