//! A local Lambda Runtime API (`2018-06-01`), one per function process, as the Lambda service
//! serves it to a custom runtime: `GET /runtime/invocation/next` long-polls for the next event,
//! `POST /runtime/invocation/{id}/response` and `.../error` close an invocation, and
//! `POST /runtime/init/error` reports a failed cold start.
//!
//! Times are taken where Lambda takes them: the first `next` ends the init phase, a response
//! ends an invocation. A hook given to [`RuntimeApi::on_first_response`] runs when the first
//! response arrives, before the runtime is answered (the bench reads the process's CPU time and
//! memory there, so nothing it does afterwards is counted).
//!
//! Used by the bench (the functions' release binaries) and by the Lambda glue's log-hygiene
//! test (the glue in a child process at `TRACE`).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

const PREFIX: &str = "/2018-06-01/runtime";
/// The deadline each invocation is given (a function's configured timeout).
const INVOCATION_TIMEOUT: Duration = Duration::from_secs(30);

/// How an invocation ended.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// `POST .../response`.
    Response(Bytes),
    /// `POST .../error`.
    Error(Bytes),
}

/// A finished invocation.
#[derive(Debug, Clone)]
pub struct Finished {
    /// What the function answered.
    pub outcome: Outcome,
    /// When the answer arrived.
    pub at: Instant,
}

struct Invocation {
    id: String,
    body: Bytes,
}

struct Inner {
    function_arn: String,
    queue: mpsc::UnboundedSender<Invocation>,
    next: tokio::sync::Mutex<mpsc::UnboundedReceiver<Invocation>>,
    pending: Mutex<HashMap<String, oneshot::Sender<Finished>>>,
    init_error: Mutex<Option<String>>,
    first_next: OnceLock<Instant>,
    first_response: Mutex<Option<FirstResponseHook>>,
}

/// What runs once, when the first response arrives.
type FirstResponseHook = Box<dyn FnOnce() + Send>;

impl Inner {
    fn pending(&self) -> std::sync::MutexGuard<'_, HashMap<String, oneshot::Sender<Finished>>> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A Runtime API server on a free loopback port; stops when dropped.
pub struct RuntimeApi {
    addr: SocketAddr,
    inner: Arc<Inner>,
    task: JoinHandle<()>,
}

impl std::fmt::Debug for RuntimeApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuntimeApi")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

/// An event handed to the runtime, waiting for its answer.
#[derive(Debug)]
pub struct Ticket {
    /// When the event was queued.
    pub queued: Instant,
    answer: oneshot::Receiver<Finished>,
}

impl Ticket {
    /// Waits for the answer; `None` when the server went away first.
    pub async fn answer(self) -> Option<Finished> {
        self.answer.await.ok()
    }
}

impl RuntimeApi {
    /// Listens on `127.0.0.1:0` for the function `name`.
    pub async fn start(name: &str) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (queue, next) = mpsc::unbounded_channel();
        let inner = Arc::new(Inner {
            function_arn: format!("arn:aws:lambda:us-east-1:123456789012:function:{name}"),
            queue,
            next: tokio::sync::Mutex::new(next),
            pending: Mutex::new(HashMap::new()),
            init_error: Mutex::new(None),
            first_next: OnceLock::new(),
            first_response: Mutex::new(None),
        });
        let app = Router::new()
            .route(&format!("{PREFIX}/invocation/next"), get(next_event))
            .route(
                &format!("{PREFIX}/invocation/{{id}}/response"),
                post(response),
            )
            .route(&format!("{PREFIX}/invocation/{{id}}/error"), post(error))
            .route(&format!("{PREFIX}/init/error"), post(init_error))
            .with_state(inner.clone());
        let task = tokio::spawn(async move {
            // The server ends with the task (aborted on drop); an accept error ends it early and
            // the waiting invocation then reports the process's own failure.
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { addr, inner, task })
    }

    /// `host:port`, the value of `AWS_LAMBDA_RUNTIME_API`.
    pub fn host_port(&self) -> String {
        self.addr.to_string()
    }

    /// Runs `hook` once, when the first response arrives and before the runtime is answered.
    pub fn on_first_response(&self, hook: impl FnOnce() + Send + 'static) {
        *self
            .inner
            .first_response
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(Box::new(hook));
    }

    /// Queues an event for the runtime's next `next`.
    pub fn submit(&self, body: Bytes) -> Ticket {
        let id = uuid::Uuid::new_v4().to_string();
        let (tx, answer) = oneshot::channel();
        self.inner.pending().insert(id.clone(), tx);
        let queued = Instant::now();
        // The receiver lives in `inner` as long as `self`: sending cannot fail here.
        let _ = self.inner.queue.send(Invocation { id, body });
        Ticket { queued, answer }
    }

    /// When the runtime first asked for an event (the end of Lambda's init phase).
    pub fn first_next(&self) -> Option<Instant> {
        self.inner.first_next.get().copied()
    }

    /// What the runtime reported to `/runtime/init/error`, if anything.
    pub fn init_error(&self) -> Option<String> {
        self.inner
            .init_error
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn epoch_millis(after: Duration) -> u128 {
    (SystemTime::now() + after)
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis()
}

async fn next_event(State(inner): State<Arc<Inner>>) -> Response {
    let _ = inner.first_next.set(Instant::now());
    let mut queue = inner.next.lock().await;
    let Some(invocation) = queue.recv().await else {
        return StatusCode::GONE.into_response();
    };
    let mut headers = HeaderMap::new();
    let mut put = |name: &'static str, value: String| {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(name, v);
        }
    };
    put("lambda-runtime-aws-request-id", invocation.id);
    put(
        "lambda-runtime-deadline-ms",
        epoch_millis(INVOCATION_TIMEOUT).to_string(),
    );
    put(
        "lambda-runtime-invoked-function-arn",
        inner.function_arn.clone(),
    );
    put(
        "lambda-runtime-trace-id",
        "Root=1-00000000-000000000000000000000000;Sampled=0".to_owned(),
    );
    put("content-type", "application/json".to_owned());
    (StatusCode::OK, headers, invocation.body).into_response()
}

fn finish(inner: &Inner, id: &str, outcome: Outcome) -> Response {
    let at = Instant::now();
    let hook = inner
        .first_response
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take();
    if let Some(hook) = hook {
        hook();
    }
    match inner.pending().remove(id) {
        Some(reply) => {
            let _ = reply.send(Finished { outcome, at });
            (StatusCode::ACCEPTED, r#"{"status":"OK"}"#).into_response()
        }
        None => (StatusCode::BAD_REQUEST, "unknown request id").into_response(),
    }
}

async fn response(
    State(inner): State<Arc<Inner>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    finish(&inner, &id, Outcome::Response(body))
}

async fn error(State(inner): State<Arc<Inner>>, Path(id): Path<String>, body: Bytes) -> Response {
    finish(&inner, &id, Outcome::Error(body))
}

async fn init_error(State(inner): State<Arc<Inner>>, body: Bytes) -> Response {
    *inner
        .init_error
        .lock()
        .unwrap_or_else(PoisonError::into_inner) =
        Some(String::from_utf8_lossy(&body).into_owned());
    (StatusCode::ACCEPTED, r#"{"status":"OK"}"#).into_response()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn url(api: &RuntimeApi, path: &str) -> String {
        format!("http://{}{PREFIX}{path}", api.host_port())
    }

    #[tokio::test]
    async fn an_event_goes_out_with_lambdas_headers_and_its_response_comes_back() {
        let api = RuntimeApi::start("test-fn").await.unwrap();
        let hooked = Arc::new(Mutex::new(0));
        let count = hooked.clone();
        api.on_first_response(move || *count.lock().unwrap() += 1);
        let ticket = api.submit(Bytes::from_static(br#"{"hello":1}"#));
        let http = reqwest::Client::new();
        let next = http
            .get(url(&api, "/invocation/next"))
            .send()
            .await
            .unwrap();
        assert_eq!(next.status(), 200);
        let id = next.headers()["lambda-runtime-aws-request-id"]
            .to_str()
            .unwrap()
            .to_owned();
        let deadline: u128 = next.headers()["lambda-runtime-deadline-ms"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(deadline > epoch_millis(Duration::ZERO));
        assert!(
            next.headers()["lambda-runtime-invoked-function-arn"]
                .to_str()
                .unwrap()
                .ends_with(":function:test-fn")
        );
        assert_eq!(next.bytes().await.unwrap().as_ref(), br#"{"hello":1}"#);
        assert!(api.first_next().is_some());

        let posted = http
            .post(url(&api, &format!("/invocation/{id}/response")))
            .body("answer")
            .send()
            .await
            .unwrap();
        assert_eq!(posted.status(), 202);
        let finished = ticket.answer().await.unwrap();
        assert!(matches!(finished.outcome, Outcome::Response(b) if b.as_ref() == b"answer"));
        assert_eq!(*hooked.lock().unwrap(), 1, "the hook ran before the answer");
    }

    #[tokio::test]
    async fn an_error_and_an_init_error_are_reported_as_such() {
        let api = RuntimeApi::start("test-fn").await.unwrap();
        let ticket = api.submit(Bytes::from_static(b"{}"));
        let http = reqwest::Client::new();
        let next = http
            .get(url(&api, "/invocation/next"))
            .send()
            .await
            .unwrap();
        let id = next.headers()["lambda-runtime-aws-request-id"]
            .to_str()
            .unwrap()
            .to_owned();
        http.post(url(&api, &format!("/invocation/{id}/error")))
            .body(r#"{"errorType":"x"}"#)
            .send()
            .await
            .unwrap();
        assert!(matches!(
            ticket.answer().await.unwrap().outcome,
            Outcome::Error(_)
        ));
        http.post(url(&api, "/init/error"))
            .body("cold start failed")
            .send()
            .await
            .unwrap();
        assert_eq!(api.init_error().as_deref(), Some("cold start failed"));
    }
}
