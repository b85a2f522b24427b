//! A running stack: where it listens, what tests inspect and steer, and [`spawn`], which binds
//! the port, builds the stack and serves it.

use std::net::SocketAddr;
use std::sync::Arc;

use genesys_sandbox::SandboxState;
use genesys_sandbox::idp::DevIdp;
use secure_initiation::ports::OffsetClock;
use secure_initiation::telemetry::metrics::emf::Totals;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::error::StackError;
use crate::identity::IdentityInForce;
use crate::metrics::LocalMetrics;
use crate::options::Options;
use crate::{routes, wiring};

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
    metrics: Arc<LocalMetrics>,
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
    pub fn metric_totals(&self) -> Totals {
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
    let stack = Arc::new(wiring::build(&options, addr).await?);
    let app = routes::router(stack.clone());
    let task = tokio::spawn(async move {
        let service = app.into_make_service_with_connect_info::<SocketAddr>();
        if let Err(e) = axum::serve(listener, service).await {
            tracing::error!(error = %e, "local stack stopped");
        }
    });
    Ok(Running {
        addr,
        idp: stack.idp.clone(),
        identity: stack.identity.clone(),
        sandbox: stack.sandbox.clone(),
        clock: stack.clock.clone(),
        data_action_credential: options.data_action_credential,
        metrics: stack.metrics.clone(),
        task,
    })
}
