//! Genesys Cloud misbehaving, through the sandbox's fault injection: under the `initiation-api`
//! strategy's create, and under the validate-session participant write-back. Each scenario
//! arranges a fresh stack, injects its fault, acts, and returns what happened; the tests
//! (`tests/faults.rs`) assert on it.

use std::time::Duration;

use genesys_sandbox::Fault;
use local::Options;
use secure_initiation::api::strategy::StrategyKind;
use secure_initiation::api::{BrowserSettings, ValidateSettings};
use serde_json::{Value, json};

use crate::harness::{Exposure, Reply, Stack, spawn};

/// The create's budget in these scenarios (the default is 5 s).
pub const CREATE_DEADLINE: Duration = Duration::from_millis(1500);
/// The validation's deadline (the default).
pub const VALIDATE_DEADLINE: Duration = Duration::from_millis(2500);
/// Allowance for scheduling on a loaded two-core machine.
pub const MARGIN: Duration = Duration::from_millis(1500);

const CREATE_PATH: &str = "/api/v2/webmessaging";
const ATTRIBUTES_PATH: &str = "/api/v2/conversations/messages";

async fn initiation_api() -> Stack {
    spawn(Options {
        strategy: StrategyKind::InitiationApi,
        initiate: BrowserSettings {
            genesys_deadline: CREATE_DEADLINE,
            ..BrowserSettings::initiate()
        },
        validate: ValidateSettings {
            deadline: VALIDATE_DEADLINE,
            write_back: true,
            ..ValidateSettings::default()
        },
        ..Options::default()
    })
    .await
}

/// Every fault under the create (the tests take one each; the secrets-hygiene suite runs all).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreateFault {
    /// 429 with `Retry-After: 1`, once: fits the budget.
    RateLimitedBriefly,
    /// 429 with `Retry-After: 30`: past the budget.
    RateLimitedLong,
    /// 500.
    ServerError,
    /// 502: the outcome is unknown.
    BadGateway,
    /// 503 on every create.
    UnavailableThroughout,
    /// 503 once, then healthy.
    UnavailableOnce,
    /// 504: the outcome is unknown.
    GatewayTimeout,
    /// The create takes 3 s (past the budget; Genesys does create).
    Slow,
    /// The connection is reset.
    Reset,
    /// 200 with a body that is not JSON.
    MalformedOk,
    /// 500 with a body that is not JSON.
    MalformedError,
    /// The OAuth token endpoint answers 503.
    OAuthDown,
}

impl CreateFault {
    /// All of them.
    pub const ALL: [Self; 12] = [
        Self::RateLimitedBriefly,
        Self::RateLimitedLong,
        Self::ServerError,
        Self::BadGateway,
        Self::UnavailableThroughout,
        Self::UnavailableOnce,
        Self::GatewayTimeout,
        Self::Slow,
        Self::Reset,
        Self::MalformedOk,
        Self::MalformedError,
        Self::OAuthDown,
    ];

    /// As the results table names it.
    pub fn name(self) -> &'static str {
        match self {
            Self::RateLimitedBriefly => "429, Retry-After 1 s (fits the deadline): waited out",
            Self::RateLimitedLong => "429, Retry-After 30 s (past the deadline)",
            Self::ServerError => "500 on create",
            Self::BadGateway => "502 on create (outcome unknown)",
            Self::UnavailableThroughout => "503 on every create",
            Self::UnavailableOnce => "503 once, then healthy",
            Self::GatewayTimeout => "504 on create (outcome unknown)",
            Self::Slow => "slower than the deadline (3 s)",
            Self::Reset => "connection reset",
            Self::MalformedOk => "malformed JSON with 200",
            Self::MalformedError => "malformed JSON with 500",
            Self::OAuthDown => "OAuth token endpoint down",
        }
    }

    /// What the sandbox injects.
    pub fn fault(self) -> Fault {
        let on = |f: Fault| f.on_path(CREATE_PATH);
        match self {
            Self::RateLimitedBriefly => on(Fault::rate_limited(1)),
            Self::RateLimitedLong => on(Fault::rate_limited(30).times(10)),
            Self::ServerError => on(Fault::status(500).times(10)),
            Self::BadGateway => on(Fault::status(502).times(10)),
            Self::UnavailableThroughout => on(Fault::status(503).times(100)),
            Self::UnavailableOnce => on(Fault::status(503)),
            Self::GatewayTimeout => on(Fault::status(504).times(10)),
            Self::Slow => on(Fault::delay(Duration::from_secs(3))),
            Self::Reset => on(Fault::reset().times(10)),
            Self::MalformedOk => on(Fault::malformed(200).times(10)),
            Self::MalformedError => on(Fault::malformed(500).times(10)),
            Self::OAuthDown => Fault::status(503).on_path("/oauth/token").times(100),
        }
    }
}

/// What one create fault did: the first answer, the same `Idempotency-Key` again, and what
/// Genesys saw.
#[derive(Debug)]
pub struct CreateRun {
    /// The first initiate's answer.
    pub reply: Reply,
    /// Create requests Genesys saw after it.
    pub creates: usize,
    /// The same request with the same key.
    pub again: Reply,
    /// Create requests Genesys saw after that.
    pub creates_after_again: usize,
    /// Conversations the sandbox holds at the end (faults cleared).
    pub conversations: usize,
}

/// Runs one create fault on a fresh `initiation-api` stack (create budget
/// [`CREATE_DEADLINE`]): an initiate with an `Idempotency-Key`, then the same again.
pub async fn create_fault(fault: CreateFault, seen: &mut Exposure) -> CreateRun {
    let stack = initiation_api().await;
    let token = stack.token("genesys-fault");
    seen.secret(token.clone());
    stack.running.sandbox.inject(fault.fault());
    let key = "fault-key-1";
    let body = json!({"orderId": crate::harness::ORDER_ID, "initialMessage": "Where is my order?"});
    let reply = stack.initiate(&token, &body, Some(key)).await;
    seen.reply(&reply);
    if reply.status == 201 {
        let created = reply.json();
        seen.secret(created["token"].as_str().unwrap_or_default());
        seen.secret(created["sessionHash"].as_str().unwrap_or_default());
    }
    let creates = stack.running.sandbox.count_create_requests();
    let again = stack.initiate(&token, &body, Some(key)).await;
    seen.reply(&again);
    let creates_after_again = stack.running.sandbox.count_create_requests();
    stack.running.sandbox.clear_faults();
    let conversations = stack.running.sandbox.conversations().len();
    stack.record_secrets(seen);
    CreateRun {
        reply,
        creates,
        again,
        creates_after_again,
        conversations,
    }
}

/// What a create did after Genesys revoked the token the stack held.
#[derive(Debug)]
pub struct Revoked {
    /// The initiate after the revocation.
    pub reply: Reply,
    /// Token requests Genesys saw in all.
    pub token_requests: usize,
    /// Conversations the sandbox holds.
    pub conversations: usize,
}

/// A token Genesys revoked between two creates.
pub async fn token_revoked_mid_flight(seen: &mut Exposure) -> Revoked {
    let stack = initiation_api().await;
    let token = stack.token("revoked-token");
    seen.secret(token.clone());
    let first = stack.initiate_ok(&token).await;
    seen.secret(first["token"].as_str().unwrap_or_default());
    stack.record_secrets(seen);
    stack.running.sandbox.revoke_tokens();
    let reply = stack.initiate(&token, &json!({}), None).await;
    seen.reply(&reply);
    seen.secret(reply.json()["token"].as_str().unwrap_or_default());
    stack.record_secrets(seen);
    Revoked {
        reply,
        token_requests: stack.running.sandbox.count_token_requests(),
        conversations: stack.running.sandbox.conversations().len(),
    }
}

/// Every fault under the participant write-back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteBackFault {
    /// 429 with `Retry-After: 1`, once.
    RateLimitedBriefly,
    /// 429 with `Retry-After: 30`.
    RateLimitedLong,
    /// 500.
    ServerError,
    /// 502.
    BadGateway,
    /// 503 throughout.
    Unavailable,
    /// 504.
    GatewayTimeout,
    /// The write takes 4 s (past the validation deadline).
    Slow,
    /// The connection is reset once (retried).
    ResetOnce,
    /// The connection is reset throughout.
    ResetThroughout,
    /// 500 with a body that is not JSON.
    Malformed,
    /// Genesys revoked the token the stack held.
    TokenRevoked,
}

impl WriteBackFault {
    /// All of them.
    pub const ALL: [Self; 11] = [
        Self::RateLimitedBriefly,
        Self::RateLimitedLong,
        Self::ServerError,
        Self::BadGateway,
        Self::Unavailable,
        Self::GatewayTimeout,
        Self::Slow,
        Self::ResetOnce,
        Self::ResetThroughout,
        Self::Malformed,
        Self::TokenRevoked,
    ];

    /// As the results table names it.
    pub fn name(self) -> &'static str {
        match self {
            Self::RateLimitedBriefly => "429, Retry-After 1 s",
            Self::RateLimitedLong => "429, Retry-After 30 s",
            Self::ServerError => "500",
            Self::BadGateway => "502",
            Self::Unavailable => "503 throughout",
            Self::GatewayTimeout => "504",
            Self::Slow => "slower than the deadline (4 s)",
            Self::ResetOnce => "connection reset once (retried)",
            Self::ResetThroughout => "connection reset throughout",
            Self::Malformed => "malformed JSON with 500",
            Self::TokenRevoked => "token revoked mid-flight",
        }
    }

    fn fault(self) -> Option<Fault> {
        let on = |f: Fault| Some(f.on_path(ATTRIBUTES_PATH));
        match self {
            Self::RateLimitedBriefly => on(Fault::rate_limited(1)),
            Self::RateLimitedLong => on(Fault::rate_limited(30).times(10)),
            Self::ServerError => on(Fault::status(500).times(10)),
            Self::BadGateway => on(Fault::status(502).times(10)),
            Self::Unavailable => on(Fault::status(503).times(100)),
            Self::GatewayTimeout => on(Fault::status(504).times(10)),
            Self::Slow => on(Fault::delay(Duration::from_secs(4))),
            Self::ResetOnce => on(Fault::reset()),
            Self::ResetThroughout => on(Fault::reset().times(100)),
            Self::Malformed => on(Fault::malformed(500).times(10)),
            Self::TokenRevoked => None,
        }
    }
}

/// What a validation with the write-back answered under a fault, and what the hash is bound
/// to afterwards.
#[derive(Debug)]
pub struct WriteBackRun {
    /// validate-session's answer (with `participantId`).
    pub reply: Reply,
    /// The same hash from another conversation, faults cleared.
    pub elsewhere: Reply,
}

/// One write-back fault on a fresh `initiation-api` stack (validation deadline
/// [`VALIDATE_DEADLINE`]) and a fresh session.
pub async fn write_back(fault: WriteBackFault, seen: &mut Exposure) -> WriteBackRun {
    let stack = initiation_api().await;
    let token = stack.token("write-back");
    seen.secret(token.clone());
    let created: Value = stack.initiate_ok(&token).await;
    let hash = created["sessionHash"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let conversation = created["conversationId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    seen.secret(hash.clone());
    seen.secret(created["token"].as_str().unwrap_or_default());
    let participant = stack
        .running
        .sandbox
        .conversation(&conversation)
        .and_then(|c| c.customer().map(|p| p.id.clone()))
        .expect("the created conversation has a customer");
    if fault == WriteBackFault::TokenRevoked {
        stack.record_secrets(seen);
        stack.running.sandbox.revoke_tokens();
    }
    if let Some(f) = fault.fault() {
        stack.running.sandbox.inject(f);
    }
    let reply = stack
        .validate(&hash, &conversation, Some(&participant))
        .await;
    seen.reply(&reply);
    stack.running.sandbox.clear_faults();
    let elsewhere = stack
        .validate(&hash, &crate::harness::conversation(), None)
        .await;
    seen.reply(&elsewhere);
    stack.record_secrets(seen);
    WriteBackRun { reply, elsewhere }
}
