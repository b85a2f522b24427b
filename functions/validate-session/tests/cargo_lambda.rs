//! The cargo-lambda loop (docs/src/platform/cargo-lambda.md) as a developer runs it, offline:
//! `scripts/lambda-loop.sh` starts moto with the table and the secrets that
//! `dev/cargo-lambda/watch.env` names; `cargo lambda watch` serves the Lambda Runtime API; this
//! function's binary runs under it with the variables of `watch.env`, as cargo-lambda starts it
//! (its own environment, then the file, then the `AWS_LAMBDA_*` variables); and
//! `cargo lambda invoke validate-session --data-file dev/cargo-lambda/validate-session.json`
//! answers with what Architect would read.
//!
//! One difference from the developer's loop, on purpose: `watch --only-lambda-apis` with the
//! binary cargo built for this test, where a developer lets `watch` compile the function with
//! `cargo run` (a second build of the dependency tree with other features: minutes in CI).
//! cargo-lambda's documented way to run a function it does not start (its `watch` page, "Debug
//! with breakpoints"); the Runtime API, the invoke client and the event are the real ones.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use secure_initiation::adapters::DynamoStore;
use secure_initiation::ports::{Clock, SessionRecord, SessionStatus, SessionStore, SystemClock};
use secure_initiation::session::SessionHash;
use serde_json::Value;
use test_support::{moto, tools};
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;
use tokio::time::timeout;

const ENV_FILE: &str = "dev/cargo-lambda/watch.env";
const EVENT_FILE: &str = "dev/cargo-lambda/validate-session.json";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port()
}

/// The variables of `watch.env`. Every line must be a comment, blank, or `KEY=VALUE` with a
/// value cargo-lambda's env-file reader takes unquoted (no whitespace, quote, `#` or `=`), so
/// this reading and cargo-lambda's agree.
fn watch_env() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(root().join(ENV_FILE)).unwrap();
    let plain =
        |s: &str| !s.is_empty() && !s.contains(|c: char| c.is_whitespace() || "'\"`#=".contains(c));
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|line| {
            let (key, value) = line.split_once('=').unwrap_or((line, ""));
            assert!(
                plain(key) && plain(value),
                "{ENV_FILE}: `{line}` is not a plain KEY=VALUE"
            );
            (key.to_owned(), value.to_owned())
        })
        .collect()
}

/// Lines a child prints on stdout and stderr, as they come.
fn lines(child: &mut Child) -> mpsc::UnboundedReceiver<String> {
    fn forward(stream: impl AsyncRead + Unpin + Send + 'static, tx: mpsc::UnboundedSender<String>) {
        tokio::spawn(async move {
            let mut lines = BufReader::new(stream).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                let _ = tx.send(line);
            }
        });
    }
    let (tx, rx) = mpsc::unbounded_channel();
    forward(child.stdout.take().unwrap(), tx.clone());
    forward(child.stderr.take().unwrap(), tx);
    rx
}

/// The first line holding `marker`, within `limit`; what was seen otherwise.
async fn wait_for(
    rx: &mut mpsc::UnboundedReceiver<String>,
    marker: &str,
    limit: Duration,
) -> String {
    let mut seen = Vec::new();
    let found = timeout(limit, async {
        while let Some(line) = rx.recv().await {
            if line.contains(marker) {
                return Some(line);
            }
            seen.push(line);
        }
        None
    })
    .await;
    found
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("no `{marker}` within {limit:?}; saw:\n{}", seen.join("\n")))
}

/// `scripts/lambda-loop.sh` in a process group of its own, ended (moto with it) on drop.
struct Loop(Child);

impl Drop for Loop {
    fn drop(&mut self) {
        if let Some(pid) = self.0.id() {
            let _ = std::process::Command::new("kill")
                .args(["-TERM", "--", &format!("-{pid}")])
                .status();
        }
    }
}

async fn start_loop(port: u16) -> Loop {
    let mut child = Command::new("bash")
        .args(["scripts/lambda-loop.sh", "--port", &port.to_string()])
        .current_dir(root())
        .process_group(0)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = lines(&mut child);
    // Generous: a machine without the Python tools installs them first.
    wait_for(&mut out, "ready: moto on", Duration::from_secs(300)).await;
    Loop(child)
}

/// `cargo lambda watch --only-lambda-apis` on `port`, and the runtime API it prints.
async fn start_watch(cargo_lambda: &Path, port: u16) -> (Child, String) {
    let mut child = Command::new(cargo_lambda)
        .args([
            "lambda",
            "watch",
            "--only-lambda-apis",
            "-A",
            "127.0.0.1",
            "-P",
        ])
        .arg(port.to_string())
        .current_dir(root())
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut out = lines(&mut child);
    let line = wait_for(&mut out, "AWS_LAMBDA_RUNTIME_API=", Duration::from_secs(60)).await;
    let api = line
        .rsplit("AWS_LAMBDA_RUNTIME_API=")
        .next()
        .unwrap()
        .trim()
        .to_owned();
    (child, api)
}

/// This function's binary as cargo-lambda starts it, with `AWS_ENDPOINT_URL` on the test's moto.
/// A named function polls its own queue under the runtime API, `{runtime_api}/{name}` (what
/// `watch` gives the functions it starts: `function_addr` in cargo-lambda-watch's `state.rs`).
fn start_function(runtime_api: &str, moto: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_validate-session"))
        .env_clear()
        .envs(watch_env())
        .env("AWS_ENDPOINT_URL", moto)
        .env("AWS_LAMBDA_FUNCTION_VERSION", "1")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "4096")
        .env(
            "AWS_LAMBDA_RUNTIME_API",
            format!("{runtime_api}/validate-session"),
        )
        .env("AWS_LAMBDA_FUNCTION_NAME", "validate-session")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

/// A session for the event file's hash, as initiate would have stored it.
async fn store_session(moto: &str, hash: &str) {
    let env: BTreeMap<_, _> = watch_env().into_iter().collect();
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let client = aws_sdk_dynamodb::Client::new(&moto::sdk_config_for(moto));
    let store = DynamoStore::new(client, &env["SESSION_TABLE"], clock.clone());
    let now = clock.now_secs();
    let attributes = [
        ("session_hash", hash),
        ("priority_tier", "2"),
        ("geo_segment", "emea"),
    ]
    .into_iter()
    .chain([("risk_score", "10"), ("authenticated", "true")])
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let record = SessionRecord {
        session_hash: SessionHash::parse(hash).expect("the example hash is well formed"),
        subject_key: "subject".to_owned(),
        attributes,
        chain_started_at: now,
        created_at: now,
        expires_at: now + 60,
        status: SessionStatus::Active,
        conversation_id: None,
        refresh_count: 0,
        ttl: now + 3600,
        grace_until: None,
        initiated_conversation: None,
    };
    store.create_session(&record).await.unwrap();
}

/// `cargo lambda invoke validate-session` with `data` (`--data-file PATH` or `--data-ascii JSON`).
async fn invoke(cargo_lambda: &Path, port: u16, data: [&str; 2]) -> Value {
    let run = Command::new(cargo_lambda)
        .args([
            "lambda",
            "invoke",
            "validate-session",
            "-A",
            "127.0.0.1",
            "-P",
        ])
        .arg(port.to_string())
        .args(data)
        .args(["--output-format", "json"])
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output();
    let out = timeout(Duration::from_secs(60), run)
        .await
        .expect("the invoke answers")
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn cargo_lambda_invoke_of_the_data_action_event_answers_from_the_loop() {
    // Arrange: the loop's moto, a session for the example event's hash, watch and the function.
    let cargo_lambda = tools::find("cargo-lambda", "CARGO_LAMBDA").unwrap();
    let moto_port = free_port();
    let _aws = start_loop(moto_port).await;
    let moto = format!("http://127.0.0.1:{moto_port}");
    let event: Value =
        serde_json::from_str(&std::fs::read_to_string(root().join(EVENT_FILE)).unwrap()).unwrap();
    store_session(&moto, event["sessionHash"].as_str().unwrap()).await;
    let watch_port = free_port();
    let (_watch, runtime_api) = start_watch(&cargo_lambda, watch_port).await;
    let _function = start_function(&runtime_api, &moto);

    // Act: the example event, then the same hash from another conversation.
    let first = invoke(&cargo_lambda, watch_port, ["--data-file", EVENT_FILE]).await;
    let mut replay = event.clone();
    replay["conversationId"] = Value::from(uuid::Uuid::new_v4().to_string());
    let second = invoke(
        &cargo_lambda,
        watch_port,
        ["--data-ascii", &replay.to_string()],
    )
    .await;

    // Assert: valid with the stored attributes once, then refused as a replay.
    assert_eq!(first["valid"], true, "{first}");
    assert_eq!(first["priority_tier"], "2", "{first}");
    assert_eq!(first["geo_segment"], "emea", "{first}");
    assert_eq!(second["valid"], false, "{second}");
    assert_eq!(second["reason"], "replayed", "{second}");
}
