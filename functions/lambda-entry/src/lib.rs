//! The Lambda side of the functions, so each function crate is only wiring.
//!
//! - Browser-facing functions run under `lambda_http` ([`serve_http`]): API Gateway HTTP API
//!   (payload v2) events become [`ApiRequest`]s, with the caller's IP from the request context.
//! - validate-session runs under `lambda_runtime` with the raw event ([`serve_validate`]),
//!   because it has two callers: API Gateway (the Web Services data action) and Genesys
//!   invoking the function directly (the AWS Lambda data action), whose event is the bare
//!   input object. One binary recognises both shapes: an API Gateway v2 event always carries
//!   `version: "2.0"` and `requestContext`, which the data action's input contract forbids. One
//!   function means one deployment, one log group and one IAM role for both integrations.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;

use base64::Engine as _;
use bytes::Bytes;
use lambda_http::aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use lambda_http::aws_lambda_events::encodings::Body as EventBody;
use lambda_http::request::RequestContext;
use lambda_http::{RequestExt, service_fn};
use lambda_runtime::{Diagnostic, LambdaEvent};
use secure_initiation::api::ValidateHandler;
use secure_initiation::http::{ApiError, ApiRequest, ApiResponse};
use serde_json::Value;
use tracing::Instrument;

pub use lambda_http::Error;

/// Installs JSON logging at `LOG_LEVEL` (an unknown level stops the cold start).
pub fn init_telemetry() -> Result<(), Error> {
    let level = secure_initiation::config::log_level(&secure_initiation::config::ProcessEnv)?;
    secure_initiation::telemetry::init(level, secure_initiation::telemetry::LogFormat::Json);
    Ok(())
}

/// Logs a cold-start failure and returns it, so the process exits and the next invocation
/// starts a fresh container that tries again.
pub fn init_failed(function: &'static str, e: impl std::fmt::Display) -> Error {
    tracing::error!(function, error = %e, "cold start failed");
    format!("{function}: cold start failed: {e}").into()
}

/// Converts a `lambda_http` request.
pub fn to_api_request(req: lambda_http::Request) -> ApiRequest {
    let client_ip = match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.http.source_ip.clone(),
        _ => None,
    };
    let request_id = req
        .lambda_context_ref()
        .map(|c| c.request_id.clone())
        .unwrap_or_default();
    let (parts, body) = req.into_parts();
    let body = match body {
        EventBody::Empty => Bytes::new(),
        EventBody::Text(t) => Bytes::from(t),
        EventBody::Binary(b) => Bytes::from(b),
        _ => Bytes::new(),
    };
    ApiRequest {
        method: parts.method,
        path: parts.uri.path().to_owned(),
        headers: parts.headers,
        body,
        client_ip,
        request_id,
    }
}

fn to_lambda_response(response: ApiResponse) -> http::Response<EventBody> {
    let (parts, body) = response.into_parts();
    let body = match String::from_utf8(body) {
        Ok(text) if text.is_empty() => EventBody::Empty,
        Ok(text) => EventBody::Text(text),
        Err(e) => EventBody::Binary(e.into_bytes()),
    };
    http::Response::from_parts(parts, body)
}

/// Runs a browser-facing handler under `lambda_http`.
pub async fn serve_http<H, Fut>(handler: H) -> Result<(), Error>
where
    H: Fn(ApiRequest) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ApiResponse> + Send,
{
    let handler = Arc::new(handler);
    lambda_http::run(service_fn(move |req: lambda_http::Request| {
        let handler = handler.clone();
        async move {
            let api = to_api_request(req);
            let span = tracing::info_span!("request", request_id = %api.request_id);
            Ok::<_, Infallible>(to_lambda_response(handler(api).instrument(span).await))
        }
    }))
    .await
}

/// Whether an event is an API Gateway HTTP API (v2) event.
pub fn is_http_event(event: &Value) -> bool {
    event.get("version").and_then(Value::as_str) == Some("2.0")
        && event.get("requestContext").is_some()
}

fn api_request_from_v2(
    event: ApiGatewayV2httpRequest,
    request_id: String,
) -> Result<ApiRequest, ApiError> {
    let method = http::Method::from_bytes(event.request_context.http.method.as_str().as_bytes())
        .map_err(|_| ApiError::Malformed("unknown method".to_owned()))?;
    let body = match (event.body, event.is_base64_encoded) {
        (None, _) => Bytes::new(),
        (Some(text), false) => Bytes::from(text),
        (Some(encoded), true) => Bytes::from(
            base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .map_err(|_| ApiError::Malformed("body is not valid base64".to_owned()))?,
        ),
    };
    Ok(ApiRequest {
        method,
        path: event.raw_path.unwrap_or_default(),
        headers: event.headers,
        body,
        client_ip: event.request_context.http.source_ip,
        request_id,
    })
}

fn v2_response(response: ApiResponse) -> ApiGatewayV2httpResponse {
    let (parts, body) = response.into_parts();
    let mut response = ApiGatewayV2httpResponse::default();
    response.status_code = i64::from(parts.status.as_u16());
    response.headers = parts.headers;
    response.body = Some(EventBody::Text(String::from_utf8_lossy(&body).into_owned()));
    response.is_base64_encoded = false;
    response
}

/// Handles one validate-session event of either shape.
pub async fn handle_validate_event(
    handler: &ValidateHandler,
    event: Value,
    request_id: String,
) -> Result<Value, Diagnostic> {
    if is_http_event(&event) {
        let response = match serde_json::from_value::<ApiGatewayV2httpRequest>(event) {
            Ok(v2) => match api_request_from_v2(v2, request_id) {
                Ok(api) => handler.handle(api).await,
                Err(e) => e.into_response(),
            },
            Err(_) => {
                ApiError::Malformed("unreadable API Gateway event".to_owned()).into_response()
            }
        };
        return serde_json::to_value(v2_response(response)).map_err(|e| Diagnostic {
            error_type: "internal-error".to_owned(),
            error_message: e.to_string(),
        });
    }
    // The AWS Lambda data action: an error makes Genesys take the Failure path. Its message is
    // the problem's public detail, never internal detail.
    handler.handle_event(event).await.map_err(|e| {
        let problem = e.problem();
        Diagnostic {
            error_type: problem.type_uri,
            error_message: problem.detail,
        }
    })
}

/// Runs validate-session under `lambda_runtime`, accepting both event shapes.
pub async fn serve_validate(handler: ValidateHandler) -> Result<(), Error> {
    let handler = Arc::new(handler);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let handler = handler.clone();
        async move {
            let request_id = event.context.request_id.clone();
            let span = tracing::info_span!("request", request_id = %request_id);
            handle_validate_event(&handler, event.payload, request_id)
                .instrument(span)
                .await
        }
    }))
    .await
}
