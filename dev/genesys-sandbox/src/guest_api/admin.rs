//! How a test tool finds and steers what guests did: the Platform API's message details
//! (`GET /api/v2/conversations/messages/{messageId}/details`, a `MessageData`; the guest never
//! learns its conversation id, so tools built on the Guest API look it up by a message's id), and
//! the sandbox's admin routes under `/_sandbox` (never recorded nor faulted):
//!
//! | route | what |
//! |---|---|
//! | `GET /_sandbox/messages/{messageId}` | the same `MessageData`, without a token (the demo page) |
//! | `GET /_sandbox/conversations/{id}/flow` | the conversation once its inbound flow's record is on it (waits up to 10 s) |
//! | `GET /_sandbox/messenger/sessions` | every guest session with its messages and events |
//! | `POST /_sandbox/messenger/sessions/{id}/expire` | the session expires now (`SessionExpiredEvent`) |
//! | `GET`/`PUT /_sandbox/messenger/deployment` | the deployment's settings (`MessengerDeployment`) |
//! | `POST /_sandbox/messenger/rate-limit` `{retryAfter, count}` | the next messages get 4029 |

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::authorized;
use crate::errors::{FieldProblem, bad_credentials, genesys_error_with, not_found};
use crate::guests::{MessageRecord, MessengerDeployment};
use crate::state::SandboxState;

/// The longest `GET /_sandbox/conversations/{id}/flow` waits for a flow's record.
const FLOW_WAIT: Duration = Duration::from_secs(10);

/// The Platform API route.
pub(crate) fn platform_routes() -> Router<SandboxState> {
    Router::new().route(
        "/api/v2/conversations/messages/{id}/details",
        get(message_details),
    )
}

/// The admin routes (see the module doc).
pub(crate) fn routes() -> Router<SandboxState> {
    Router::new()
        .route("/_sandbox/messages/{id}", get(message_admin))
        .route("/_sandbox/conversations/{id}/flow", get(flow_record))
        .route("/_sandbox/messenger/sessions", get(sessions))
        .route("/_sandbox/messenger/sessions/{id}/expire", post(expire))
        .route(
            "/_sandbox/messenger/deployment",
            get(deployment).put(set_deployment),
        )
        .route("/_sandbox/messenger/rate-limit", post(rate_limit))
}

/// `MessageData` (the Platform SDK's model of this route; `sdk/check_shapes.py` holds the
/// sandbox to it).
fn message_data(record: &MessageRecord) -> Value {
    json!({
        "id": record.id,
        "timestamp": record.time,
        "direction": record.direction.to_lowercase(),
        "messengerType": "webmessaging",
        "status": if record.direction == "Inbound" { "received" } else { "sent" },
        "conversationId": record.conversation_id,
        "selfUri": format!("/api/v2/conversations/messages/{}/details", record.id),
    })
}

async fn message_details(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if !authorized(&state, &headers) {
        return bad_credentials();
    }
    message_admin(State(state), Path(id)).await
}

async fn message_admin(State(state): State<SandboxState>, Path(id): Path<String>) -> Response {
    match state.rooms().guests.message(&id) {
        Some(record) => Json(message_data(&record)).into_response(),
        None => not_found("message"),
    }
}

async fn flow_record(State(state): State<SandboxState>, Path(id): Path<String>) -> Response {
    match state.wait_for_flow(&id, FLOW_WAIT).await {
        Some(conversation) => Json(conversation).into_response(),
        None => not_found("conversation"),
    }
}

async fn sessions(State(state): State<SandboxState>) -> Response {
    Json(state.messenger_sessions()).into_response()
}

async fn expire(State(state): State<SandboxState>, Path(id): Path<String>) -> Response {
    if state.expire_messenger_session(&id) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        not_found("session")
    }
}

async fn deployment(State(state): State<SandboxState>) -> Response {
    Json(state.messenger_deployment()).into_response()
}

async fn set_deployment(State(state): State<SandboxState>, body: Bytes) -> Response {
    match serde_json::from_slice::<MessengerDeployment>(&body) {
        Ok(deployment) if deployment.max_custom_data_bytes > 0 => {
            state.set_messenger_deployment(deployment);
            Json(deployment).into_response()
        }
        Ok(_) => invalid(FieldProblem::new(
            "maxCustomDataBytes",
            "must be greater than 0",
        )),
        Err(e) => invalid(FieldProblem::new("body", e.to_string())),
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RateLimit {
    #[serde(default = "three")]
    retry_after: u64,
    #[serde(default = "one")]
    count: u32,
}

/// `retryAfter` 3 s: the fixture's value.
fn three() -> u64 {
    3
}

fn one() -> u32 {
    1
}

async fn rate_limit(State(state): State<SandboxState>, body: Bytes) -> Response {
    match serde_json::from_slice::<RateLimit>(&body) {
        Ok(limit) if limit.count > 0 => {
            state.inject_guest_rate_limit(limit.retry_after, limit.count);
            StatusCode::NO_CONTENT.into_response()
        }
        Ok(_) => invalid(FieldProblem::new("count", "must be at least 1")),
        Err(e) => invalid(FieldProblem::new("body", e.to_string())),
    }
}

fn invalid(problem: FieldProblem) -> Response {
    genesys_error_with(
        StatusCode::BAD_REQUEST,
        "invalid.value",
        "The request body is not valid.",
        &[problem],
    )
}
