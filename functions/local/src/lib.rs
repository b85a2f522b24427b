//! The whole stack in one process on 127.0.0.1, on embedded defaults: the three functions'
//! handlers, the Genesys sandbox (its Platform API under `/sandbox`, its Web Messaging Guest API
//! at the root: `/v1`), a development identity provider
//! (`/dev/login`, `/.well-known/jwks.json`) or the site's own (`JWKS_URL` and `JWT_*`, see
//! `identity.rs`), an in-memory store (or DynamoDB, for load tests
//! against moto) and development secrets. No AWS or Genesys account needed. It also serves the
//! browser demo page at `/` with its development-only helpers under `/dev` (see `demo.rs`),
//! and a development ownership service (`POST /dev/ownership`, see `ownership.rs`) that
//! initiate's ownership check asks by default.
//!
//! Tests start it in-process with [`spawn`] and talk to it over real HTTP.

mod architect;
pub mod cli;
mod demo;
mod identity;
mod metrics;
mod ownership;
mod routes;
mod wiring;

use std::net::SocketAddr;
use std::sync::Arc;

pub use architect::FlowOptions;
pub use identity::{IdentityInForce, identity_env};
pub use metrics::lines_in_process as metric_lines_in_process;
pub use wiring::{DEV_WIDGET_ID, LocalOwnership, Options, StackError, Store};

use genesys_sandbox::SandboxState;
use genesys_sandbox::idp::DevIdp;
use secure_initiation::ports::OffsetClock;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// A running stack.
#[derive(Debug)]
pub struct Running {
    /// Where it listens.
    pub addr: SocketAddr,
    /// The development identity provider (tests sign crafted tokens with its keys); served even
    /// when the site's own provider is in force, whose tokens are then the only ones accepted.
    pub idp: Arc<DevIdp>,
    /// The identity provider whose tokens the handlers accept.
    pub identity: IdentityInForce,
    /// The Genesys sandbox's state (what Genesys received; fault injection).
    pub sandbox: SandboxState,
    /// The clock the handlers use (tests move it forward).
    pub clock: OffsetClock,
    /// The data-action Basic credential (`user`, `password`).
    pub data_action_credential: (String, String),
    metrics: Arc<metrics::LocalMetrics>,
    task: JoinHandle<()>,
}

impl Running {
    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every Embedded Metric Format line the handlers emitted so far (as printed), in order,
    /// after flushing what is still unflushed. The process has one recorder: with several
    /// stacks in one process, each flush takes what any of them recorded.
    pub fn metric_lines(&self) -> Vec<String> {
        self.metrics.flush();
        self.metrics.lines()
    }

    /// The running totals of those lines (what `GET /dev/metrics` serves).
    pub fn metric_totals(&self) -> secure_initiation::telemetry::metrics::emf::Totals {
        self.metrics.flush();
        self.metrics.totals()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Binds `127.0.0.1:port` (0 picks a free port), builds the stack and serves it in the
/// background.
pub async fn spawn(options: Options) -> Result<Running, StackError> {
    let listener = TcpListener::bind(("127.0.0.1", options.port))
        .await
        .map_err(StackError::Bind)?;
    let addr = listener.local_addr().map_err(StackError::Bind)?;
    let stack = wiring::build(&options, addr).await?;
    let identity = stack.identity.clone();
    let running_parts = (
        stack.idp.clone(),
        stack.sandbox.clone(),
        stack.clock.clone(),
        stack.credential.clone(),
        stack.metrics.clone(),
    );
    let stack = Arc::new(stack);
    // Messenger conversations run the stand-in inbound flow (Get Participant Data, then
    // validate-session) when their first message arrives, as Genesys runs the real one.
    stack
        .sandbox
        .set_inbound_flow(Arc::new(architect::StackFlow::new(&stack)));
    let app = routes::router(stack);
    let task = tokio::spawn(async move {
        let service = app.into_make_service_with_connect_info::<SocketAddr>();
        if let Err(e) = axum::serve(listener, service).await {
            tracing::error!(error = %e, "local stack stopped");
        }
    });
    Ok(Running {
        addr,
        idp: running_parts.0,
        identity,
        sandbox: running_parts.1,
        clock: running_parts.2,
        data_action_credential: running_parts.3,
        metrics: running_parts.4,
        task,
    })
}
