//! A counting loopback proxy in front of moto: the functions' `AWS_ENDPOINT_URL` points here,
//! so every AWS call is counted by operation (`X-Amz-Target`, e.g.
//! `secretsmanager.GetSecretValue`, `DynamoDB_20120810.UpdateItem`) and the time moto spends
//! answering is added up, so a function's own latency can be told apart from the backend's.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use tokio::task::JoinHandle;

/// Operation name of Secrets Manager's read.
pub const GET_SECRET_VALUE: &str = "secretsmanager.GetSecretValue";
/// Prefix of every DynamoDB operation.
pub const DYNAMODB_PREFIX: &str = "DynamoDB_20120810.";

const HOP_BY_HOP: &[&str] = &[
    "host",
    "connection",
    "keep-alive",
    "content-length",
    "transfer-encoding",
];

#[derive(Debug)]
struct Shared {
    upstream: String,
    client: reqwest::Client,
    calls: Mutex<BTreeMap<String, u64>>,
    upstream_nanos: AtomicU64,
}

/// Counts so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProxyCounts {
    /// Calls per operation.
    pub calls: BTreeMap<String, u64>,
    /// Time spent waiting for the upstream.
    pub upstream: Duration,
}

impl ProxyCounts {
    /// Calls of one operation.
    pub fn of(&self, operation: &str) -> u64 {
        self.calls.get(operation).copied().unwrap_or_default()
    }

    /// Calls whose operation starts with `prefix`.
    pub fn with_prefix(&self, prefix: &str) -> u64 {
        self.calls
            .iter()
            .filter(|(k, _)| k.starts_with(prefix))
            .map(|(_, v)| v)
            .sum()
    }
}

/// The running proxy; stops when dropped.
#[derive(Debug)]
pub struct CountingProxy {
    url: String,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl CountingProxy {
    /// Listens on a free loopback port and forwards to `upstream` (`http://127.0.0.1:PORT`).
    pub async fn start(upstream: &str) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr: SocketAddr = listener.local_addr()?;
        let client = reqwest::Client::builder()
            .no_proxy()
            .build()
            .map_err(std::io::Error::other)?;
        let shared = Arc::new(Shared {
            upstream: upstream.trim_end_matches('/').to_owned(),
            client,
            calls: Mutex::new(BTreeMap::new()),
            upstream_nanos: AtomicU64::new(0),
        });
        let app = Router::new().fallback(forward).with_state(shared.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self {
            url: format!("http://{addr}"),
            shared,
            task,
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A snapshot of the counts.
    pub fn counts(&self) -> ProxyCounts {
        ProxyCounts {
            calls: self
                .shared
                .calls
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone(),
            upstream: Duration::from_nanos(self.shared.upstream_nanos.load(Ordering::SeqCst)),
        }
    }
}

impl Drop for CountingProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn forward(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let operation = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .map_or_else(|| format!("{method} {}", uri.path()), str::to_owned);
    *shared
        .calls
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .entry(operation)
        .or_default() += 1;
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let mut request = shared
        .client
        .request(method, format!("{}{path}", shared.upstream))
        .body(body);
    for (name, value) in &headers {
        if !HOP_BY_HOP.contains(&name.as_str()) {
            request = request.header(name, value);
        }
    }
    let started = Instant::now();
    let result = async {
        let upstream = request.send().await?;
        let status = upstream.status();
        let headers = upstream.headers().clone();
        let body = upstream.bytes().await?;
        Ok::<_, reqwest::Error>((status, headers, body))
    }
    .await;
    let nanos = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
    shared.upstream_nanos.fetch_add(nanos, Ordering::SeqCst);
    match result {
        Ok((status, upstream_headers, body)) => {
            let mut out = HeaderMap::new();
            for (name, value) in &upstream_headers {
                if !HOP_BY_HOP.contains(&name.as_str()) {
                    out.append(name, value.clone());
                }
            }
            (status, out, body).into_response()
        }
        Err(_) => (StatusCode::BAD_GATEWAY, "upstream unreachable").into_response(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn calls_are_forwarded_and_counted_by_operation() {
        let upstream = Router::new().fallback(|headers: HeaderMap, body: Bytes| async move {
            let target = headers
                .get("x-amz-target")
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default();
            (StatusCode::OK, format!("{target}:{}", body.len()))
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, upstream).await });

        let proxy = CountingProxy::start(&format!("http://{addr}"))
            .await
            .unwrap();
        let http = reqwest::Client::new();
        for _ in 0..2 {
            let answer = http
                .post(proxy.url())
                .header("x-amz-target", GET_SECRET_VALUE)
                .body("abc")
                .send()
                .await
                .unwrap();
            assert_eq!(
                answer.text().await.unwrap(),
                "secretsmanager.GetSecretValue:3"
            );
        }
        http.post(proxy.url())
            .header("x-amz-target", "DynamoDB_20120810.UpdateItem")
            .send()
            .await
            .unwrap();
        let counts = proxy.counts();
        assert_eq!(counts.of(GET_SECRET_VALUE), 2);
        assert_eq!(counts.with_prefix(DYNAMODB_PREFIX), 1);
        assert!(counts.upstream > Duration::ZERO);
    }
}
