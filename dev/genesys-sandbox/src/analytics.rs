//! `POST /api/v2/analytics/conversations/details/query`, as far as the project uses it: the
//! conversations whose participants carry a participant attribute, found through a segment
//! filter with a `property` predicate (`propertyType` `string`, operator `matches`). Shapes as
//! the Platform API's SDKs publish them (MyPureCloud/platform-client-sdk-python,
//! `models/segment_detail_query_predicate.py`; MyPureCloud/platform-client-sdk-dotnet,
//! `build/docs/ConversationQuery.md`, `build/docs/AnalyticsConversationQueryResponse.md`):
//! the answer is `{"conversations": [{"conversationId", "conversationStart",
//! "conversationEnd"?, ...}], "totalHits"}`, with neither list nor hits beyond `totalHits: 0`
//! when nothing matched. Other predicate types, and a query without `interval`, are refused as
//! Genesys refuses an invalid query (400 `invalid.value`).

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::api::authorized_json;
use crate::conversation::Conversation;
use crate::errors::{FieldProblem, genesys_error_with};
use crate::state::SandboxState;

/// One `property` predicate: a participant attribute and the value it must match.
#[derive(Debug, PartialEq, Eq)]
struct PropertyMatch {
    property: String,
    value: String,
}

/// The query as far as it is understood: its interval and every `property` predicate.
#[derive(Debug)]
struct Query {
    from: OffsetDateTime,
    to: OffsetDateTime,
    matches: Vec<PropertyMatch>,
}

/// Why a query is refused: the field and the message.
type Refusal = (&'static str, &'static str);

fn refused((field, message): Refusal) -> Response {
    genesys_error_with(
        StatusCode::BAD_REQUEST,
        "invalid.value",
        "The request body is not valid.",
        &[FieldProblem::new(field, message)],
    )
}

fn parse(body: &Value) -> Result<Query, Refusal> {
    let interval = body["interval"].as_str().unwrap_or_default();
    let (from, to) = interval
        .split_once('/')
        .and_then(|(a, b)| {
            Some((
                OffsetDateTime::parse(a, &Rfc3339).ok()?,
                OffsetDateTime::parse(b, &Rfc3339).ok()?,
            ))
        })
        .ok_or(("interval", "an ISO-8601 interval start/end is required"))?;
    let mut matches = Vec::new();
    let filters = body["segmentFilters"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for predicate in filters
        .iter()
        .flat_map(|f| f["predicates"].as_array().cloned().unwrap_or_default())
    {
        if predicate["type"] != "property"
            || predicate["propertyType"] != "string"
            || !matches!(predicate["operator"].as_str(), None | Some("matches"))
        {
            return Err((
                "segmentFilters",
                "the sandbox answers string property predicates with operator matches only",
            ));
        }
        let (Some(property), Some(value)) =
            (predicate["property"].as_str(), predicate["value"].as_str())
        else {
            return Err((
                "segmentFilters",
                "a property predicate needs property and value",
            ));
        };
        matches.push(PropertyMatch {
            property: property.to_owned(),
            value: value.to_owned(),
        });
    }
    Ok(Query { from, to, matches })
}

/// Whether a conversation started in the interval and one of its participants carries every
/// predicate's attribute.
fn selected(conversation: &Conversation, query: &Query) -> bool {
    let started = OffsetDateTime::parse(&conversation.start_time, &Rfc3339).ok();
    let in_interval = started.is_some_and(|t| query.from <= t && t <= query.to);
    in_interval
        && conversation.participants.iter().any(|p| {
            query
                .matches
                .iter()
                .all(|m| p.attributes.get(&m.property) == Some(&m.value))
        })
}

/// `POST /api/v2/analytics/conversations/details/query`.
pub(crate) async fn details_query(
    State(state): State<SandboxState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body = match authorized_json(&state, &headers, &body) {
        Ok(v) => v,
        Err(refusal) => return refusal.into_response(),
    };
    let query = match parse(&body) {
        Ok(query) => query,
        Err(refusal) => return refused(refusal),
    };
    let found: Vec<Value> = state
        .conversations()
        .iter()
        .filter(|c| selected(c, &query))
        .map(|c| {
            let mut v = json!({
                "conversationId": c.id,
                "conversationStart": c.start_time,
                "originatingDirection": "inbound",
            });
            if let Some(end) = &c.end_time {
                v["conversationEnd"] = Value::from(end.as_str());
            }
            v
        })
        .collect();
    let answer = if found.is_empty() {
        json!({"totalHits": 0})
    } else {
        json!({"conversations": found, "totalHits": found.len()})
    };
    (StatusCode::OK, Json(answer)).into_response()
}
