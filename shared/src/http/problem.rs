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
    /// [`PROBLEM_TYPE_PREFIX`] and the slug: stable, for clients to branch on.
    #[serde(rename = "type")]
    pub type_uri: String,
    /// Short summary of the type.
    pub title: &'static str,
    /// The response's status, repeated in the body as RFC 9457 has it.
    pub status: u16,
    /// Explanation of this occurrence, safe for clients.
    pub detail: String,
    /// One entry per refused field (`422` only); omitted when empty.
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
    /// 403: the site's ownership check says a requested field (named) is not the subject's.
    #[error("not the subject's: {0}")]
    NotOwned(String),
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
    MethodNotAllowed {
        /// The `Allow` header: the methods the route takes.
        allow: &'static str,
    },
    /// 409: the idempotency key was used with another request, or that request still runs.
    #[error("idempotency conflict: {0}")]
    IdempotencyConflict(&'static str),
    /// 413: body over the cap.
    #[error("request body over {limit} bytes")]
    TooLarge {
        /// The configured cap, in bytes.
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
        /// The cause, for the log only.
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

/// Genesys Cloud failures: a timeout (whatever its outcome) is 504, throttling and outages 503
/// (retry later), a refusal 502.
impl From<crate::ports::GatewayError> for ApiError {
    fn from(e: crate::ports::GatewayError) -> Self {
        use crate::ports::GatewayError;
        match e {
            GatewayError::TimedOut { .. } => Self::Timeout { what: "genesys" },
            GatewayError::Throttled { .. } | GatewayError::Unavailable(_) => Self::Unavailable {
                what: "genesys",
                source: Some(Box::new(e)),
            },
            GatewayError::Refused(_) => Self::BadGateway(Box::new(e)),
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
    /// The status: exactly one per variant.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Malformed(_) => StatusCode::BAD_REQUEST,
            Self::InvalidSession | Self::InvalidCredential => StatusCode::UNAUTHORIZED,
            Self::RiskRefused
            | Self::SessionContext(_)
            | Self::NotOwned(_)
            | Self::NotRefreshable(_)
            | Self::OriginNotAllowed => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
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
        self.problem_type().0
    }

    /// Each variant's problem type: its slug and its `title` (a short summary of the type),
    /// side by side.
    fn problem_type(&self) -> (&'static str, &'static str) {
        match self {
            Self::Malformed(_) => ("malformed-request", "Malformed request"),
            Self::InvalidSession => ("invalid-session-token", "Invalid session token"),
            Self::InvalidCredential => ("invalid-credential", "Invalid credential"),
            Self::RiskRefused => ("risk-refused", "Refused"),
            Self::SessionContext(_) => ("session-context-refused", "Session context refused"),
            Self::NotOwned(_) => ("not-owned", "Not the customer's"),
            Self::NotRefreshable(_) => ("session-not-refreshable", "Session not refreshable"),
            Self::OriginNotAllowed => ("origin-not-allowed", "Origin not allowed"),
            Self::NotFound => ("not-found", "Not found"),
            Self::MethodNotAllowed { .. } => ("method-not-allowed", "Method not allowed"),
            Self::IdempotencyConflict(_) => ("idempotency-conflict", "Idempotency conflict"),
            Self::TooLarge { .. } => ("payload-too-large", "Payload too large"),
            Self::UnsupportedMediaType => ("unsupported-media-type", "Unsupported media type"),
            Self::Invalid(_) => ("invalid-fields", "Invalid fields"),
            Self::RateLimited { .. } => ("rate-limited", "Too many requests"),
            Self::BadGateway(_) => ("upstream-error", "Upstream error"),
            Self::Unavailable { .. } => ("service-unavailable", "Service unavailable"),
            Self::Timeout { .. } => ("upstream-timeout", "Upstream timeout"),
            Self::Internal(_) => ("internal-error", "Internal error"),
        }
    }

    /// The problem body: detail only where it is the client's to know.
    pub fn problem(&self) -> Problem {
        Problem {
            type_uri: format!("{PROBLEM_TYPE_PREFIX}{}", self.slug()),
            title: self.problem_type().1,
            status: self.status().as_u16(),
            detail: self.detail(),
            errors: self.field_problems(),
            reason: match self {
                Self::NotRefreshable(why) => Some(why.as_str()),
                Self::NotOwned(_) => Some("not-owned"),
                _ => None,
            },
        }
    }

    /// The problem `detail`: what the client can act on. Upstream and internal failures say
    /// only that they happened; their cause stays in the log.
    fn detail(&self) -> String {
        let fixed = match self {
            Self::Malformed(reason) => return reason.clone(),
            Self::InvalidSession => {
                "the session token is missing, malformed, expired or not signed by the site's identity provider"
            }
            Self::InvalidCredential => "the data action's credential is missing or wrong",
            Self::RiskRefused => "this chat cannot be started now; please contact us another way",
            Self::SessionContext(key) => {
                return format!("the signed-in session does not provide a valid `{key}`");
            }
            Self::NotRefreshable(why) => why.detail(),
            Self::NotOwned(field) => {
                return format!("the signed-in customer does not own this `{field}`");
            }
            Self::OriginNotAllowed => "this origin may not call the API",
            Self::NotFound => "no such route",
            Self::MethodNotAllowed { allow } => return format!("this route accepts {allow}"),
            Self::IdempotencyConflict(why) => why,
            Self::TooLarge { limit } => return format!("the body is over {limit} bytes"),
            Self::UnsupportedMediaType => "send the body as `application/json`",
            Self::Invalid(fields) => return format!("{} field(s) break the schema", fields.len()),
            Self::RateLimited { retry_after } => {
                return format!("retry after {} seconds", retry_after.as_secs().max(1));
            }
            Self::BadGateway(_) => "Genesys Cloud did not accept the request",
            Self::Unavailable { .. } => "a dependency is unavailable; retry shortly",
            Self::Timeout { .. } => {
                "the request did not complete in time; its outcome may be unknown"
            }
            Self::Internal(_) => "an unexpected error occurred",
        };
        fixed.to_owned()
    }

    /// `errors[]`: one entry per refused field.
    fn field_problems(&self) -> Vec<ProblemField> {
        let Self::Invalid(fields) = self else {
            return Vec::new();
        };
        fields
            .iter()
            .map(|f| ProblemField {
                field: f.field.clone(),
                rule: f.rule,
                detail: f.message.clone(),
            })
            .collect()
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
            Self::MethodNotAllowed { allow } => {
                headers.insert(header::ALLOW, HeaderValue::from_static(allow));
            }
            _ => {}
        }
        response
    }
}
