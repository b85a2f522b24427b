//! A function's release binary started as Lambda starts it: an environment holding only what
//! Lambda sets (plus the function's own configuration), its own Runtime API, its logs drained
//! from pipes the way Lambda's log agent drains them.

use std::collections::VecDeque;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};

use crate::error::BenchError;
use crate::procfs::{self, ProcSample};
use test_support::runtime_api::{Finished, Outcome, RuntimeApi, Ticket};

/// Longest wait for one invocation, cold start included.
const ANSWER_LIMIT: Duration = Duration::from_secs(60);
const KEPT_LOG_LINES: usize = 40;

/// The memory size Lambda would announce (the figure the projections refer to).
pub const MEMORY_MB: u32 = 128;

/// A running function.
#[derive(Debug)]
pub struct FunctionProcess {
    name: String,
    child: Child,
    pid: u32,
    api: RuntimeApi,
    /// The process as sampled when its first response arrived.
    first_response: Arc<OnceLock<ProcSample>>,
    spawned: Instant,
    logs: Arc<Mutex<VecDeque<String>>>,
}

/// The first invocation of a fresh process.
#[derive(Debug, Clone)]
pub struct ColdStart {
    /// Spawn → first `next` (Lambda's "Init Duration").
    pub init: Duration,
    /// Spawn → first response.
    pub total: Duration,
    /// The process at its first response.
    pub sample: ProcSample,
    /// The answer.
    pub answer: Bytes,
}

/// The environment Lambda gives a `provided.al2023` function, before its own variables.
fn lambda_environment(name: &str, runtime_api: &str) -> Vec<(String, String)> {
    [
        ("AWS_LAMBDA_RUNTIME_API", runtime_api),
        ("AWS_LAMBDA_FUNCTION_NAME", name),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", &MEMORY_MB.to_string()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
        ("AWS_LAMBDA_LOG_GROUP_NAME", &format!("/aws/lambda/{name}")),
        (
            "AWS_LAMBDA_LOG_STREAM_NAME",
            "2026/01/01/[$LATEST]00000000000000000000000000000000",
        ),
        ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
        ("_HANDLER", "bootstrap"),
        ("LAMBDA_TASK_ROOT", "/var/task"),
        ("LAMBDA_RUNTIME_DIR", "/var/runtime"),
        ("LANG", "en_US.UTF-8"),
        ("TZ", ":UTC"),
        ("PATH", "/usr/local/bin:/usr/bin/:/bin:/opt/bin"),
        // The execution role's temporary credentials (moto accepts any).
        ("AWS_ACCESS_KEY_ID", "ASIABENCHBENCHBENCH0"),
        ("AWS_SECRET_ACCESS_KEY", "bench-secret-access-key"),
        ("AWS_SESSION_TOKEN", "bench-session-token"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

impl FunctionProcess {
    /// Starts `binary` as function `name` with `config` on top of Lambda's environment, with
    /// `first` already queued so the runtime finds it at its first `next`.
    pub async fn spawn(
        binary: &Path,
        name: &str,
        config: &[(String, String)],
        first: Bytes,
    ) -> Result<(Self, Ticket), BenchError> {
        let api = RuntimeApi::start(name).await.map_err(BenchError::Listen)?;
        let ticket = api.submit(first);
        let mut command = Command::new(binary);
        command
            .env_clear()
            .envs(lambda_environment(name, &api.host_port()))
            .envs(config.iter().map(|(k, v)| (k, v)))
            .current_dir(std::env::temp_dir())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let spawned = Instant::now();
        let mut child = command.spawn().map_err(|source| BenchError::Spawn {
            binary: binary.display().to_string(),
            source,
        })?;
        let pid = child.id().unwrap_or_default();
        let first_response = Arc::new(OnceLock::new());
        let sample = first_response.clone();
        api.on_first_response(move || {
            if let Some(s) = procfs::sample(pid) {
                let _ = sample.set(s);
            }
        });
        let logs = Arc::new(Mutex::new(VecDeque::new()));
        if let Some(out) = child.stdout.take() {
            drain(out, logs.clone());
        }
        if let Some(err) = child.stderr.take() {
            drain(err, logs.clone());
        }
        Ok((
            Self {
                name: name.to_owned(),
                child,
                pid,
                api,
                first_response,
                spawned,
                logs,
            },
            ticket,
        ))
    }

    /// Waits for the first answer of a fresh process.
    pub async fn cold_start(&mut self, ticket: Ticket) -> Result<ColdStart, BenchError> {
        let finished = self.wait(ticket).await?;
        let answer = self.accept(finished.outcome)?;
        let first_next = self.api.first_next().unwrap_or(finished.at);
        let sample =
            self.first_response.get().cloned().ok_or_else(|| {
                self.failure("its first response came before it could be sampled")
            })?;
        Ok(ColdStart {
            init: first_next.saturating_duration_since(self.spawned),
            total: finished.at.saturating_duration_since(self.spawned),
            sample,
            answer,
        })
    }

    /// One invocation of a warm process: the answer and queue → answer time.
    pub async fn invoke(&mut self, event: Bytes) -> Result<(Bytes, Duration), BenchError> {
        let ticket = self.api.submit(event);
        let queued = ticket.queued;
        let finished = self.wait(ticket).await?;
        let answer = self.accept(finished.outcome)?;
        Ok((answer, finished.at.saturating_duration_since(queued)))
    }

    /// The process now.
    pub fn sample(&self) -> Option<ProcSample> {
        procfs::sample(self.pid)
    }

    /// Stops it (Lambda reclaims a container without notice).
    pub async fn stop(mut self) {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
    }

    async fn wait(&mut self, ticket: Ticket) -> Result<Finished, BenchError> {
        tokio::select! {
            answer = tokio::time::timeout(ANSWER_LIMIT, ticket.answer()) => match answer {
                Ok(Some(finished)) => Ok(finished),
                Ok(None) => Err(self.failure("the runtime API stopped")),
                Err(_) => Err(self.failure(&format!("no answer within {ANSWER_LIMIT:?}"))),
            },
            status = self.child.wait() => {
                // Give the log drains a moment to catch the last lines.
                tokio::time::sleep(Duration::from_millis(50)).await;
                let status = status.map_or_else(|e| e.to_string(), |s| s.to_string());
                let init = self.api.init_error().map(|e| format!("; init error: {e}")).unwrap_or_default();
                Err(self.failure(&format!("the process exited ({status}){init}")))
            }
        }
    }

    fn accept(&self, outcome: Outcome) -> Result<Bytes, BenchError> {
        match outcome {
            Outcome::Response(body) => Ok(body),
            Outcome::Error(body) => Err(self.failure(&format!(
                "the invocation failed: {}",
                String::from_utf8_lossy(&body)
            ))),
        }
    }

    fn failure(&self, what: &str) -> BenchError {
        let logs = self.logs.lock().unwrap_or_else(PoisonError::into_inner);
        BenchError::Function {
            function: self.name.clone(),
            what: what.to_owned(),
            logs: logs.iter().cloned().collect::<Vec<_>>().join("\n"),
        }
    }
}

fn drain(stream: impl AsyncRead + Unpin + Send + 'static, logs: Arc<Mutex<VecDeque<String>>>) {
    tokio::spawn(async move {
        let mut lines = BufReader::new(stream).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            let mut logs = logs.lock().unwrap_or_else(PoisonError::into_inner);
            if logs.len() == KEPT_LOG_LINES {
                logs.pop_front();
            }
            logs.push_back(line);
        }
    });
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_carries_what_the_lambda_runtime_client_requires() {
        let env = lambda_environment("initiate", "127.0.0.1:9001");
        let get = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("AWS_LAMBDA_RUNTIME_API"), Some("127.0.0.1:9001"));
        assert_eq!(get("AWS_LAMBDA_FUNCTION_NAME"), Some("initiate"));
        assert_eq!(get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"), Some("128"));
        assert_eq!(get("AWS_LAMBDA_FUNCTION_VERSION"), Some("$LATEST"));
        assert!(get("AWS_LAMBDA_LOG_STREAM_NAME").is_some());
        assert_eq!(get("AWS_REGION"), Some("us-east-1"));
        assert_eq!(get("_HANDLER"), Some("bootstrap"));
    }
}
