//! The HTTP edge of the browser-facing functions, each step in one place and in this order:
//! preflight → origin → method → content type → size → authentication → parse. A handler gets
//! an [`Admitted`] request (a verified session, the subject's keyed hash, a parsed body) or
//! never runs; [`BrowserEdge::respond`] turns its result into the response, logging a failure
//! once with its cause chain and adding the CORS headers.

use std::sync::Arc;

use http::Method;

use super::cors::Cors;
use super::message::{ApiRequest, ApiResponse, DEFAULT_MAX_BODY_BYTES};
use super::problem::ApiError;
use crate::request::RequestError;
use crate::session::{AuthError, SessionKeys, SessionVerifier, VerifiedSession};

/// What a handler receives: who is calling and what they asked, already checked.
#[derive(Debug)]
pub struct Admitted<T> {
    /// The verified session token's claims and subject.
    pub session: VerifiedSession,
    /// The keyed hash of the subject (the raw subject is never logged or stored).
    pub subject_key: String,
    /// The parsed body.
    pub body: T,
}

/// The checks every browser-facing request passes before its handler runs.
#[derive(Debug, Clone)]
pub struct BrowserEdge {
    cors: Cors,
    verifier: Arc<SessionVerifier>,
    keys: Arc<SessionKeys>,
    max_body_bytes: usize,
}

impl BrowserEdge {
    /// With the default body cap ([`DEFAULT_MAX_BODY_BYTES`]).
    pub fn new(cors: Cors, verifier: Arc<SessionVerifier>, keys: Arc<SessionKeys>) -> Self {
        Self {
            cors,
            verifier,
            keys,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }

    /// The session-hash and subject keys (handlers mint hashes with them).
    pub fn keys(&self) -> &Arc<SessionKeys> {
        &self.keys
    }

    /// The answer to a preflight `OPTIONS`, when `req` is one.
    pub fn preflight(&self, req: &ApiRequest) -> Option<ApiResponse> {
        Cors::is_preflight(&req.method, &req.headers).then(|| self.cors.preflight(&req.headers))
    }

    /// Origin, method, content type, size, then the session token, then `parse` on the body.
    pub async fn admit<T>(
        &self,
        req: &ApiRequest,
        parse: impl FnOnce(&[u8]) -> Result<T, RequestError>,
    ) -> Result<Admitted<T>, ApiError> {
        self.cors.check(&req.headers)?;
        if req.method != Method::POST {
            return Err(ApiError::MethodNotAllowed {
                allow: crate::http::cors::ALLOWED_METHODS,
            });
        }
        req.require_json()?;
        req.require_size(self.max_body_bytes)?;
        let session = authenticate(&self.verifier, req.bearer()?).await?;
        let body = parse(&req.body)?;
        let subject_key = self.keys.subject_key(&session.subject);
        tracing::Span::current().record("subject", subject_key.as_str());
        Ok(Admitted {
            session,
            subject_key,
            body,
        })
    }

    /// The response for a handler's result: a failure is logged once and becomes its problem;
    /// an allowed origin gets the CORS headers either way.
    pub fn respond(
        &self,
        route: &'static str,
        req: &ApiRequest,
        result: Result<ApiResponse, ApiError>,
    ) -> ApiResponse {
        let mut response = result.unwrap_or_else(|e| {
            log_error(route, &e);
            e.into_response()
        });
        self.cors.decorate(&req.headers, &mut response);
        response
    }
}

/// Verifies the bearer session token; every failure is the same 401 to the client, the cause
/// goes to the log.
async fn authenticate(
    verifier: &SessionVerifier,
    token: &str,
) -> Result<VerifiedSession, ApiError> {
    match verifier.verify(token).await {
        Ok(session) => Ok(session),
        Err(AuthError::JwksUnavailable(source)) => Err(ApiError::Unavailable {
            what: "identity provider keys",
            source: Some(Box::new(source)),
        }),
        Err(e) => {
            tracing::warn!(reason = %e, "session token refused");
            Err(ApiError::InvalidSession)
        }
    }
}

/// Logs an error once, with its cause chain, at a level matching who is at fault.
pub fn log_error(route: &'static str, e: &ApiError) {
    let mut chain = String::new();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        chain.push_str(": ");
        chain.push_str(&s.to_string());
        source = s.source();
    }
    let status = e.status().as_u16();
    if status >= 500 {
        tracing::error!(route, status, error = %e, cause = %chain, "request failed");
    } else {
        tracing::info!(route, status, error = %e, "request refused");
    }
}
