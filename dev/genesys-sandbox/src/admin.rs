//! Admin routes under `/_sandbox` (JSON), so a browser demo or another process can read what the
//! sandbox received and steer it: request log, conversations (and ending them the way an agent
//! or a flow does), faults, tokens, credentials, and a widget's start with an initiation token.
//! Messenger's guest sessions have their own admin routes (`guest_api/admin.rs`).
//! They are never recorded nor faulted.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::errors::{FieldProblem, genesys_error, genesys_error_with, not_found};
use crate::faults::Fault;
use crate::rooms::StartCheck;
use crate::state::SandboxState;

pub(crate) fn routes() -> Router<SandboxState> {
    Router::new()
        .route("/_sandbox/requests", get(requests).delete(clear_requests))
        .route("/_sandbox/stats", get(stats))
        .route("/_sandbox/conversations", get(conversations))
        .route("/_sandbox/conversations/{id}", get(conversation))
        .route(
            "/_sandbox/faults",
            get(faults).post(inject).delete(clear_faults),
        )
        .route("/_sandbox/tokens/expire", post(expire_tokens))
        .route("/_sandbox/tokens/revoke", post(revoke_tokens))
        .route("/_sandbox/credentials", put(set_credentials))
        .route("/_sandbox/widget/start", post(widget_start))
        .route("/_sandbox/conversations/{id}/disconnect", post(disconnect))
        .route("/_sandbox/conversations/{id}/messages", post(agent_message))
}

async fn requests(State(state): State<SandboxState>) -> Response {
    Json(state.requests()).into_response()
}

async fn clear_requests(State(state): State<SandboxState>) -> StatusCode {
    state.clear_requests();
    StatusCode::NO_CONTENT
}

async fn stats(State(state): State<SandboxState>) -> Response {
    let rooms = state.rooms();
    Json(json!({
        "requests": rooms.requests.count(|_| true),
        "tokenRequests": state.count_token_requests(),
        "createRequests": state.count_create_requests(),
        "conversations": rooms.conversations.all().len(),
        "activeTokens": rooms.clients.active(),
        "armedFaults": rooms.faults.all().len(),
        "connectedConversations": rooms.conversations.connected().len(),
        "messengerSessions": rooms.guests.sessions().len(),
        "flowRuns": state.count_flow_runs(),
    }))
    .into_response()
}

async fn conversations(State(state): State<SandboxState>) -> Response {
    Json(state.conversations()).into_response()
}

async fn conversation(State(state): State<SandboxState>, Path(id): Path<String>) -> Response {
    match state.conversation(&id) {
        Some(c) => Json(c).into_response(),
        None => not_found("conversation"),
    }
}

async fn faults(State(state): State<SandboxState>) -> Response {
    Json(state.faults()).into_response()
}

async fn inject(State(state): State<SandboxState>, Json(fault): Json<Fault>) -> StatusCode {
    state.inject(fault);
    StatusCode::NO_CONTENT
}

async fn clear_faults(State(state): State<SandboxState>) -> StatusCode {
    state.clear_faults();
    StatusCode::NO_CONTENT
}

async fn expire_tokens(State(state): State<SandboxState>) -> StatusCode {
    state.expire_tokens();
    StatusCode::NO_CONTENT
}

async fn revoke_tokens(State(state): State<SandboxState>) -> StatusCode {
    state.revoke_tokens();
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Credentials {
    client_id: String,
    client_secret: String,
}

async fn set_credentials(
    State(state): State<SandboxState>,
    Json(credentials): Json<Credentials>,
) -> StatusCode {
    state.set_credentials(credentials.client_id, credentials.client_secret);
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct WidgetStart {
    conversation_id: String,
    token: String,
}

/// What Messenger's `startConversation({conversationId, token})` would get.
async fn widget_start(
    State(state): State<SandboxState>,
    Json(start): Json<WidgetStart>,
) -> Response {
    match state.start_widget(&start.conversation_id, &start.token) {
        StartCheck::Started => Json(json!({
            "conversationId": start.conversation_id,
            "state": "started",
        }))
        .into_response(),
        StartCheck::Expired => {
            genesys_error(StatusCode::UNAUTHORIZED, "token.expired", "Token Expired")
        }
        StartCheck::Unknown => genesys_error(
            StatusCode::UNAUTHORIZED,
            "bad.credentials",
            "Invalid login credentials.",
        ),
    }
}

/// An agent or a flow ends the conversation (`SandboxState::disconnect_conversation`); a
/// Messenger guest learns it from its event stream.
async fn disconnect(State(state): State<SandboxState>, Path(id): Path<String>) -> Response {
    match state.disconnect_conversation(&id) {
        Some(c) => Json(c).into_response(),
        None => not_found("conversation"),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AgentMessage {
    text: String,
}

/// An agent writes to a Messenger conversation; its guest receives it on its event stream.
async fn agent_message(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let text = match serde_json::from_slice::<AgentMessage>(&body) {
        Ok(m) if !m.text.trim().is_empty() => m.text,
        _ => {
            return genesys_error_with(
                StatusCode::BAD_REQUEST,
                "invalid.value",
                "The request body is not valid.",
                &[FieldProblem::new("text", "must be a non-empty string")],
            );
        }
    };
    match state.send_agent_message(&id, &text) {
        Some(message) => Json(message).into_response(),
        None => not_found("messenger conversation"),
    }
}
