//! The request every entry point hands the handlers and the response they return, with the
//! checks and constructors every handler uses.

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use serde::Serialize;

use super::problem::ApiError;

/// Default cap on request bodies (bytes). The largest legitimate body is a few hundred bytes.
pub const DEFAULT_MAX_BODY_BYTES: usize = 16 * 1024;

/// A request as every entry point hands it to the handlers.
#[derive(Debug, Clone)]
pub struct ApiRequest {
    /// As the client sent it (a CORS preflight is `OPTIONS`).
    pub method: Method,
    /// Path without query string (`/v1/initiations`).
    pub path: String,
    /// As the client sent them; names compare case-insensitively.
    pub headers: HeaderMap,
    /// Unparsed: the edge checks its content type and size before anything reads it.
    pub body: Bytes,
    /// The caller's IP as the edge saw it (API Gateway `requestContext.http.sourceIp`), never
    /// from a header the client controls.
    pub client_ip: Option<String>,
    /// The platform request id, for log correlation.
    pub request_id: String,
    /// When the invocation must have answered (Unix milliseconds): the Lambda deadline, or the
    /// local stack's request budget. Work that outlives the request (an idempotency claim)
    /// expires then.
    pub deadline_ms: Option<i64>,
}

/// A response body and headers, ready for any entry point.
pub type ApiResponse = http::Response<Vec<u8>>;

impl ApiRequest {
    /// A header as UTF-8, if present and valid.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Checks `Content-Type: application/json` (parameters such as `charset=utf-8` allowed).
    pub fn require_json(&self) -> Result<(), ApiError> {
        let ok = self
            .header(header::CONTENT_TYPE.as_str())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
        if ok {
            Ok(())
        } else {
            Err(ApiError::UnsupportedMediaType)
        }
    }

    /// Refuses bodies over `limit` bytes.
    pub fn require_size(&self, limit: usize) -> Result<(), ApiError> {
        if self.body.len() > limit {
            Err(ApiError::TooLarge { limit })
        } else {
            Ok(())
        }
    }

    /// The bearer token of `Authorization: Bearer ..`.
    pub fn bearer(&self) -> Result<&str, ApiError> {
        let value = self
            .header(header::AUTHORIZATION.as_str())
            .ok_or(ApiError::InvalidSession)?;
        let (scheme, token) = value.split_once(' ').ok_or(ApiError::InvalidSession)?;
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(ApiError::InvalidSession);
        }
        let token = token.trim();
        if token.is_empty() {
            Err(ApiError::InvalidSession)
        } else {
            Ok(token)
        }
    }

    /// The raw `user:pass` of `Authorization: Basic ..` (decoded), if well formed.
    pub fn basic_credential(&self) -> Option<Vec<u8>> {
        use base64::Engine as _;
        let value = self.header(header::AUTHORIZATION.as_str())?;
        let (scheme, encoded) = value.split_once(' ')?;
        if !scheme.eq_ignore_ascii_case("basic") {
            return None;
        }
        base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .ok()
    }
}

/// A JSON response with `Cache-Control: no-store`.
pub fn json_response<T: Serialize>(status: StatusCode, body: &T) -> ApiResponse {
    bytes_response(status, serde_json::to_vec(body).unwrap_or_default())
}

/// A pre-serialised JSON response with `Cache-Control: no-store`.
pub fn bytes_response(status: StatusCode, body: Vec<u8>) -> ApiResponse {
    let mut response = http::Response::new(body);
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
