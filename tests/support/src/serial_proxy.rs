//! A loopback HTTP proxy in front of moto that forwards one request at a time, and can answer
//! chosen DynamoDB operations with injected faults.
//!
//! **Why serialise.** DynamoDB serialises the writes to an item, so of two conditional writes
//! racing on one item at most one sees its condition hold. `moto_server` answers requests on
//! parallel threads and does not lock its DynamoDB backend, so both can pass (the store's
//! concurrency cases failed against it about one run in two: 11 of 10 allowed). Forwarding one
//! request at a time restores the per-item guarantee the adapter relies on without weakening
//! the tests: the adapter's calls (update, then read-back) still interleave freely across tasks.
//!
//! **Faults.** [`SerialProxy::inject`] arms a [`ProxyFault`] for the next N requests of one
//! operation (by its `X-Amz-Target`, e.g. `PutItem`) or of any: DynamoDB's throttling error,
//! a 500, or a dropped connection. Faulted requests never reach moto.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::task::JoinHandle;

/// What an injected fault answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// `400` with `ThrottlingException`, as DynamoDB answers when a partition is over its
    /// capacity (the SDK classifies it as throttling and retries it).
    Throttle,
    /// `400` with `ProvisionedThroughputExceededException`.
    ThroughputExceeded,
    /// `500` with `InternalServerError`.
    InternalError,
    /// The request is read and the response aborted without a status line.
    Drop,
}

/// One armed fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyFault {
    /// What happens.
    pub kind: FaultKind,
    /// Only this operation (the part after the dot of `X-Amz-Target`, e.g. `PutItem`).
    pub operation: Option<String>,
    /// How many requests it applies to.
    pub count: u32,
    /// How many matching requests pass through untouched before it applies.
    pub skip: u32,
}

impl ProxyFault {
    /// Every request of every operation, until cleared.
    pub fn always(kind: FaultKind) -> Self {
        Self {
            kind,
            operation: None,
            count: u32::MAX,
            skip: 0,
        }
    }

    /// Only requests of `operation` (e.g. `PutItem`, `UpdateItem`, `TransactWriteItems`).
    #[must_use]
    pub fn on(mut self, operation: &str) -> Self {
        self.operation = Some(operation.to_owned());
        self
    }

    /// Only the next `count` matching requests.
    #[must_use]
    pub fn times(mut self, count: u32) -> Self {
        self.count = count;
        self
    }

    /// Lets the first `skip` matching requests through first.
    #[must_use]
    pub fn after(mut self, skip: u32) -> Self {
        self.skip = skip;
        self
    }
}

struct Shared {
    upstream: String,
    client: reqwest::Client,
    one_at_a_time: tokio::sync::Mutex<()>,
    faults: Mutex<Vec<ProxyFault>>,
    forwarded: AtomicU64,
    faulted: AtomicU64,
}

impl Shared {
    fn take_fault(&self, operation: &str) -> Option<FaultKind> {
        let mut faults = self.faults.lock().unwrap_or_else(PoisonError::into_inner);
        let i = faults
            .iter()
            .position(|f| f.count > 0 && f.operation.as_deref().is_none_or(|op| op == operation))?;
        let fault = &mut faults[i];
        if fault.skip > 0 {
            fault.skip -= 1;
            return None;
        }
        fault.count -= 1;
        let kind = fault.kind;
        if fault.count == 0 {
            faults.remove(i);
        }
        Some(kind)
    }
}

/// A running proxy; stops on drop.
pub struct SerialProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl std::fmt::Debug for SerialProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SerialProxy")
            .field("addr", &self.addr)
            .field("upstream", &self.shared.upstream)
            .finish_non_exhaustive()
    }
}

impl Drop for SerialProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl SerialProxy {
    /// Starts the proxy on a free loopback port in front of `upstream` (`http://127.0.0.1:PORT`).
    pub async fn start(upstream: &str) -> std::io::Result<Self> {
        let shared = Arc::new(Shared {
            upstream: upstream.trim_end_matches('/').to_owned(),
            client: reqwest::Client::new(),
            one_at_a_time: tokio::sync::Mutex::new(()),
            faults: Mutex::new(Vec::new()),
            forwarded: AtomicU64::new(0),
            faulted: AtomicU64::new(0),
        });
        let app = Router::new()
            .fallback(forward)
            .with_state(Arc::clone(&shared));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { addr, shared, task })
    }

    /// `http://127.0.0.1:PORT`: use it as the SDK's endpoint URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Arms a fault.
    pub fn inject(&self, fault: ProxyFault) {
        self.shared
            .faults
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(fault);
    }

    /// Disarms every fault.
    pub fn clear_faults(&self) {
        self.shared
            .faults
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// Requests forwarded to moto so far.
    pub fn forwarded(&self) -> u64 {
        self.shared.forwarded.load(Ordering::SeqCst)
    }

    /// Requests answered with a fault so far.
    pub fn faulted(&self) -> u64 {
        self.shared.faulted.load(Ordering::SeqCst)
    }
}

fn operation(headers: &HeaderMap) -> String {
    headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .and_then(|t| t.rsplit_once('.'))
        .map_or_else(String::new, |(_, op)| op.to_owned())
}

fn dynamodb_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body =
        format!(r#"{{"__type":"com.amazonaws.dynamodb.v20120810#{code}","message":"{message}"}}"#);
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-amz-json-1.0"),
    );
    response
}

/// A body that fails after the headers: hyper aborts the response mid-flight.
fn dropped() -> Response {
    let failing = futures::stream::once(async {
        Err::<axum::body::Bytes, _>(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "injected drop",
        ))
    });
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "application/x-amz-json-1.0")
        .body(Body::from_stream(failing))
        .unwrap_or_else(|_| StatusCode::BAD_GATEWAY.into_response())
}

async fn forward(State(proxy): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(body) = to_bytes(body, 16 * 1024 * 1024).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    if let Some(kind) = proxy.take_fault(&operation(&parts.headers)) {
        proxy.faulted.fetch_add(1, Ordering::SeqCst);
        return match kind {
            FaultKind::Throttle => dynamodb_error(
                StatusCode::BAD_REQUEST,
                "ThrottlingException",
                "Rate of requests exceeds the allowed throughput.",
            ),
            FaultKind::ThroughputExceeded => dynamodb_error(
                StatusCode::BAD_REQUEST,
                "ProvisionedThroughputExceededException",
                "The level of configured provisioned throughput for the table was exceeded.",
            ),
            FaultKind::InternalError => dynamodb_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalServerError",
                "Internal server error",
            ),
            FaultKind::Drop => dropped(),
        };
    }
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let mut headers = parts.headers.clone();
    for hop in ["host", "content-length", "connection", "transfer-encoding"] {
        headers.remove(hop);
    }
    let _serial = proxy.one_at_a_time.lock().await;
    proxy.forwarded.fetch_add(1, Ordering::SeqCst);
    let sent = proxy
        .client
        .request(parts.method, format!("{}{path}", proxy.upstream))
        .headers(headers)
        .body(body)
        .send()
        .await;
    let Ok(response) = sent else {
        return StatusCode::BAD_GATEWAY.into_response();
    };
    let status = response.status();
    let mut out_headers = HeaderMap::new();
    for (name, value) in response.headers() {
        if !matches!(
            name.as_str(),
            "content-length" | "connection" | "transfer-encoding"
        ) {
            out_headers.append(name, value.clone());
        }
    }
    let Ok(bytes) = response.bytes().await else {
        return StatusCode::BAD_GATEWAY.into_response();
    };
    (status, out_headers, Body::from(bytes)).into_response()
}
