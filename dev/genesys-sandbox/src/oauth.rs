//! `POST /oauth/token`: the OAuth client credentials grant, as Genesys Cloud's login host serves
//! it (HTTP Basic client authentication, form body, bearer tokens with `expires_in`).

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::json;

use crate::errors::oauth_error;
use crate::state::SandboxState;

pub(crate) async fn token(
    State(state): State<SandboxState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some((client_id, client_secret)) = basic_credentials(&headers) else {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client authentication (HTTP Basic) is required",
        );
    };
    if !state.rooms().clients.matches(&client_id, &client_secret) {
        tracing::info!(target: "genesys_sandbox", "token request with unknown client credentials");
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client authentication failed",
        );
    }
    if let Some(refusal) = grant_refusal(&headers, &body) {
        return refusal;
    }
    let issued = state.rooms().clients.issue();
    let mut response = Json(json!({
        "access_token": issued.token,
        "token_type": "bearer",
        "expires_in": issued.expires_in,
    }))
    .into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}

/// Why the body is not a client credentials grant, if it is not one.
fn grant_refusal(headers: &HeaderMap, body: &[u8]) -> Option<Response> {
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Some(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "the body must be application/x-www-form-urlencoded",
        ));
    }
    let grant_types: Vec<String> = url::form_urlencoded::parse(body)
        .filter(|(k, _)| k == "grant_type")
        .map(|(_, v)| v.into_owned())
        .collect();
    match grant_types.as_slice() {
        [g] if g == "client_credentials" => None,
        [] => Some(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "grant_type is required",
        )),
        _ => Some(oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "only client_credentials is supported",
        )),
    }
}

fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}
