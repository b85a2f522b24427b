//! The runtime glue: one way to serve any [`Handler`] under the Lambda runtime.
//!
//! Every function takes the raw JSON event and recognises its shape: an API Gateway HTTP API
//! (payload v2) event always carries `version: "2.0"` and `requestContext` (which the data
//! action's input contract forbids), so it becomes an [`ApiRequest`] for
//! [`Handler::handle`]; anything else is a direct invocation for [`Handler::handle_event`] (the
//! AWS Lambda data action; the browser functions refuse it). One binary per function, one log
//! group and one role for both of validate-session's integrations.
//!
//! Each invocation runs in a span whose fields every JSON log line carries at its top level:
//! Lambda's request id (`function_request_id`), the project's (`request_id`: API Gateway's for
//! HTTP events, so the access log joins; Lambda's otherwise), `cold_start` and the X-Ray trace
//! id (`xray_trace_id`); `function_name` and `function_version` are on every line from the
//! start. When the invocation ends, its metrics are flushed to stdout as Embedded Metric
//! Format lines, one per dimension set.

use std::future::Future;
use std::sync::Arc;

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use aws_lambda_events::encodings::Body as EventBody;
use base64::Engine as _;
use bytes::Bytes;
use lambda_runtime::{Diagnostic, LambdaEvent, service_fn};
use secure_initiation::api::{Function, Handler};
use secure_initiation::config::{self, EnvSource, ProcessEnv};
use secure_initiation::http::{ApiError, ApiRequest, ApiResponse};
use secure_initiation::telemetry::metrics::{self, Emitter};
use secure_initiation::telemetry::{self, logs};
use serde_json::Value;
use tracing::Instrument;

pub use lambda_runtime::Error;

/// What every invocation of a function shares: its metrics recorder.
#[derive(Debug, Clone, Copy)]
pub struct Telemetry {
    metrics: Emitter,
}

/// Installs JSON logging (at `AWS_LAMBDA_LOG_LEVEL` when Lambda sets it, else `LOG_LEVEL`) with
/// the function's name and version on every line, and the metrics recorder
/// (`METRICS_NAMESPACE`, `METRICS_DIMENSIONS`). A value they refuse stops the cold start.
pub fn init_telemetry() -> Result<Telemetry, Error> {
    init_telemetry_with(&ProcessEnv)
}

/// [`init_telemetry`] over another environment.
pub fn init_telemetry_with(env: &(impl EnvSource + ?Sized)) -> Result<Telemetry, Error> {
    let level = config::log_level(env)?;
    let statics = [
        (
            "function_name",
            env.var("AWS_LAMBDA_FUNCTION_NAME").unwrap_or_default(),
        ),
        (
            "function_version",
            env.var("AWS_LAMBDA_FUNCTION_VERSION").unwrap_or_default(),
        ),
    ];
    logs::init_json(level, &statics);
    let settings = config::metrics_settings(env)?;
    let metrics = metrics::install(&settings)?;
    Ok(Telemetry { metrics })
}

impl Telemetry {
    /// Runs one invocation of `function` in its span, then flushes its metrics to stdout.
    pub async fn invocation<F: Future>(
        &self,
        function: Function,
        ids: &Invocation,
        request_id: &str,
        invocation: F,
    ) -> F::Output {
        let cold_start = metrics::cold_start(function.label());
        let span = tracing::info_span!(
            "request",
            function_request_id = %ids.request_id,
            request_id,
            cold_start,
            xray_trace_id = tracing::field::Empty,
        );
        if let Some(trace) = &ids.xray_trace_id {
            span.record("xray_trace_id", trace.as_str());
        }
        let output = telemetry::serve(function.label(), invocation)
            .instrument(span)
            .await;
        self.metrics.flush_to_stdout();
        output
    }
}

/// Logs a cold-start failure and returns it, so the process exits and the next invocation
/// starts a fresh container that tries again.
pub fn init_failed(function: &'static str, e: impl std::fmt::Display) -> Error {
    tracing::error!(function, error = %e, "cold start failed");
    format!("{function}: cold start failed: {e}").into()
}

/// Serves `handler` until the runtime stops.
pub async fn serve(telemetry: Telemetry, handler: impl Handler + 'static) -> Result<(), Error> {
    let handler = Arc::new(handler);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let handler = Arc::clone(&handler);
        async move {
            let ids = Invocation {
                request_id: event.context.request_id.clone(),
                deadline_ms: i64::try_from(event.context.deadline).ok(),
                xray_trace_id: event.context.xray_trace_id.clone(),
            };
            let request_id =
                api_gateway_request_id(&event.payload).unwrap_or_else(|| ids.request_id.clone());
            let function = handler.function();
            let served = handle_event(handler.as_ref(), event.payload, ids.clone());
            telemetry
                .invocation(function, &ids, &request_id, served)
                .await
        }
    }))
    .await
}

/// What the runtime says about one invocation.
#[derive(Debug, Clone, Default)]
pub struct Invocation {
    /// Lambda's request id.
    pub request_id: String,
    /// When Lambda stops the invocation (Unix ms).
    pub deadline_ms: Option<i64>,
    /// The X-Ray trace id (`Root=...;Parent=...;Sampled=...`) when tracing is active.
    pub xray_trace_id: Option<String>,
}

/// API Gateway's request id of an HTTP API (v2) event, if it is one.
pub fn api_gateway_request_id(event: &Value) -> Option<String> {
    if !is_http_event(event) {
        return None;
    }
    event["requestContext"]["requestId"]
        .as_str()
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
}

/// Whether an event is an API Gateway HTTP API (v2) event.
pub fn is_http_event(event: &Value) -> bool {
    event.get("version").and_then(Value::as_str) == Some("2.0")
        && event.get("requestContext").is_some()
}

/// Handles one event of either shape.
pub async fn handle_event(
    handler: &dyn Handler,
    event: Value,
    invocation: Invocation,
) -> Result<Value, Diagnostic> {
    if is_http_event(&event) {
        let response = match serde_json::from_value::<ApiGatewayV2httpRequest>(event) {
            Ok(v2) => match api_request_from_v2(v2, invocation) {
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
    // A direct invocation: an error makes Genesys take the Failure path. Its message is the
    // problem's public detail, never internal detail.
    handler.handle_event(event).await.map_err(|e| {
        let problem = e.problem();
        Diagnostic {
            error_type: problem.type_uri,
            error_message: problem.detail,
        }
    })
}

fn api_request_from_v2(
    event: ApiGatewayV2httpRequest,
    invocation: Invocation,
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
        request_id: event
            .request_context
            .request_id
            .filter(|id| !id.is_empty())
            .unwrap_or(invocation.request_id),
        deadline_ms: invocation.deadline_ms,
    })
}

fn v2_response(response: ApiResponse) -> ApiGatewayV2httpResponse {
    let (parts, body) = response.into_parts();
    let mut response = ApiGatewayV2httpResponse::default();
    response.status_code = i64::from(parts.status.as_u16());
    response.headers = parts.headers;
    response.body = if body.is_empty() {
        None
    } else {
        Some(EventBody::Text(String::from_utf8_lossy(&body).into_owned()))
    };
    response.is_base64_encoded = false;
    response
}
