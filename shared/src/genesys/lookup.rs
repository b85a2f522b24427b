//! Finding conversations by a participant attribute: the Analytics API's conversation detail
//! query, `POST /api/v2/analytics/conversations/details/query`, with one segment filter whose
//! predicate is of type `property` (a participant attribute), `propertyType` `string`,
//! operator `matches`. The shapes are the Platform API's own models, as its SDKs publish them
//! (MyPureCloud/platform-client-sdk-python, `models/segment_detail_query_predicate.py`;
//! MyPureCloud/platform-client-sdk-dotnet, `build/docs/ConversationQuery.md` and
//! `build/docs/AnalyticsConversationQueryResponse.md`): the answer lists
//! `conversations[].conversationId`, with `conversationEnd` once a conversation ended.
//!
//! Analytics indexes a new conversation within seconds, not at once: a lookup right after the
//! create may miss it. The caller looks up when the chain comes back (the next refresh or
//! initiation), by which time the late create is long done.

use reqwest::Method;
use serde::Deserialize;
use serde_json::json;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio::time::Instant;

use super::client::{ApiCall, GenesysClient};
use super::error::GenesysError;
use super::transport::Repeat;
use super::wire::parse;
use crate::payload::GenesysId;
use crate::telemetry::metrics::Operation;

/// How far before `since_secs` the query's interval starts, and after now it ends: clocks
/// differ, and Analytics counts a conversation from the day it started.
const INTERVAL_SLACK_SECS: i64 = 300;

/// `AnalyticsConversationQueryResponse`, the fields read.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct QueryResponse {
    #[serde(default)]
    conversations: Vec<Found>,
}

/// `AnalyticsConversationWithoutAttributes`, the fields read.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Found {
    conversation_id: String,
    conversation_end: Option<String>,
}

/// The query's `interval`: `since - slack` to `now + slack`, ISO-8601.
fn interval(since_secs: i64, now_secs: i64) -> Result<String, GenesysError> {
    let at = |secs: i64| {
        OffsetDateTime::from_unix_timestamp(secs)
            .ok()
            .and_then(|t| t.format(&Rfc3339).ok())
            .ok_or_else(|| GenesysError::Malformed("lookup interval out of range".to_owned()))
    };
    Ok(format!(
        "{}/{}",
        at(since_secs - INTERVAL_SLACK_SECS)?,
        at(now_secs.max(since_secs) + INTERVAL_SLACK_SECS)?
    ))
}

impl GenesysClient {
    /// The conversations started since `since_secs` that carry participant attribute
    /// `attribute = value` and have not ended. A query: retried like a read.
    #[tracing::instrument(name = "genesys.find_conversations", skip_all)]
    pub async fn find_conversations(
        &self,
        attribute: &str,
        value: &str,
        since_secs: i64,
        deadline: Instant,
    ) -> Result<Vec<GenesysId>, GenesysError> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let query = json!({
            "interval": interval(since_secs, now)?,
            "order": "asc",
            "orderBy": "conversationStart",
            "segmentFilters": [{
                "type": "and",
                "predicates": [{
                    "type": "property",
                    "propertyType": "string",
                    "property": attribute,
                    "operator": "matches",
                    "value": value,
                }],
            }],
            "paging": {"pageSize": 25, "pageNumber": 1},
        });
        let json = serde_json::to_vec(&query)
            .map_err(|_| GenesysError::Malformed("lookup query".to_owned()))?;
        let call = ApiCall {
            operation: Operation::FindConversations,
            method: Method::POST,
            url: self
                .endpoints()
                .api_route("api/v2/analytics/conversations/details/query", &[]),
            json: &json,
            repeat: Repeat::Safe,
        };
        let answer = self.execute(&call, deadline).await?;
        let found: QueryResponse = parse("conversation detail query", &answer)?;
        let live: Vec<GenesysId> = found
            .conversations
            .iter()
            .filter(|c| c.conversation_end.is_none())
            .filter_map(|c| GenesysId::parse(c.conversation_id.trim(), "conversationId").ok())
            .collect();
        tracing::info!(found = live.len(), "genesys cloud conversations looked up");
        Ok(live)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interval_spans_the_create_with_slack_on_both_sides() {
        assert_eq!(
            interval(1_700_000_000, 1_700_000_060).ok().as_deref(),
            Some("2023-11-14T22:08:20Z/2023-11-14T22:19:20Z")
        );
    }
}
