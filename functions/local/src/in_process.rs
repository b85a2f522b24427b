//! The validate-session handler in this process, reached with the request the inbound flow's
//! Call Data Action rendered (method, path, headers, body), as API Gateway would hand it over.

use bytes::Bytes;
use genesys_as_code::data_action::{HttpRequest, HttpResponse, HttpTransport};
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use secure_initiation::api::{Handler as _, ValidateHandler};
use secure_initiation::http::ApiRequest;
use secure_initiation::telemetry::{self, metrics};
use tracing::Instrument as _;

/// The data action's transport for one conversation's run.
pub(crate) struct InProcess<'a> {
    pub(crate) validate: &'a ValidateHandler,
    pub(crate) conversation_id: &'a str,
}

#[async_trait::async_trait]
impl HttpTransport for InProcess<'_> {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, String> {
        let url = url::Url::parse(&request.url)
            .map_err(|_| "the rendered URL does not parse".to_owned())?;
        let mut headers = HeaderMap::new();
        for (name, value) in &request.headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| format!("bad header name `{name}`"))?;
            let value = HeaderValue::from_str(value).map_err(|_| "bad header value".to_owned())?;
            headers.insert(name, value);
        }
        let method =
            Method::from_bytes(request.method.as_bytes()).map_err(|_| "bad method".to_owned())?;
        let function = metrics::Function::ValidateSession;
        let request_id = format!("architect-{}", self.conversation_id);
        // The flow runs on its own (after the first message's echo), so its call gets the span
        // every invocation's lines carry, as the stack's routes give one.
        let cold_start = metrics::cold_start(function);
        let span = tracing::info_span!("request", request_id = %request_id, cold_start);
        let served = self.validate.handle(ApiRequest {
            method,
            path: url.path().to_owned(),
            headers,
            body: Bytes::from(request.body),
            client_ip: None,
            request_id,
            deadline_ms: None,
        });
        let response = telemetry::serve(function, served).instrument(span).await;
        Ok(HttpResponse {
            status: response.status().as_u16(),
            body: response.body().to_vec(),
        })
    }
}
