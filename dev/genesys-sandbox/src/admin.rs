//! Admin routes under `/_sandbox` (JSON), so a browser demo or another process can read what the
//! sandbox received and steer it: request log, conversations, faults, tokens, credentials, and
//! the two ways a browser starts a conversation (a widget with an initiation token; Messenger
//! with `Database.set` custom attributes).
//! They are never recorded nor faulted.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::errors::{FieldProblem, genesys_error, genesys_error_with, not_found};
use crate::faults::Fault;
use crate::state::{SandboxState, StartCheck};
use crate::validate;

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
        .route("/_sandbox/messenger/start", post(messenger_start))
}

async fn requests(State(state): State<SandboxState>) -> Response {
    Json(state.requests()).into_response()
}

async fn clear_requests(State(state): State<SandboxState>) -> StatusCode {
    state.clear_requests();
    StatusCode::NO_CONTENT
}

async fn stats(State(state): State<SandboxState>) -> Response {
    Json(json!({
        "requests": state.requests().len(),
        "tokenRequests": state.count_token_requests(),
        "createRequests": state.count_create_requests(),
        "conversations": state.conversations().len(),
        "activeTokens": state.active_tokens(),
        "armedFaults": state.faults().len(),
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

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct MessengerStart {
    deployment_id: String,
    custom_attributes: Value,
}

/// What Genesys does when a Messenger user starts a conversation: the custom attributes the
/// page gave `Database.set` become the customer participant's data, where Architect's Get
/// Participant Data reads them. Answers the conversation id and the customer participant's id.
async fn messenger_start(
    State(state): State<SandboxState>,
    Json(start): Json<MessengerStart>,
) -> Response {
    let mut problems = Vec::new();
    if !validate::is_uuid(&start.deployment_id) {
        problems.push(FieldProblem::new("deploymentId", "must be a UUID string"));
    }
    let attributes = validate::custom_attributes(Some(&start.custom_attributes), &mut problems);
    if !problems.is_empty() {
        return genesys_error_with(
            StatusCode::BAD_REQUEST,
            "invalid.value",
            "The request body is not valid.",
            &problems,
        );
    }
    let (conversation_id, participant_id) =
        state.start_messenger_conversation(&start.deployment_id, attributes);
    tracing::info!(target: "genesys_sandbox", %conversation_id, "messenger conversation started");
    Json(json!({
        "conversationId": conversation_id,
        "participantId": participant_id,
    }))
    .into_response()
}
