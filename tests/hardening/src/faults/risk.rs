//! The risk scorer down, slow or wrong, under both failure policies: the policy holds, the
//! answer comes within the scorer's deadline, and a refused initiation allocates nothing in
//! Genesys.

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

use super::Outcome;
use crate::harness::{Exposure, assert_problem, spawn};

/// The scorer's hard deadline in these scenarios (the configured default is 300 ms).
pub const SCORER_DEADLINE: Duration = Duration::from_millis(300);
const MARGIN: Duration = Duration::from_millis(1500);

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

/// One scorer behaviour under one policy and what the browser gets.
#[derive(Debug, Clone, Copy)]
pub struct RiskCase {
    /// The scorer.
    pub behaviour: Behaviour,
    /// The failure policy.
    pub on_failure: FailPolicy,
    /// The status the browser gets.
    pub status: u16,
    /// The `risk_score` Architect then sees, for a 201.
    pub score: Option<i64>,
}

/// Every case.
pub fn cases() -> Vec<RiskCase> {
    let closed = FailPolicy::Closed;
    let open = FailPolicy::Open { assumed_score: 50 };
    let open_high = FailPolicy::Open { assumed_score: 90 };
    let c = |behaviour, on_failure, status, score| RiskCase {
        behaviour,
        on_failure,
        status,
        score,
    };
    let mut all = Vec::new();
    for b in [
        Behaviour::Hang,
        Behaviour::Slow,
        Behaviour::Error,
        Behaviour::Garbage,
        Behaviour::OutOfRange,
        Behaviour::Refused,
    ] {
        all.push(c(b, closed, 503, None));
        all.push(c(b, open, 201, Some(50)));
        all.push(c(b, open_high, 403, None));
    }
    all.push(c(Behaviour::Score(20), closed, 201, Some(20)));
    all.push(c(Behaviour::Score(95), open, 403, None));
    all
}

fn policy_name(p: FailPolicy) -> String {
    match p {
        FailPolicy::Closed => "fail-closed".to_owned(),
        FailPolicy::Open { assumed_score } => format!("fail-open at {assumed_score}"),
    }
}

/// Runs one case on a fresh stack (`initiation-api`, so a refusal that created a conversation
/// would show).
pub async fn run(case: RiskCase, seen: &mut Exposure) -> Outcome {
    let (addr, server) = scorer(case.behaviour).await;
    let url = url::Url::parse(&format!("http://{addr}/score")).expect("a URL");
    let risk: Arc<dyn RiskScorer> =
        Arc::new(HttpRiskScorer::new(url, SCORER_DEADLINE).expect("the scorer client builds"));
    let stack = spawn(Options {
        strategy: StrategyKind::InitiationApi,
        initiate: BrowserSettings {
            risk: RiskPolicy {
                refuse_at: 80,
                on_failure: case.on_failure,
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
    let label = format!(
        "scorer {} ({})",
        case.behaviour.name(),
        policy_name(case.on_failure)
    );
    assert_eq!(reply.status, case.status, "{label}: {}", reply.body);
    assert!(
        reply.elapsed < SCORER_DEADLINE + MARGIN,
        "{label}: answered after {:?}",
        reply.elapsed
    );
    let conversations = stack.running.sandbox.conversations().len();
    match case.status {
        201 => {
            assert_eq!(conversations, 1, "{label}");
            let body = reply.json();
            let hash = body["sessionHash"].as_str().unwrap().to_owned();
            seen.secret(hash.clone());
            seen.secret(body["token"].as_str().unwrap_or_default());
            let conv = body["conversationId"].as_str().unwrap().to_owned();
            let validated = stack.validate(&hash, &conv, None).await;
            let expected = case.score.map(|s| s.to_string()).unwrap_or_default();
            assert_eq!(validated.json()["risk_score"], expected.as_str(), "{label}");
        }
        503 => {
            assert_problem(&reply, 503, "service-unavailable");
            assert!(reply.header("retry-after").is_some(), "{label}");
            assert_eq!(conversations, 0, "{label}: nothing allocated");
        }
        _ => {
            assert_problem(&reply, 403, "risk-refused");
            assert_eq!(conversations, 0, "{label}: nothing allocated");
        }
    }
    stack.record_secrets(seen);
    if let Some(server) = server {
        server.abort();
    }
    let result = match case.score {
        Some(s) if case.status == 201 => format!("201, risk_score {s}"),
        _ => format!("{}", case.status),
    };
    Outcome::new(
        "Risk scorer",
        &label,
        1,
        &format!("{result} in {} ms", reply.elapsed.as_millis()),
    )
}
