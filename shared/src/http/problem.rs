//! RFC 9457 problem details, and the one place where errors become HTTP responses.

use std::time::Duration;

use http::{HeaderValue, StatusCode, header};
use serde::Serialize;

use crate::request::{FieldError, RequestError};

/// Prefix of every problem `type`: a URN, so it names the problem without promising a web page.
pub const PROBLEM_TYPE_PREFIX: &str = "urn:secure-initiation:problem:";

/// A field-level problem in `errors[]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProblemField {
    /// The request field, as the client spelled it.
    pub field: String,
    /// Machine-readable rule.
    pub rule: &'static str,
    /// Explanation (never the value).
    pub detail: String,
}

/// An `application/problem+json` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Problem type URI.
    #[serde(rename = "type")]
    pub type_uri: String,
    /// Short summary of the type.
    pub title: &'static str,
    /// HTTP status.
    pub status: u16,
    /// Explanation of this occurrence, safe for clients.
    pub detail: String,
    /// Field problems.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField>,
    /// Extension member of `session-not-refreshable`: what the client should do next.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
}

/// Why a ticket cannot be refreshed, as the client needs to know it: the `reason` member of a
/// `session-not-refreshable` problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotRefreshable {
    /// Malformed, unknown or another subject's hash (indistinguishable on purpose): start anew.
    Unknown,
    /// Bound to a conversation: Messenger already sent it; nothing to refresh.
    Used,
    /// Already replaced by another refresh: start anew.
    Replaced,
    /// The chain reached its maximum age or refresh count: stop keeping it fresh.
    ChainEnded,
}

impl NotRefreshable {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unknown => "unknown",
            Self::Used => "used",
            Self::Replaced => "replaced",
            Self::ChainEnded => "chain-ended",
        }
    }

    fn detail(self) -> &'static str {
        match self {
            Self::Unknown => "this session cannot be refreshed; start a new chat",
            Self::Used => "this session was already used by a conversation",
            Self::Replaced => "this session was already replaced; start a new chat",
            Self::ChainEnded => {
                "this session reached its maximum age or number of refreshes; start a new chat"
            }
        }
    }
}

/// Everything a function can answer with besides success. Each variant maps to exactly one
/// status and problem type in [`ApiError::problem`]; clients get 4xx detail or an opaque 5xx.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: not JSON, not an object, BOM, duplicate keys, bad header.
    #[error("malformed request: {0}")]
    Malformed(String),
    /// 401: the session token failed verification (which check stays in the log).
    #[error("invalid session token")]
    InvalidSession,
    /// 401: the data-action credential is missing or wrong.
    #[error("invalid data-action credential")]
    InvalidCredential,
    /// 403: refused by the risk rules.
    #[error("refused by risk rules")]
    RiskRefused,
    /// 403: the session's claims cannot supply a required attribute.
    #[error("session context refused: {0}")]
    SessionContext(String),
    /// 403: the ticket cannot be refreshed (unknown, someone else's, used, replaced, too old).
    #[error("session not refreshable: {}", .0.as_str())]
    NotRefreshable(NotRefreshable),
    /// 403: CORS origin not allowed.
    #[error("origin not allowed")]
    OriginNotAllowed,
    /// 404: no such route.
    #[error("no such route")]
    NotFound,
    /// 405: wrong method on a known route.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// 409: the idempotency key was used with another request, or that request still runs.
    #[error("idempotency conflict: {0}")]
    IdempotencyConflict(&'static str),
    /// 413: body over the cap.
    #[error("request body over {limit} bytes")]
    TooLarge {
        /// The cap.
        limit: usize,
    },
    /// 415: not `application/json`.
    #[error("unsupported content type")]
    UnsupportedMediaType,
    /// 422: fields that break the schema.
    #[error("invalid fields")]
    Invalid(Vec<FieldError>),
    /// 429: over the per-subject rate limit.
    #[error("rate limited")]
    RateLimited {
        /// When to retry.
        retry_after: Duration,
    },
    /// 502: Genesys answered wrongly.
    #[error("genesys cloud error")]
    BadGateway(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// 503: a dependency (store, secrets, JWKS, risk scorer, Genesys) is unavailable.
    #[error("dependency unavailable: {what}")]
    Unavailable {
        /// Which dependency (for the log).
        what: &'static str,
        /// The cause.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// 504: the deadline passed, or a Genesys create's outcome is unknown.
    #[error("deadline exceeded: {what}")]
    Timeout {
        /// What timed out (for the log).
        what: &'static str,
    },
    /// 500: a bug. Never carries detail to the client.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<RequestError> for ApiError {
    fn from(e: RequestError) -> Self {
        match e {
            RequestError::Malformed(reason) => Self::Malformed(reason.to_owned()),
            RequestError::Invalid(fields) => Self::Invalid(fields),
        }
    }
}

impl From<crate::genesys::GenesysError> for ApiError {
    fn from(e: crate::genesys::GenesysError) -> Self {
        match e.gateway_status() {
            504 => Self::Timeout { what: "genesys" },
            503 => Self::Unavailable {
                what: "genesys",
                source: Some(Box::new(e)),
            },
            _ => Self::BadGateway(Box::new(e)),
        }
    }
}

impl From<crate::ports::StoreError> for ApiError {
    fn from(e: crate::ports::StoreError) -> Self {
        Self::Unavailable {
            what: "session store",
            source: Some(Box::new(e)),
        }
    }
}

impl ApiError {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Malformed(_) => StatusCode::BAD_REQUEST,
            Self::InvalidSession | Self::InvalidCredential => StatusCode::UNAUTHORIZED,
            Self::RiskRefused
            | Self::SessionContext(_)
            | Self::NotRefreshable(_)
            | Self::OriginNotAllowed => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::IdempotencyConflict(_) => StatusCode::CONFLICT,
            Self::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::BadGateway(_) => StatusCode::BAD_GATEWAY,
            Self::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::Timeout { .. } => StatusCode::GATEWAY_TIMEOUT,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The problem `type` slug.
    pub fn slug(&self) -> &'static str {
        match self {
            Self::Malformed(_) => "malformed-request",
            Self::InvalidSession => "invalid-session-token",
            Self::InvalidCredential => "invalid-credential",
            Self::RiskRefused => "risk-refused",
            Self::SessionContext(_) => "session-context-refused",
            Self::NotRefreshable(_) => "session-not-refreshable",
            Self::OriginNotAllowed => "origin-not-allowed",
            Self::NotFound => "not-found",
            Self::MethodNotAllowed => "method-not-allowed",
            Self::IdempotencyConflict(_) => "idempotency-conflict",
            Self::TooLarge { .. } => "payload-too-large",
            Self::UnsupportedMediaType => "unsupported-media-type",
            Self::Invalid(_) => "invalid-fields",
            Self::RateLimited { .. } => "rate-limited",
            Self::BadGateway(_) => "upstream-error",
            Self::Unavailable { .. } => "service-unavailable",
            Self::Timeout { .. } => "upstream-timeout",
            Self::Internal(_) => "internal-error",
        }
    }

    /// The problem body: detail only where it is the client's to know.
    pub fn problem(&self) -> Problem {
        let (title, detail, errors) = match self {
            Self::Malformed(reason) => ("Malformed request", reason.clone(), vec![]),
            Self::InvalidSession => (
                "Invalid session token",
                "the session token is missing, malformed, expired or not signed by the site's identity provider".to_owned(),
                vec![],
            ),
            Self::InvalidCredential => (
                "Invalid credential",
                "the data action's credential is missing or wrong".to_owned(),
                vec![],
            ),
            Self::RiskRefused => (
                "Refused",
                "this chat cannot be started now; please contact us another way".to_owned(),
                vec![],
            ),
            Self::SessionContext(key) => (
                "Session context refused",
                format!("the signed-in session does not provide a valid `{key}`"),
                vec![],
            ),
            Self::NotRefreshable(why) => ("Session not refreshable", why.detail().to_owned(), vec![]),
            Self::OriginNotAllowed => ("Origin not allowed", "this origin may not call the API".to_owned(), vec![]),
            Self::NotFound => ("Not found", "no such route".to_owned(), vec![]),
            Self::MethodNotAllowed => ("Method not allowed", "this route does not accept that method".to_owned(), vec![]),
            Self::IdempotencyConflict(why) => ("Idempotency conflict", (*why).to_owned(), vec![]),
            Self::TooLarge { limit } => ("Payload too large", format!("the body is over {limit} bytes"), vec![]),
            Self::UnsupportedMediaType => (
                "Unsupported media type",
                "send the body as `application/json`".to_owned(),
                vec![],
            ),
            Self::Invalid(fields) => (
                "Invalid fields",
                format!("{} field(s) break the schema", fields.len()),
                fields
                    .iter()
                    .map(|f| ProblemField {
                        field: f.field.clone(),
                        rule: f.rule,
                        detail: f.message.clone(),
                    })
                    .collect(),
            ),
            Self::RateLimited { retry_after } => (
                "Too many requests",
                format!("retry after {} seconds", retry_after.as_secs().max(1)),
                vec![],
            ),
            Self::BadGateway(_) => ("Upstream error", "Genesys Cloud did not accept the request".to_owned(), vec![]),
            Self::Unavailable { .. } => (
                "Service unavailable",
                "a dependency is unavailable; retry shortly".to_owned(),
                vec![],
            ),
            Self::Timeout { .. } => (
                "Upstream timeout",
                "the request did not complete in time; its outcome may be unknown".to_owned(),
                vec![],
            ),
            Self::Internal(_) => ("Internal error", "an unexpected error occurred".to_owned(), vec![]),
        };
        Problem {
            type_uri: format!("{PROBLEM_TYPE_PREFIX}{}", self.slug()),
            title,
            status: self.status().as_u16(),
            detail,
            errors,
            reason: match self {
                Self::NotRefreshable(why) => Some(why.as_str()),
                _ => None,
            },
        }
    }

    /// The full response: problem body, content type, `Cache-Control: no-store`, and
    /// `Retry-After` / `WWW-Authenticate` where the status calls for them.
    pub fn into_response(self) -> http::Response<Vec<u8>> {
        let problem = self.problem();
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut response = http::Response::new(body);
        *response.status_mut() = self.status();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        match &self {
            Self::RateLimited { retry_after } => {
                headers.insert(
                    header::RETRY_AFTER,
                    HeaderValue::from(retry_after.as_secs().max(1)),
                );
            }
            Self::Unavailable { .. } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            Self::InvalidSession => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer error=\"invalid_token\""),
                );
            }
            Self::InvalidCredential => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Basic realm=\"validate-session\", charset=\"UTF-8\""),
                );
            }
            _ => {}
        }
        response
    }
}
