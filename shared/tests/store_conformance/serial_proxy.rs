//! A loopback HTTP proxy that forwards to moto one request at a time.
//!
//! DynamoDB serialises the writes to an item, so of two conditional writes racing on one item at
//! most one sees its condition hold. `moto_server` answers requests on parallel threads and does
//! not lock its DynamoDB backend, so both can pass (the concurrency cases failed against it about
//! one run in two: 11 of 10 allowed). Forwarding one request at a time restores the per-item
//! guarantee the adapter relies on without weakening the test: the adapter's calls (update, then
//! read-back) still interleave freely across tasks.

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use tokio::sync::Mutex;

struct Proxy {
    upstream: String,
    client: reqwest::Client,
    one_at_a_time: Mutex<()>,
}

/// Starts the proxy in front of `upstream` (`http://127.0.0.1:PORT`); returns its base URL.
pub async fn start(upstream: &str) -> String {
    let proxy = Arc::new(Proxy {
        upstream: upstream.to_owned(),
        client: reqwest::Client::new(),
        one_at_a_time: Mutex::new(()),
    });
    let app = Router::new().fallback(forward).with_state(proxy);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{address}")
}

async fn forward(State(proxy): State<Arc<Proxy>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(body) = to_bytes(body, 16 * 1024 * 1024).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let mut headers = parts.headers.clone();
    for hop in ["host", "content-length", "connection", "transfer-encoding"] {
        headers.remove(hop);
    }
    let _serial = proxy.one_at_a_time.lock().await;
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
