//! The Platform API routes: the guide's initiation endpoint, `GET` message conversation and
//! `PATCH` participant attributes. Every route wants a valid bearer token first.

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::conversation::{Conversation, Participant, new_conversation};
use crate::errors::{
    FieldProblem, bad_credentials, genesys_error, genesys_error_with, not_found,
    unsupported_media_type,
};
use crate::state::SandboxState;
use crate::validate;

/// `POST /api/v2/webmessaging/widgets/{widgetId}/conversations`.
pub(crate) async fn create_conversation(
    State(state): State<SandboxState>,
    Path(widget_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !authorized(&state, &headers) {
        return bad_credentials();
    }
    if !validate::is_uuid(&widget_id) {
        return not_found("widget");
    }
    let body = match json_body(&headers, &body) {
        Ok(v) => v,
        Err(rejection) => return rejection.into_response(),
    };
    let new = match validate::initiation(&widget_id, &body) {
        Ok(new) => new,
        Err(problems) => return invalid(&problems),
    };
    let conversation = new_conversation(new);
    let conversation_id = conversation.id.clone();
    let token = state.rooms().initiations.issue(&conversation_id);
    state.rooms().conversations.insert(conversation);
    tracing::info!(target: "genesys_sandbox", %conversation_id, "conversation created");
    let mut response = (
        StatusCode::CREATED,
        Json(json!({"conversationId": conversation_id, "token": token})),
    )
        .into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}

/// `GET /api/v2/conversations/messages/{conversationId}`: a `MessageConversation`.
pub(crate) async fn get_conversation(
    State(state): State<SandboxState>,
    Path(conversation_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if !authorized(&state, &headers) {
        return bad_credentials();
    }
    match state.conversation(&conversation_id) {
        Some(conversation) => Json(message_conversation(&conversation)).into_response(),
        None => not_found("conversation"),
    }
}

/// `PATCH /api/v2/conversations/messages/{conversationId}` with `{"state": "disconnected"}`:
/// "Update a conversation by disconnecting all of the participants". Answers the updated
/// `Conversation` (the SDK's model, checked by `sdk/check_shapes.py`). Any other state, or any other field, is refused as Genesys refuses an
/// update it does not support.
pub(crate) async fn patch_conversation(
    State(state): State<SandboxState>,
    Path(conversation_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body = match authorized_json(&state, &headers, &body) {
        Ok(v) => v,
        Err(refusal) => return refusal.into_response(),
    };
    let Some(obj) = body.as_object() else {
        return invalid(&[FieldProblem::new("body", "must be a JSON object")]);
    };
    let mut problems: Vec<FieldProblem> = obj
        .keys()
        .filter(|k| !matches!(k.as_str(), "state" | "id"))
        .map(|k| FieldProblem::new(k.clone(), "cannot be updated on a message conversation"))
        .collect();
    match obj.get("state").and_then(Value::as_str) {
        Some(s) if s.eq_ignore_ascii_case("disconnected") => {}
        Some(_) => problems.push(FieldProblem::new(
            "state",
            "only `disconnected` is supported",
        )),
        None => problems.push(FieldProblem::new("state", "is required")),
    }
    if !problems.is_empty() {
        return invalid(&problems);
    }
    match state.disconnect_conversation(&conversation_id) {
        Some(conversation) => {
            tracing::info!(target: "genesys_sandbox", %conversation_id, "conversation disconnected");
            Json(platform_conversation(&conversation)).into_response()
        }
        None => not_found("conversation"),
    }
}

/// `PATCH /api/v2/conversations/messages/{conversationId}/participants/{participantId}/attributes`
/// with `{"attributes": {string: string}}`; merges and answers `ParticipantAttributes`.
pub(crate) async fn patch_attributes(
    State(state): State<SandboxState>,
    Path((conversation_id, participant_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body = match authorized_json(&state, &headers, &body) {
        Ok(v) => v,
        Err(refusal) => return refusal.into_response(),
    };
    let attributes = match participant_attributes(&body) {
        Ok(a) => a,
        Err(problems) => return invalid(&problems),
    };
    let merged =
        state
            .rooms()
            .conversations
            .merge_attributes(&conversation_id, &participant_id, attributes);
    match merged {
        Ok(merged) => Json(json!({"attributes": merged})).into_response(),
        Err(unknown) => not_found(unknown.as_str()),
    }
}

/// Anything else: Genesys's 404 body.
pub(crate) async fn fallback() -> Response {
    not_found("resource")
}

fn participant_attributes(body: &Value) -> Result<BTreeMap<String, String>, Vec<FieldProblem>> {
    let Some(obj) = body.as_object() else {
        return Err(vec![FieldProblem::new("body", "must be a JSON object")]);
    };
    let mut problems: Vec<FieldProblem> = obj
        .keys()
        .filter(|k| k.as_str() != "attributes")
        .map(|k| FieldProblem::new(k.clone(), "is not a known field"))
        .collect();
    let mut out = BTreeMap::new();
    match obj.get("attributes") {
        Some(Value::Object(map)) => {
            for (k, v) in map {
                match v {
                    Value::String(s) => {
                        out.insert(k.clone(), s.clone());
                    }
                    _ => problems.push(FieldProblem::new(
                        format!("attributes.{k}"),
                        "must be a string",
                    )),
                }
            }
        }
        Some(_) => problems.push(FieldProblem::new(
            "attributes",
            "must be an object of string values",
        )),
        None => problems.push(FieldProblem::new("attributes", "is required")),
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// `MessageConversation` (the Platform API's model for `GET`): the state lives on each
/// participant.
fn message_conversation(c: &Conversation) -> Value {
    let participants: Vec<Value> = c.participants.iter().map(|p| participant(c, p)).collect();
    json!({
        "id": c.id,
        "participants": participants,
        "otherMediaUris": [],
        "recentTransfers": [],
        "selfUri": format!("/api/v2/conversations/messages/{}", c.id),
    })
}

/// `Conversation` (the Platform API's model for the `PATCH` answer): a state for the whole
/// conversation, and each participant's message communication under `messages`.
fn platform_conversation(c: &Conversation) -> Value {
    let participants: Vec<Value> = c
        .participants
        .iter()
        .map(|p| {
            let mut v = json!({
                "id": p.id,
                "name": p.name,
                "startTime": c.start_time,
                "connectedTime": c.start_time,
                "purpose": p.purpose,
                "attributes": p.attributes,
                "messages": [{
                    "id": p.id,
                    "state": c.state.as_str(),
                    "direction": "inbound",
                    "held": false,
                    "type": "webmessaging",
                }],
            });
            if p.purpose != "customer" && !c.queue_id.is_empty() {
                v["queueId"] = json!(c.queue_id);
            }
            v
        })
        .collect();
    json!({
        "id": c.id,
        "startTime": c.start_time,
        "participants": participants,
        "state": c.state.as_str(),
        "recentTransfers": [],
        "selfUri": format!("/api/v2/conversations/{}", c.id),
    })
}

fn participant(c: &Conversation, p: &Participant) -> Value {
    let mut v = json!({
        "id": p.id,
        "name": p.name,
        "startTime": c.start_time,
        "connectedTime": c.start_time,
        "purpose": p.purpose,
        "state": c.state.as_str(),
        "direction": "inbound",
        "held": false,
        "wrapupRequired": false,
        "attributes": p.attributes,
        "type": "webmessaging",
    });
    if p.purpose != "customer" && !c.queue_id.is_empty() {
        v["queue"] = json!({
            "id": c.queue_id,
            "selfUri": format!("/api/v2/routing/queues/{}", c.queue_id),
        });
    }
    v
}

pub(crate) fn authorized(state: &SandboxState, headers: &HeaderMap) -> bool {
    bearer(headers).is_some_and(|t| state.rooms().clients.is_valid(t))
}

/// The `Authorization: Bearer` token, if any.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
}

/// Why a body was not read as JSON.
pub(crate) enum BodyRejection {
    NotJson,
    Malformed,
}

impl IntoResponse for BodyRejection {
    fn into_response(self) -> Response {
        match self {
            Self::NotJson => unsupported_media_type(),
            Self::Malformed => genesys_error(
                StatusCode::BAD_REQUEST,
                "bad.request",
                "The request could not be understood by the server due to malformed syntax.",
            ),
        }
    }
}

/// Why a request's body was not read: no valid bearer token, or not a JSON body.
pub(crate) enum Refused {
    Credentials,
    Body(BodyRejection),
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        match self {
            Self::Credentials => bad_credentials(),
            Self::Body(rejection) => rejection.into_response(),
        }
    }
}

/// The JSON body of a request from an authorized client: `401` without a valid bearer token
/// (checked first, as Genesys does), then the body's refusal.
pub(crate) fn authorized_json(
    state: &SandboxState,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Value, Refused> {
    if !authorized(state, headers) {
        return Err(Refused::Credentials);
    }
    json_body(headers, body).map_err(Refused::Body)
}

pub(crate) fn json_body(headers: &HeaderMap, body: &[u8]) -> Result<Value, BodyRejection> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json"));
    if !is_json {
        return Err(BodyRejection::NotJson);
    }
    serde_json::from_slice(body).map_err(|_| BodyRejection::Malformed)
}

fn invalid(problems: &[FieldProblem]) -> Response {
    genesys_error_with(
        StatusCode::BAD_REQUEST,
        "invalid.value",
        "The request body is not valid.",
        problems,
    )
}
