//! The Messenger routes: what Messenger's script says to Genesys (configure a guest session,
//! send a message or an event, listen for outbound events), the Platform API's guest history
//! route, and the admin routes tests use to read and steer the sessions.
//!
//! Genesys speaks to Messenger over a WebSocket; the sandbox uses one JSON POST per action
//! (same field names: `token`, `deploymentId`, `message.channel.metadata.customAttributes`)
//! and server-sent events for what the server pushes, so a page's fake clock cannot freeze it.
//!
//! | route | Messenger's action |
//! |---|---|
//! | `GET /_sandbox/messenger/deployments/{id}/config` | the deployment configuration (autostart) |
//! | `POST /_sandbox/messenger/sessions` `{deploymentId, token}` | `configureSession` → `SessionResponse` |
//! | `POST /_sandbox/messenger/messages` `{token, message}` | `onMessage` (a `Text`, or an `Event` with `Presence` `Join` (autostart) or `Clear`) |
//! | `POST /_sandbox/messenger/events` `{token}` | the socket's pushes, as `text/event-stream`: first `session` `{conversation}`, then `message` `{conversationId, message}` |
//! | `GET /api/v2/webmessaging/messages` (guest bearer) | the Platform API's history of the session |
//! | `GET /_sandbox/messenger/sessions` | admin: every session with its messages and events |
//! | `GET`/`PUT /_sandbox/messenger/deployment` | admin: `{maxCustomDataBytes, autostart}` |

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures::Stream;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use tokio::sync::broadcast;

use crate::errors::{FieldProblem, bad_credentials, genesys_error, genesys_error_with};
use crate::messenger::{GuestRefusal, Inbound, InboundKind, MessengerDeployment, Push};
use crate::state::SandboxState;
use crate::validate;

/// Longest text message the sandbox takes, in characters (its own limit; Genesys refuses long
/// messages with error 4011).
const MAX_TEXT_CHARS: usize = 4096;

pub(crate) fn routes() -> Router<SandboxState> {
    Router::new()
        .route(
            "/_sandbox/messenger/deployments/{deployment_id}/config",
            get(deployment_config),
        )
        .route(
            "/_sandbox/messenger/sessions",
            get(sessions).post(configure_session),
        )
        .route("/_sandbox/messenger/messages", post(inbound))
        .route("/_sandbox/messenger/events", post(events))
        .route(
            "/_sandbox/messenger/deployment",
            get(deployment).put(set_deployment),
        )
}

/// The Platform API route that lists a guest session's messages (`WebMessagingMessageEntityList`).
pub(crate) fn platform_routes() -> Router<SandboxState> {
    Router::new().route("/api/v2/webmessaging/messages", get(history))
}

async fn deployment_config(
    State(state): State<SandboxState>,
    Path(deployment_id): Path<String>,
) -> Response {
    if !validate::is_uuid(&deployment_id) {
        return invalid(&[FieldProblem::new("deploymentId", "must be a UUID string")]);
    }
    Json(state.messenger_deployment().config(&deployment_id)).into_response()
}

async fn configure_session(State(state): State<SandboxState>, body: Bytes) -> Response {
    let obj = match object(&body, &["deploymentId", "token"]) {
        Ok(obj) => obj,
        Err(bad) => return bad.into_response(),
    };
    let mut problems = Vec::new();
    let deployment_id = uuid_field(&obj, "deploymentId", &mut problems);
    let token = uuid_field(&obj, "token", &mut problems);
    if !problems.is_empty() {
        return invalid(&problems);
    }
    let session = state.configure_guest_session(&token, &deployment_id);
    tracing::debug!(target: "genesys_sandbox", new = session.new_session, "guest session configured");
    // `SessionResponse` of the guest protocol; `conversation` is the sandbox's addition, so the
    // stand-in knows what to restore without a history call.
    Json(json!({
        "connected": true,
        "newSession": session.new_session,
        "readOnly": false,
        "maxCustomDataBytes": session.deployment.max_custom_data_bytes,
        "clearedExistingSession": false,
        "conversation": session.conversation.map(|(id, s)| json!({"id": id, "state": s.as_str()})),
    }))
    .into_response()
}

async fn inbound(State(state): State<SandboxState>, body: Bytes) -> Response {
    let (token, inbound) = match parse_inbound(&body) {
        Ok(parsed) => parsed,
        Err(bad) => return bad.into_response(),
    };
    match state.guest_inbound(&token, inbound) {
        Ok(outcome) => {
            if outcome.started
                && let Some(id) = &outcome.conversation_id
            {
                tracing::info!(target: "genesys_sandbox", conversation_id = %id, "messenger conversation started");
                state.run_inbound_flow(id).await;
            }
            Json(json!({
                "conversationId": outcome.conversation_id,
                "newConversation": outcome.started,
                "message": outcome.message,
            }))
            .into_response()
        }
        Err(refusal) => refused(&refusal),
    }
}

async fn events(State(state): State<SandboxState>, body: Bytes) -> Response {
    let obj = match object(&body, &["token"]) {
        Ok(obj) => obj,
        Err(bad) => return bad.into_response(),
    };
    let mut problems = Vec::new();
    let token = uuid_field(&obj, "token", &mut problems);
    if !problems.is_empty() {
        return invalid(&problems);
    }
    let Some((session_id, receiver)) = state.subscribe_guest(&token) else {
        return refused(&GuestRefusal::UnknownSession);
    };
    // The current state first, so a disconnect between `configureSession` and this
    // subscription is not lost.
    let current = state
        .guest_conversation(&token)
        .map(|(id, s)| json!({"id": id, "state": s.as_str()}));
    let first = Event::default()
        .event("session")
        .json_data(json!({"conversation": current}))
        .unwrap_or_default();
    Sse::new(stream(first, session_id, receiver))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}

fn stream(
    first: Event,
    session_id: String,
    receiver: broadcast::Receiver<Push>,
) -> impl Stream<Item = Result<Event, Infallible>> {
    let pushes = futures::stream::unfold(receiver, move |mut receiver| {
        let session_id = session_id.clone();
        async move {
            loop {
                match receiver.recv().await {
                    Ok(push) if push.session_id == session_id => {
                        let event = Event::default()
                            .event("message")
                            .json_data(json!({
                                "conversationId": push.conversation_id,
                                "message": push.message,
                            }))
                            .unwrap_or_default();
                        return Some((Ok(event), receiver));
                    }
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
        }
    });
    futures::StreamExt::chain(futures::stream::once(async move { Ok(first) }), pushes)
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Page {
    page_size: Option<String>,
    page_number: Option<String>,
}

/// `GET /api/v2/webmessaging/messages`: the guest's own history, with its session token as the
/// bearer (Genesys gives the guest a JWT for this; the sandbox takes the session token).
async fn history(
    State(state): State<SandboxState>,
    headers: HeaderMap,
    Query(page): Query<Page>,
) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim().to_owned());
    let Some(messages) = token.and_then(|t| state.guest_history(&t)) else {
        return bad_credentials();
    };
    let number = |raw: Option<String>, field: &str, default: usize, max: usize| match raw {
        None => Ok(default),
        Some(raw) => raw
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| {
                FieldProblem::new(field, format!("must be a whole number in 1..={max}"))
            }),
    };
    let (size, number) = match (
        number(page.page_size, "pageSize", 25, 100),
        number(page.page_number, "pageNumber", 1, 10_000),
    ) {
        (Ok(s), Ok(n)) => (s, n),
        (a, b) => {
            let problems: Vec<FieldProblem> = [a.err(), b.err()].into_iter().flatten().collect();
            return invalid(&problems);
        }
    };
    let total = messages.len();
    let entities: Vec<_> = messages
        .into_iter()
        .skip(size * (number - 1))
        .take(size)
        .collect();
    Json(json!({
        "entities": entities,
        "pageSize": size,
        "pageNumber": number,
        "total": total,
        "pageCount": total.div_ceil(size),
    }))
    .into_response()
}

async fn sessions(State(state): State<SandboxState>) -> Response {
    Json(state.messenger_sessions()).into_response()
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
        Ok(_) => invalid(&[FieldProblem::new(
            "maxCustomDataBytes",
            "must be greater than 0",
        )]),
        Err(e) => invalid(&[FieldProblem::new("body", e.to_string())]),
    }
}

/// Why a guest request body was refused.
enum BadRequest {
    Malformed,
    Fields(Vec<FieldProblem>),
}

impl IntoResponse for BadRequest {
    fn into_response(self) -> Response {
        match self {
            Self::Malformed => genesys_error(
                StatusCode::BAD_REQUEST,
                "bad.request",
                "The request could not be understood by the server due to malformed syntax.",
            ),
            Self::Fields(problems) => invalid(&problems),
        }
    }
}

/// `{token, message}` of `onMessage`.
fn parse_inbound(body: &[u8]) -> Result<(String, Inbound), BadRequest> {
    let obj = object(body, &["token", "message"])?;
    let mut problems = Vec::new();
    let token = uuid_field(&obj, "token", &mut problems);
    let Some(Value::Object(message)) = obj.get("message") else {
        problems.push(FieldProblem::new("message", "must be an object"));
        return Err(BadRequest::Fields(problems));
    };
    for key in message.keys() {
        if !matches!(key.as_str(), "type" | "text" | "events" | "channel") {
            problems.push(FieldProblem::new(
                format!("message.{key}"),
                "is not a known field",
            ));
        }
    }
    let custom_attributes = channel_attributes(message.get("channel"), &mut problems);
    let kind = match message.get("type").and_then(Value::as_str) {
        Some("Text") => match message.get("text").and_then(Value::as_str) {
            Some(t) if !t.trim().is_empty() && t.chars().count() <= MAX_TEXT_CHARS => {
                Some(InboundKind::Text(t.to_owned()))
            }
            Some(t) if !t.trim().is_empty() => {
                problems.push(FieldProblem::new(
                    "message.text",
                    format!("is longer than {MAX_TEXT_CHARS} characters (error 4011)"),
                ));
                None
            }
            _ => {
                problems.push(FieldProblem::new(
                    "message.text",
                    "must be a non-empty string",
                ));
                None
            }
        },
        Some("Event") => presence(message.get("events"), &mut problems),
        _ => {
            problems.push(FieldProblem::new(
                "message.type",
                "must be `Text` or `Event`",
            ));
            None
        }
    };
    match kind {
        Some(kind) if problems.is_empty() => Ok((
            token,
            Inbound {
                kind,
                custom_attributes,
            },
        )),
        _ => Err(BadRequest::Fields(problems)),
    }
}

/// `events: [{eventType: "Presence", presence: {type: "Join" | "Clear"}}]`.
fn presence(events: Option<&Value>, problems: &mut Vec<FieldProblem>) -> Option<InboundKind> {
    let kind = match events.and_then(Value::as_array).map(Vec::as_slice) {
        Some([event]) if event["eventType"] == "Presence" => {
            match event["presence"]["type"].as_str() {
                Some("Join") => Some(InboundKind::Join),
                Some("Clear") => Some(InboundKind::Clear),
                _ => None,
            }
        }
        _ => None,
    };
    if kind.is_none() {
        problems.push(FieldProblem::new(
            "message.events",
            "must be one `Presence` event of type `Join` or `Clear`",
        ));
    }
    kind
}

/// `channel.metadata.customAttributes`, a flat string map; `None` when absent.
fn channel_attributes(
    channel: Option<&Value>,
    problems: &mut Vec<FieldProblem>,
) -> Option<BTreeMap<String, String>> {
    let value = channel?;
    let attributes = value
        .get("metadata")
        .and_then(|m| m.get("customAttributes"));
    let only = |v: &Value, key: &str| v.as_object().is_some_and(|o| o.keys().all(|k| k == key));
    if !only(value, "metadata")
        || !value
            .get("metadata")
            .is_none_or(|m| only(m, "customAttributes"))
    {
        problems.push(FieldProblem::new(
            "message.channel",
            "may only hold `metadata.customAttributes`",
        ));
        return None;
    }
    attributes?;
    let mut scratch = Vec::new();
    let parsed = validate::custom_attributes(attributes, &mut scratch);
    problems.extend(
        scratch
            .into_iter()
            .map(|p| FieldProblem::new(format!("message.channel.metadata.{}", p.field), p.message)),
    );
    Some(parsed)
}

/// The body as a JSON object with only `allowed` keys.
fn object(body: &[u8], allowed: &[&str]) -> Result<Map<String, Value>, BadRequest> {
    let Ok(Value::Object(obj)) = serde_json::from_slice::<Value>(body) else {
        return Err(BadRequest::Malformed);
    };
    let unknown: Vec<FieldProblem> = obj
        .keys()
        .filter(|k| !allowed.contains(&k.as_str()))
        .map(|k| FieldProblem::new(k.clone(), "is not a known field"))
        .collect();
    if unknown.is_empty() {
        Ok(obj)
    } else {
        Err(BadRequest::Fields(unknown))
    }
}

fn uuid_field(obj: &Map<String, Value>, name: &str, problems: &mut Vec<FieldProblem>) -> String {
    match obj.get(name).and_then(Value::as_str) {
        Some(v) if validate::is_uuid(v) => v.to_owned(),
        _ => {
            problems.push(FieldProblem::new(name, "must be a UUID string"));
            String::new()
        }
    }
}

fn refused(refusal: &GuestRefusal) -> Response {
    match refusal {
        GuestRefusal::UnknownSession => genesys_error(
            StatusCode::NOT_FOUND,
            "session.not.found",
            "No session has this token; configure the session first (error 4007).",
        ),
        GuestRefusal::TooLarge { bytes, limit } => genesys_error(
            StatusCode::BAD_REQUEST,
            "custom.attributes.too.large",
            &format!(
                "Custom attributes of {bytes} bytes exceed the allowed max size of {limit} bytes (error 4013)."
            ),
        ),
    }
}

fn invalid(problems: &[FieldProblem]) -> Response {
    genesys_error_with(
        StatusCode::BAD_REQUEST,
        "invalid.value",
        "The request body is not valid.",
        problems,
    )
}
