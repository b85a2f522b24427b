//! Genesys Cloud misbehaving, through the sandbox's fault injection: under the `initiation-api`
//! strategy's create, and under the validate-session participant write-back.

use std::time::Duration;

use genesys_sandbox::Fault;
use local::Options;
use secure_initiation::api::strategy::StrategyKind;
use secure_initiation::api::{BrowserSettings, ValidateSettings};
use serde_json::{Value, json};

use super::Outcome;
use crate::harness::{Exposure, Stack, assert_problem, spawn};

/// The create's budget in these scenarios (the default is 5 s).
pub const CREATE_DEADLINE: Duration = Duration::from_millis(1500);
/// The validation's deadline (the default).
pub const VALIDATE_DEADLINE: Duration = Duration::from_millis(2500);
/// Allowance for scheduling on a loaded two-core machine.
const MARGIN: Duration = Duration::from_millis(1500);

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

/// One fault under the create, what the browser must see, and how many conversations may
/// exist afterwards.
#[derive(Debug, Clone)]
pub struct CreateCase {
    /// The fault class.
    pub name: &'static str,
    /// What is injected.
    pub fault: Fault,
    /// The status the browser gets.
    pub status: u16,
    /// Conversations the sandbox holds afterwards (a delayed create did the work).
    pub conversations: usize,
    /// The most create requests Genesys may see (retries only where nothing was created).
    pub max_creates: usize,
}

/// Every create fault.
pub fn create_cases() -> Vec<CreateCase> {
    let on = |f: Fault| f.on_path(CREATE_PATH);
    let c = |name, fault, status, conversations, max_creates| CreateCase {
        name,
        fault,
        status,
        conversations,
        max_creates,
    };
    vec![
        c(
            "429, Retry-After 1 s (fits the deadline): waited out",
            on(Fault::rate_limited(1)),
            201,
            1,
            2,
        ),
        c(
            "429, Retry-After 30 s (past the deadline)",
            on(Fault::rate_limited(30).times(10)),
            503,
            0,
            1,
        ),
        c("500 on create", on(Fault::status(500).times(10)), 502, 0, 1),
        c(
            "502 on create (outcome unknown)",
            on(Fault::status(502).times(10)),
            504,
            0,
            1,
        ),
        c(
            "503 on every create",
            on(Fault::status(503).times(100)),
            503,
            0,
            4,
        ),
        c("503 once, then healthy", on(Fault::status(503)), 201, 1, 2),
        c(
            "504 on create (outcome unknown)",
            on(Fault::status(504).times(10)),
            504,
            0,
            1,
        ),
        c(
            "slower than the deadline (3 s)",
            on(Fault::delay(Duration::from_secs(3))),
            504,
            1,
            1,
        ),
        c("connection reset", on(Fault::reset().times(10)), 504, 0, 1),
        c(
            "malformed JSON with 200",
            on(Fault::malformed(200).times(10)),
            502,
            0,
            1,
        ),
        c(
            "malformed JSON with 500",
            on(Fault::malformed(500).times(10)),
            502,
            0,
            1,
        ),
        c(
            "OAuth token endpoint down",
            Fault::status(503).on_path("/oauth/token").times(100),
            503,
            0,
            0,
        ),
    ]
}

/// Runs one create fault on a fresh stack.
pub async fn create_fault(case: &CreateCase, seen: &mut Exposure) -> Outcome {
    let stack = initiation_api().await;
    let token = stack.token("genesys-fault");
    seen.secret(token.clone());
    stack.running.sandbox.inject(case.fault.clone());
    let key = "fault-key-1";
    let body = json!({"orderId": crate::harness::ORDER_ID, "initialMessage": "Where is my order?"});
    let reply = stack.initiate(&token, &body, Some(key)).await;
    seen.reply(&reply);
    assert!(
        reply.elapsed < CREATE_DEADLINE + MARGIN,
        "{}: answered after {:?}",
        case.name,
        reply.elapsed
    );
    assert_eq!(reply.status, case.status, "{}: {}", case.name, reply.body);
    if reply.status == 201 {
        let created = reply.json();
        seen.secret(created["token"].as_str().unwrap_or_default());
        seen.secret(created["sessionHash"].as_str().unwrap_or_default());
    } else {
        let slug = match reply.status {
            502 => "upstream-error",
            503 => "service-unavailable",
            _ => "upstream-timeout",
        };
        assert_problem(&reply, reply.status, slug);
        if reply.status == 503 {
            assert!(reply.header("retry-after").is_some(), "{}", case.name);
        }
    }
    let creates = stack.running.sandbox.count_create_requests();
    assert!(
        creates <= case.max_creates,
        "{}: {creates} creates",
        case.name
    );
    // The same key again: never a second conversation while the first one's fate is unknown.
    let again = stack.initiate(&token, &body, Some(key)).await;
    seen.reply(&again);
    if case.status == 201 || case.status == 504 {
        assert_eq!(again.status, reply.status, "{}: replayed", case.name);
        assert_eq!(again.body, reply.body, "{}: the first answer", case.name);
        assert_eq!(stack.running.sandbox.count_create_requests(), creates);
    }
    stack.running.sandbox.clear_faults();
    let conversations = stack.running.sandbox.conversations();
    let expected = case.conversations + usize::from(again.status == 201 && case.status != 201);
    assert_eq!(conversations.len(), expected, "{}", case.name);
    stack.record_secrets(seen);
    let creates = stack.running.sandbox.count_create_requests();
    Outcome::new(
        "Genesys create",
        case.name,
        2,
        &format!(
            "{} in {} ms; same Idempotency-Key again: {}; {creates} create(s) sent, {} conversation(s)",
            reply.status,
            reply.elapsed.as_millis(),
            again.status,
            conversations.len()
        ),
    )
}

/// A token Genesys revoked between two calls is replaced once, and the call goes through.
pub async fn token_revoked_mid_flight(seen: &mut Exposure) -> Outcome {
    let stack = initiation_api().await;
    let token = stack.token("revoked-token");
    seen.secret(token.clone());
    let first = stack.initiate_ok(&token).await;
    seen.secret(first["token"].as_str().unwrap_or_default());
    stack.record_secrets(seen);
    stack.running.sandbox.revoke_tokens();
    let second = stack.initiate(&token, &json!({}), None).await;
    seen.reply(&second);
    assert_eq!(second.status, 201, "{}", second.body);
    seen.secret(second.json()["token"].as_str().unwrap_or_default());
    assert_eq!(stack.running.sandbox.count_token_requests(), 2);
    assert_eq!(stack.running.sandbox.conversations().len(), 2);
    stack.record_secrets(seen);
    Outcome::new(
        "Genesys create",
        "token revoked mid-flight",
        2,
        "201, one new token",
    )
}

/// One fault under the participant write-back; the validation still answers in time.
#[derive(Debug, Clone)]
pub struct WriteBackCase {
    /// The fault class.
    pub name: &'static str,
    /// What is injected.
    pub fault: Option<Fault>,
    /// Revoke Genesys tokens first.
    pub revoke: bool,
    /// The `participant_update` Architect gets.
    pub update: &'static str,
}

/// Every write-back fault.
pub fn write_back_cases() -> Vec<WriteBackCase> {
    let on = |f: Fault| Some(f.on_path(ATTRIBUTES_PATH));
    let c = |name, fault, revoke, update| WriteBackCase {
        name,
        fault,
        revoke,
        update,
    };
    vec![
        c(
            "429, Retry-After 1 s",
            on(Fault::rate_limited(1)),
            false,
            "written",
        ),
        c(
            "429, Retry-After 30 s",
            on(Fault::rate_limited(30).times(10)),
            false,
            "failed",
        ),
        c("500", on(Fault::status(500).times(10)), false, "failed"),
        c("502", on(Fault::status(502).times(10)), false, "failed"),
        c(
            "503 throughout",
            on(Fault::status(503).times(100)),
            false,
            "failed",
        ),
        c("504", on(Fault::status(504).times(10)), false, "failed"),
        c(
            "slower than the deadline (4 s)",
            on(Fault::delay(Duration::from_secs(4))),
            false,
            "timeout",
        ),
        c(
            "connection reset once (retried)",
            on(Fault::reset()),
            false,
            "written",
        ),
        c(
            "connection reset throughout",
            on(Fault::reset().times(100)),
            false,
            "failed",
        ),
        c(
            "malformed JSON with 500",
            on(Fault::malformed(500).times(10)),
            false,
            "failed",
        ),
        c("token revoked mid-flight", None, true, "written"),
    ]
}

/// Runs every write-back fault on one stack and one bound session.
pub async fn write_back_faults(seen: &mut Exposure) -> Vec<Outcome> {
    let stack = initiation_api().await;
    let token = stack.token("write-back");
    seen.secret(token.clone());
    let created: Value = stack.initiate_ok(&token).await;
    let hash = created["sessionHash"].as_str().unwrap().to_owned();
    let conversation = created["conversationId"].as_str().unwrap().to_owned();
    seen.secret(hash.clone());
    seen.secret(created["token"].as_str().unwrap_or_default());
    let participant = stack
        .running
        .sandbox
        .conversation(&conversation)
        .and_then(|c| c.customer().map(|p| p.id.clone()))
        .expect("the created conversation has a customer");
    let mut outcomes = Vec::new();
    for case in write_back_cases() {
        stack.running.sandbox.clear_faults();
        if case.revoke {
            stack.record_secrets(seen);
            stack.running.sandbox.revoke_tokens();
        }
        if let Some(fault) = &case.fault {
            stack.running.sandbox.inject(fault.clone());
        }
        let reply = stack
            .validate(&hash, &conversation, Some(&participant))
            .await;
        seen.reply(&reply);
        assert_eq!(reply.status, 200, "{}: {}", case.name, reply.body);
        assert!(
            reply.elapsed < VALIDATE_DEADLINE + MARGIN,
            "{}: answered after {:?}",
            case.name,
            reply.elapsed
        );
        let body = reply.json();
        assert_eq!(body["valid"], true, "{}: {body}", case.name);
        assert_eq!(
            body["participant_update"], case.update,
            "{}: {body}",
            case.name
        );
        outcomes.push(Outcome::new(
            "Genesys write-back",
            case.name,
            1,
            &format!(
                "200 valid, participant_update={} in {} ms",
                case.update,
                reply.elapsed.as_millis()
            ),
        ));
    }
    stack.running.sandbox.clear_faults();
    // Still bound to its own conversation only.
    let other = stack
        .validate(&hash, &crate::harness::conversation(), None)
        .await;
    seen.reply(&other);
    assert_eq!(other.json()["reason"], "replayed");
    stack.record_secrets(seen);
    outcomes
}
