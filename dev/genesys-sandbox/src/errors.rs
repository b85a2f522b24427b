//! Error bodies as Genesys Cloud sends them: the Platform API's `ErrorBody`
//! (`{message, code, status, contextId, details, errors}`) and, on the token endpoint, the OAuth
//! error object of RFC 6749 §5.2.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use uuid::Uuid;

/// One field problem, reported in `details[]` (`errorCode`, `fieldName`) and `errors[]`.
#[derive(Debug, Clone)]
pub(crate) struct FieldProblem {
    pub(crate) field: String,
    pub(crate) message: String,
}

impl FieldProblem {
    pub(crate) fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// A Platform API error response.
pub(crate) fn genesys_error(status: StatusCode, code: &str, message: &str) -> Response {
    genesys_error_with(status, code, message, &[])
}

/// A Platform API error response listing field problems.
pub(crate) fn genesys_error_with(
    status: StatusCode,
    code: &str,
    message: &str,
    problems: &[FieldProblem],
) -> Response {
    let context_id = Uuid::new_v4().to_string();
    let details: Vec<Value> = problems
        .iter()
        .map(|p| json!({"errorCode": "invalid.value", "fieldName": p.field}))
        .collect();
    let errors: Vec<Value> = problems
        .iter()
        .map(|p| {
            json!({
                "message": format!("{}: {}", p.field, p.message),
                "code": "invalid.value",
                "status": status.as_u16(),
                "contextId": context_id,
                "details": [],
                "errors": [],
            })
        })
        .collect();
    let body = json!({
        "message": message,
        "code": code,
        "status": status.as_u16(),
        "contextId": context_id,
        "details": details,
        "errors": errors,
    });
    (status, Json(body)).into_response()
}

/// 401 for a missing, unknown, revoked or expired bearer token.
pub(crate) fn bad_credentials() -> Response {
    genesys_error(
        StatusCode::UNAUTHORIZED,
        "bad.credentials",
        "Invalid login credentials.",
    )
}

/// 404 for an unknown resource.
pub(crate) fn not_found(what: &str) -> Response {
    genesys_error(
        StatusCode::NOT_FOUND,
        "not.found",
        &format!("The requested {what} was not found."),
    )
}

/// 415 for a body that is not JSON.
pub(crate) fn unsupported_media_type() -> Response {
    genesys_error(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported.media.type",
        "Content-Type must be application/json.",
    )
}

/// An injected status: 429 carries `Retry-After` like every Genesys 429.
pub(crate) fn injected_status(status: StatusCode, retry_after_secs: Option<u64>) -> Response {
    let (code, message) = match status.as_u16() {
        429 => (
            "too.many.requests",
            "Rate limit exceeded the maximum. Retry the request later.".to_owned(),
        ),
        502 => ("bad.gateway", "Bad gateway.".to_owned()),
        503 => (
            "service.unavailable",
            "Service is currently unavailable.".to_owned(),
        ),
        504 => ("gateway.timeout", "Gateway timeout.".to_owned()),
        s => ("injected.fault", format!("Injected fault with status {s}.")),
    };
    let mut response = genesys_error(status, code, &message);
    let retry_after = match (status.as_u16(), retry_after_secs) {
        (_, Some(secs)) => Some(secs),
        (429, None) => Some(1),
        _ => None,
    };
    if let Some(v) = retry_after.and_then(|secs| HeaderValue::from_str(&secs.to_string()).ok()) {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    response
}

/// The token endpoint's OAuth error object.
pub(crate) fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let mut response = (
        status,
        Json(json!({
            "error": error,
            "description": description,
            "error_description": description,
        })),
    )
        .into_response();
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"oauth\""),
        );
    }
    response
}
