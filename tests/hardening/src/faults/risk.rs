//! The risk scorer down, slow or wrong, under both failure policies. Each scenario arranges a
//! loopback scorer and a fresh stack, initiates, and returns what happened; the tests
//! (`tests/faults.rs`) assert that the policy holds, the answer comes within the scorer's
//! deadline, and a refused initiation allocates nothing in Genesys.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use local::Options;
use secure_initiation::adapters::HttpRiskScorer;
use secure_initiation::api::BrowserSettings;
use secure_initiation::api::risk::{FailPolicy, RiskPolicy};
use secure_initiation::api::strategy::StrategyKind;
use secure_initiation::ports::RiskScorer;
use serde_json::json;

use crate::harness::{Exposure, Reply, spawn};

/// The scorer's hard deadline in these scenarios (the configured default is 300 ms).
pub const SCORER_DEADLINE: Duration = Duration::from_millis(300);
/// Allowance for scheduling on a loaded two-core machine.
pub const MARGIN: Duration = Duration::from_millis(1500);

/// How the loopback scorer behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    /// Accepts and never answers.
    Hang,
    /// Answers a score after a second (past the deadline).
    Slow,
    /// Answers 500.
    Error,
    /// Answers 200 with a body that is not JSON.
    Garbage,
    /// Answers a score outside 0..=100.
    OutOfRange,
    /// Nothing listens.
    Refused,
    /// Answers this score at once.
    Score(i64),
}

impl Behaviour {
    fn name(self) -> String {
        match self {
            Self::Hang => "hangs".to_owned(),
            Self::Slow => "answers after 1 s".to_owned(),
            Self::Error => "answers 500".to_owned(),
            Self::Garbage => "answers non-JSON".to_owned(),
            Self::OutOfRange => "answers score 500".to_owned(),
            Self::Refused => "refuses connections".to_owned(),
            Self::Score(s) => format!("answers score {s}"),
        }
    }
}

async fn scorer(behaviour: Behaviour) -> (SocketAddr, Option<tokio::task::JoinHandle<()>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port");
    let addr = listener.local_addr().expect("its address");
    if behaviour == Behaviour::Refused {
        drop(listener);
        return (addr, None);
    }
    let app = Router::new().fallback(move || async move { answer(behaviour).await });
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (addr, Some(task))
}

async fn answer(behaviour: Behaviour) -> Response {
    match behaviour {
        Behaviour::Hang => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            StatusCode::OK.into_response()
        }
        Behaviour::Slow => {
            tokio::time::sleep(Duration::from_secs(1)).await;
            axum::Json(json!({"score": 10})).into_response()
        }
        Behaviour::Error => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        Behaviour::Garbage => (StatusCode::OK, "<html>oops</html>").into_response(),
        Behaviour::OutOfRange => axum::Json(json!({"score": 500})).into_response(),
        Behaviour::Score(s) => axum::Json(json!({ "score": s })).into_response(),
        Behaviour::Refused => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

/// The failure policies the scenarios run under: fail-closed, fail-open assuming 50 (below the
/// refusal threshold of 80), fail-open assuming 90 (above it).
pub const CLOSED: FailPolicy = FailPolicy::Closed;
/// Fail-open, assuming a score of 50.
pub const OPEN_AT_50: FailPolicy = FailPolicy::Open { assumed_score: 50 };
/// Fail-open, assuming a score of 90.
pub const OPEN_AT_90: FailPolicy = FailPolicy::Open { assumed_score: 90 };

/// Every behaviour under every policy, plus two healthy scores (the secrets-hygiene suite runs
/// them all; the tests take one each).
pub fn cases() -> Vec<(Behaviour, FailPolicy)> {
    let mut all = Vec::new();
    for b in [
        Behaviour::Hang,
        Behaviour::Slow,
        Behaviour::Error,
        Behaviour::Garbage,
        Behaviour::OutOfRange,
        Behaviour::Refused,
    ] {
        all.extend([(b, CLOSED), (b, OPEN_AT_50), (b, OPEN_AT_90)]);
    }
    all.push((Behaviour::Score(20), CLOSED));
    all.push((Behaviour::Score(95), OPEN_AT_50));
    all
}

/// As the results table names a case.
pub fn label(behaviour: Behaviour, on_failure: FailPolicy) -> String {
    let policy = match on_failure {
        FailPolicy::Closed => "fail-closed".to_owned(),
        FailPolicy::Open { assumed_score } => format!("fail-open at {assumed_score}"),
    };
    format!("scorer {} ({policy})", behaviour.name())
}

/// What an initiate got with the scorer behaving so.
#[derive(Debug)]
pub struct RiskRun {
    /// initiate's answer.
    pub reply: Reply,
    /// Conversations Genesys holds afterwards.
    pub conversations: usize,
    /// For a 201: the `risk_score` validate-session then hands Architect.
    pub risk_score: Option<String>,
}

/// One initiate on a fresh stack (`initiation-api`, so a refusal that created a conversation
/// would show; refusal at 80), with the scorer behaving as `behaviour`.
pub async fn run(behaviour: Behaviour, on_failure: FailPolicy, seen: &mut Exposure) -> RiskRun {
    let (addr, server) = scorer(behaviour).await;
    let url = url::Url::parse(&format!("http://{addr}/score")).expect("a URL");
    let risk: Arc<dyn RiskScorer> =
        Arc::new(HttpRiskScorer::new(url, SCORER_DEADLINE).expect("the scorer client builds"));
    let stack = spawn(Options {
        strategy: StrategyKind::InitiationApi,
        initiate: BrowserSettings {
            risk: RiskPolicy {
                refuse_at: 80,
                on_failure,
            },
            ..BrowserSettings::initiate()
        },
        risk_scorer: Some(risk),
        ..Options::default()
    })
    .await;
    let token = stack.token("risk-fault");
    seen.secret(token.clone());
    let reply = stack.initiate(&token, &json!({"orderId": "5"}), None).await;
    seen.reply(&reply);
    let conversations = stack.running.sandbox.conversations().len();
    let mut risk_score = None;
    if reply.status == 201 {
        let body = reply.json();
        let hash = body["sessionHash"].as_str().unwrap_or_default().to_owned();
        seen.secret(hash.clone());
        seen.secret(body["token"].as_str().unwrap_or_default());
        let conv = body["conversationId"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let validated = stack.validate(&hash, &conv, None).await;
        risk_score = validated.json()["risk_score"].as_str().map(str::to_owned);
    }
    stack.record_secrets(seen);
    if let Some(server) = server {
        server.abort();
    }
    RiskRun {
        reply,
        conversations,
        risk_score,
    }
}
