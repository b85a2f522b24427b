//! Routes of the local stack. The function routes convert axum requests into the handlers'
//! framework-free [`ApiRequest`], exactly as the Lambda entry points convert API Gateway events.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{ConnectInfo, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, any, get, post};
use http::StatusCode;
use secure_initiation::api::Handler;
use secure_initiation::http::{ApiError, ApiRequest};
use secure_initiation::ports::Clock as _;
use secure_initiation::telemetry::{self, metrics};
use serde::Deserialize;
use tracing::Instrument;

use crate::response::into_axum;
use crate::wiring::Stack;
use crate::{demo, ownership};

/// Bodies above this are refused before a handler sees them (the handlers cap far lower).
const TRANSPORT_BODY_LIMIT: usize = 2 * 1024 * 1024;

pub(crate) fn router(stack: Arc<Stack>) -> Router {
    let sandbox = genesys_sandbox::platform_router(stack.sandbox.clone());
    // The Guest API at the root: Genesys's SDKs take a custom endpoint as `host:port` and look
    // for `/v1`, the deployment's `config.json` and the history there.
    let guests = genesys_sandbox::guest_router(stack.sandbox.clone());
    let idp = stack.idp.router();
    let initiate: Arc<dyn Handler> = Arc::new(stack.initiate.clone());
    let refresh: Arc<dyn Handler> = Arc::new(stack.refresh.clone());
    let validate: Arc<dyn Handler> = Arc::new(stack.validate.clone());
    Router::new()
        .route("/v1/initiations", function(initiate))
        .route("/v1/initiations/refresh", function(refresh))
        .route("/v1/session-validations", function(validate))
        .route("/dev/clock", post(advance_clock))
        .route("/dev/store", get(store_counts))
        .route("/dev/metrics", get(metric_totals))
        .route("/dev/ownership", post(ownership::check))
        .merge(demo::routes())
        .with_state(stack)
        .nest("/sandbox", sandbox)
        .merge(guests)
        .merge(idp)
        .fallback(not_found)
}

/// A function's route: every method goes to the handler, as API Gateway sends it.
fn function(handler: Arc<dyn Handler>) -> MethodRouter<Arc<Stack>> {
    any(
        move |State(stack): State<Arc<Stack>>,
              ConnectInfo(addr): ConnectInfo<SocketAddr>,
              req: axum::extract::Request| {
            let handler = Arc::clone(&handler);
            async move {
                let deadline_ms = stack.clock.now_ms() + REQUEST_BUDGET_MS;
                let api = match to_api_request(addr, req, deadline_ms).await {
                    Ok(r) => r,
                    Err(resp) => return resp,
                };
                let function = handler.function().label();
                let cold_start = metrics::cold_start(function);
                let span = tracing::info_span!("request", request_id = %api.request_id, cold_start);
                let response = telemetry::serve(function, handler.handle(api))
                    .instrument(span)
                    .await;
                stack.metrics.flush();
                into_axum(response)
            }
        },
    )
}

/// How long the local stack gives a request, like a function's Lambda timeout (15 s).
const REQUEST_BUDGET_MS: i64 = 15_000;

async fn to_api_request(
    addr: SocketAddr,
    req: axum::extract::Request,
    deadline_ms: i64,
) -> Result<ApiRequest, Response> {
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, TRANSPORT_BODY_LIMIT)
        .await
        .map_err(|_| {
            into_axum(
                ApiError::TooLarge {
                    limit: TRANSPORT_BODY_LIMIT,
                }
                .into_response(),
            )
        })?;
    Ok(ApiRequest {
        request_id: request_id(&parts.headers),
        method: parts.method,
        path: parts.uri.path().to_owned(),
        headers: parts.headers,
        body,
        client_ip: Some(addr.ip().to_string()),
        deadline_ms: Some(deadline_ms),
    })
}

/// The caller's `x-request-id` when it is a plain token (letters, digits, `-`, `_`, `.`, at
/// most 64), else one of our own: a client cannot put spaces, quotes or `=` into the log line
/// and forge fields.
fn request_id(headers: &http::HeaderMap) -> String {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        })
        .map_or_else(uuid_like, str::to_owned)
}

fn uuid_like() -> String {
    let mut bytes = [0u8; 16];
    let _ = aws_lc_rs::rand::fill(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `GET /dev/metrics`: the running totals of every metric line the handlers emitted (what
/// CloudWatch would sum), after flushing what is still unflushed.
async fn metric_totals(State(stack): State<Arc<Stack>>) -> Response {
    stack.metrics.flush();
    axum::Json(stack.metrics.to_json()).into_response()
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ClockQuery {
    advance_secs: i64,
}

/// `POST /dev/clock?advanceSecs=N`: moves the handlers' clock forward, to show expiry.
async fn advance_clock(State(stack): State<Arc<Stack>>, Query(q): Query<ClockQuery>) -> Response {
    if !(0..=86_400 * 7).contains(&q.advance_secs) {
        return (
            StatusCode::BAD_REQUEST,
            "advanceSecs must be within 0..=604800",
        )
            .into_response();
    }
    stack.clock.advance_ms(q.advance_secs * 1000);
    axum::Json(serde_json::json!({"offsetSecs": stack.clock.offset_ms() / 1000})).into_response()
}

/// `GET /dev/store`: live session records by status (in-memory store only), so a test or a
/// person can count what the functions created.
async fn store_counts(State(stack): State<Arc<Stack>>) -> Response {
    match &stack.memory {
        Some(store) => axum::Json(store.session_counts()).into_response(),
        None => into_axum(ApiError::NotFound.into_response()),
    }
}

async fn not_found() -> Response {
    into_axum(ApiError::NotFound.into_response())
}
