//! CORS for the browser-facing routes: an allow-list of exact origins, preflight answered,
//! never `*` (the browser sends an `Authorization` header, which a wildcard does not cover).

use http::{HeaderMap, HeaderValue, Method, header};

use super::problem::ApiError;

/// Origins allowed to call the browser-facing routes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Cors {
    origins: Vec<String>,
}

/// Headers the browser may send.
pub const ALLOWED_HEADERS: &str = "authorization, content-type, idempotency-key";
/// Methods the browser-facing routes accept.
pub const ALLOWED_METHODS: &str = "POST, OPTIONS";
/// How long a browser may cache a preflight answer (seconds).
pub const MAX_AGE_SECS: &str = "600";

impl Cors {
    /// Exact origins (`https://shop.example.com`); `*` is refused by the config loader.
    pub fn new(origins: Vec<String>) -> Self {
        Self { origins }
    }

    /// The allowed origins.
    pub fn origins(&self) -> &[String] {
        &self.origins
    }

    fn allowed<'a>(&self, headers: &'a HeaderMap) -> Result<Option<&'a HeaderValue>, ApiError> {
        match headers.get(header::ORIGIN) {
            None => Ok(None),
            Some(origin)
                if self
                    .origins
                    .iter()
                    .any(|o| o.as_bytes() == origin.as_bytes()) =>
            {
                Ok(Some(origin))
            }
            Some(_) => Err(ApiError::OriginNotAllowed),
        }
    }

    /// Refuses a request from an origin not on the list (requests without `Origin` — servers,
    /// curl — are not CORS requests and pass).
    pub fn check(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        self.allowed(headers).map(|_| ())
    }

    /// Answers a preflight `OPTIONS`.
    pub fn preflight(&self, headers: &HeaderMap) -> http::Response<Vec<u8>> {
        let mut response = http::Response::new(Vec::new());
        *response.status_mut() = http::StatusCode::NO_CONTENT;
        match self.allowed(headers) {
            Ok(Some(origin)) => {
                let h = response.headers_mut();
                h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
                h.insert(
                    header::ACCESS_CONTROL_ALLOW_METHODS,
                    HeaderValue::from_static(ALLOWED_METHODS),
                );
                h.insert(
                    header::ACCESS_CONTROL_ALLOW_HEADERS,
                    HeaderValue::from_static(ALLOWED_HEADERS),
                );
                h.insert(
                    header::ACCESS_CONTROL_MAX_AGE,
                    HeaderValue::from_static(MAX_AGE_SECS),
                );
                h.insert(header::VARY, HeaderValue::from_static("Origin"));
                h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            }
            Ok(None) => {
                response
                    .headers_mut()
                    .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            }
            Err(e) => return e.into_response(),
        }
        response
    }

    /// Adds the CORS headers to an actual response.
    pub fn decorate(&self, request_headers: &HeaderMap, response: &mut http::Response<Vec<u8>>) {
        if let Ok(Some(origin)) = self.allowed(request_headers) {
            let h = response.headers_mut();
            h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
            h.insert(
                header::ACCESS_CONTROL_EXPOSE_HEADERS,
                HeaderValue::from_static("retry-after"),
            );
            h.append(header::VARY, HeaderValue::from_static("Origin"));
        }
    }

    /// Whether a request is answered by [`Cors::preflight`]: every `OPTIONS` is. A plain
    /// `OPTIONS` (no `Access-Control-Request-Method`) is not a CORS preflight, but the route
    /// does allow the method, so it gets the same `204` (or `403` for a foreign origin) rather
    /// than a `405` that would contradict the API document.
    pub fn is_preflight(method: &Method, _headers: &HeaderMap) -> bool {
        method == Method::OPTIONS
    }
}
