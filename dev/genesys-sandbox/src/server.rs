//! The router, the recording/fault middleware and the sandbox's own loopback listener.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;
use tower::ServiceExt as _;

use crate::config::SandboxConfig;
use crate::errors::{genesys_error, injected_status};
use crate::faults::FaultKind;
use crate::guest_api::{self, admin as guest_admin};
use crate::record::{RecordedRequest, redact_body, redact_headers};
use crate::state::SandboxState;
use crate::{admin, analytics, api, oauth};

/// Everything the sandbox serves over `state`: [`platform_router`] and [`guest_router`]
/// together, paths relative to wherever it is mounted (its own listener mounts it at `/`).
pub fn router(state: SandboxState) -> Router {
    platform_router(state.clone()).merge(guest_router(state))
}

/// The Platform API, the login host's token endpoint and the `/_sandbox/...` admin routes.
pub fn platform_router(state: SandboxState) -> Router {
    Router::new()
        .route("/oauth/token", post(oauth::token))
        .route(
            "/api/v2/webmessaging/widgets/{widget_id}/conversations",
            post(api::create_conversation),
        )
        .route(
            "/api/v2/conversations/messages/{id}",
            get(api::get_conversation).patch(api::patch_conversation),
        )
        .route(
            "/api/v2/conversations/messages/{id}/participants/{participant_id}/attributes",
            patch(api::patch_attributes),
        )
        .route(
            "/api/v2/analytics/conversations/details/query",
            post(analytics::details_query),
        )
        .merge(guest_admin::platform_routes())
        .merge(admin::routes())
        .merge(guest_admin::routes())
        .fallback(api::fallback)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            record_and_fault,
        ))
        .with_state(state)
}

/// The Web Messaging Guest API (`/v1` WebSocket), the deployment's `config.json` and the
/// guest's history: what Genesys's guest SDKs look for at the root of a custom endpoint.
pub fn guest_router(state: SandboxState) -> Router {
    guest_api::routes()
        .layer(middleware::from_fn_with_state(
            state.clone(),
            record_and_fault,
        ))
        .with_state(state)
}

/// Lets a handler reset the TCP connection it is serving (only with the sandbox's own listener).
#[derive(Debug, Clone)]
struct ConnectionKill(Arc<Notify>);

async fn record_and_fault(
    State(state): State<SandboxState>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_owned();
    if path.starts_with("/_sandbox/") {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, state.rooms().max_body_bytes).await else {
        return genesys_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "request.entity.too.large",
            "The request is too large.",
        );
    };
    let index = record(&state, &parts, &bytes);
    let fault = state.rooms().faults.take(&path);
    let kill = parts.extensions.get::<ConnectionKill>().cloned();
    let method = parts.method.clone();
    let request = Request::from_parts(parts, Body::from(bytes));
    let response = match fault {
        None => next.run(request).await,
        Some(FaultKind::Status {
            status,
            retry_after_secs,
        }) => injected_status(
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            retry_after_secs,
        ),
        Some(FaultKind::Delay { ms }) => {
            let response = next.run(request).await;
            tokio::time::sleep(Duration::from_millis(ms)).await;
            response
        }
        Some(FaultKind::Malformed { status }) => (
            StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
            [(header::CONTENT_TYPE, "application/json")],
            r#"{"conversationId": "5d1c"#,
        )
            .into_response(),
        Some(FaultKind::Reset) => {
            tracing::debug!(target: "genesys_sandbox", %method, %path, "resetting connection (injected fault)");
            return reset(kill).await;
        }
    };
    state
        .rooms()
        .requests
        .set_status(index, response.status().as_u16());
    tracing::debug!(target: "genesys_sandbox", %method, %path, status = response.status().as_u16(), "request");
    response
}

/// Records a request (credentials redacted); where it is in the log.
fn record(state: &SandboxState, parts: &axum::http::request::Parts, body: &[u8]) -> usize {
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    state.rooms().requests.record(RecordedRequest {
        seq: 0,
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers: redact_headers(&parts.headers),
        body: redact_body(content_type, body),
        status: None,
    })
}

async fn reset(kill: Option<ConnectionKill>) -> Response {
    match kill {
        Some(kill) => {
            kill.0.notify_one();
            // The connection task drops this future together with the connection.
            std::future::pending().await
        }
        None => {
            let failing = futures::stream::once(async {
                Err::<Bytes, std::io::Error>(std::io::Error::other(
                    "connection reset (injected fault)",
                ))
            });
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                Body::from_stream(failing),
            )
                .into_response()
        }
    }
}

/// Why [`Sandbox::start`] failed.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The sandbox only listens on loopback.
    #[error("the sandbox listens on loopback only, not on `{0}`")]
    NotLoopback(SocketAddr),
    /// The listener could not be bound.
    #[error("could not listen on `{addr}`")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// A running sandbox on its own loopback port; it stops when dropped. Dereferences to its
/// [`SandboxState`] for inspection and fault injection.
#[derive(Debug)]
pub struct Sandbox {
    state: SandboxState,
    addr: SocketAddr,
    base_url: String,
    shutdown: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Sandbox {
    /// Listens on `config.addr` (loopback; port 0 picks a free one) and serves [`router`].
    pub async fn start(config: SandboxConfig) -> Result<Self, SandboxError> {
        if !config.addr.ip().is_loopback() {
            return Err(SandboxError::NotLoopback(config.addr));
        }
        let bind = |source| SandboxError::Bind {
            addr: config.addr,
            source,
        };
        let listener = TcpListener::bind(config.addr).await.map_err(bind)?;
        let addr = listener.local_addr().map_err(bind)?;
        let state = SandboxState::new(&config);
        let app = router(state.clone());
        let (shutdown, stop) = watch::channel(false);
        let task = tokio::spawn(accept_loop(listener, app, stop));
        tracing::debug!(target: "genesys_sandbox", %addr, "sandbox listening");
        Ok(Self {
            state,
            addr,
            base_url: format!("http://{addr}"),
            shutdown,
            task,
        })
    }

    /// `http://127.0.0.1:PORT`: both the API base and the login base.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The shared state (also reachable through `Deref`).
    pub fn state(&self) -> &SandboxState {
        &self.state
    }
}

impl Deref for Sandbox {
    type Target = SandboxState;

    fn deref(&self) -> &SandboxState {
        &self.state
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        self.task.abort();
    }
}

async fn accept_loop(listener: TcpListener, app: Router, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    tokio::spawn(serve_connection(stream, app.clone(), stop.clone()));
                }
                Err(error) => {
                    tracing::warn!(target: "genesys_sandbox", %error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            },
        }
    }
}

async fn serve_connection(stream: TcpStream, app: Router, mut stop: watch::Receiver<bool>) {
    let _ = stream.set_nodelay(true);
    // A second handle on the socket lets a reset fault set SO_LINGER=0 only on this connection.
    let Ok(std_stream) = stream.into_std() else {
        return;
    };
    let Ok(control) = std_stream.try_clone() else {
        return;
    };
    let Ok(stream) = TcpStream::from_std(std_stream) else {
        return;
    };
    let kill = ConnectionKill(Arc::new(Notify::new()));
    let handle = kill.clone();
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(handle.clone());
        let app = app.clone();
        async move { Ok::<_, Infallible>(app.oneshot(request).await.into_response()) }
    });
    // `with_upgrades`: the Guest API's connections are WebSockets.
    let connection = hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(stream), service)
        .with_upgrades();
    tokio::select! {
        _ = connection => {}
        () = kill.0.notified() => {
            if let Ok(control) = TcpStream::from_std(control) {
                let _ = control.set_zero_linger();
            }
        }
        _ = stop.changed() => {}
    }
}
