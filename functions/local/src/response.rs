//! The handlers' framework-free responses as axum's, for every route that serves one.

use axum::body::Body;
use axum::response::Response;
use secure_initiation::http::ApiResponse;

/// `response` as axum sends it.
pub(crate) fn into_axum(response: ApiResponse) -> Response {
    let (parts, body) = response.into_parts();
    Response::from_parts(parts, Body::from(body))
}
