//! The run: the floor, then each function with realistic traffic, one fresh session per event.
//! initiate issues session hashes; validate-session binds them to conversations (first through
//! API Gateway, then again as the AWS Lambda data action, which the same conversation may do);
//! refresh-token replaces each session as initiate stored it (staged alone in its own table, see
//! [`Backends::stage_refresh`]). The `initiation-api` strategy creates sandbox conversations that
//! validate-session then writes the attributes back onto.

use std::path::Path;

use bytes::Bytes;
use serde_json::{Value, json};

use crate::backends::{Backends, ORIGIN, REFRESH_TABLE, TABLE};
use crate::error::BenchError;
use crate::events::{
    basic_authorization, data_action_event, http_answer, http_event, post_json, validation_event,
};
use crate::measure::{Function, Measurement, Prepare, measure};

/// How much to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// Fresh processes per function.
    pub spawns: usize,
    /// Timed warm invocations per function.
    pub invocations: usize,
}

impl Plan {
    fn events(&self) -> usize {
        self.spawns + self.invocations + 1
    }

    fn split(&self, mut events: Vec<Bytes>) -> (Vec<Bytes>, Vec<Bytes>) {
        let warm = events.split_off(self.spawns.min(events.len()));
        (events, warm)
    }
}

/// Binary names, as cargo builds them.
pub const FLOOR: &str = "floor";
/// initiate.
pub const INITIATE: &str = "initiate";
/// refresh-token.
pub const REFRESH: &str = "refresh-token";
/// validate-session.
pub const VALIDATE: &str = "validate-session";
/// validate-session's handler on the in-memory store (`bench/validate-memory`).
pub const VALIDATE_MEMORY: &str = "validate-memory";

fn function(
    bin_dir: &Path,
    label: &str,
    name: &'static str,
    config: Vec<(&str, String)>,
) -> Function {
    Function {
        label: label.to_owned(),
        name,
        binary: bin_dir.join(name),
        config: config.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
    }
}

fn expect_status(answer: &[u8], status: u16) -> Result<Value, String> {
    match http_answer(answer) {
        Some((s, body)) if s == status => Ok(body),
        Some((s, body)) => Err(format!("status {s}, expected {status}: {body}")),
        None => Err("not an API Gateway response".to_owned()),
    }
}

fn field(body: &Value, name: &str) -> Result<String, BenchError> {
    body.get(name)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| BenchError::Setup(format!("answer without `{name}`: {body}")))
}

fn expect_valid(output: &Value, participant_update: &str) -> Result<(), String> {
    if output["valid"] == json!(true) && output["participant_update"] == json!(participant_update) {
        Ok(())
    } else {
        Err(format!(
            "expected valid=true, participant_update={participant_update}"
        ))
    }
}

/// Measures everything; rows in report order.
pub async fn run(
    backends: &Backends,
    bin_dir: &Path,
    plan: Plan,
) -> Result<Vec<Measurement>, BenchError> {
    let mut rows = Vec::new();
    let n = plan.events();

    // The floor.
    let floor = function(bin_dir, "floor (hello world)", FLOOR, Vec::new());
    let events = (0..n).map(|_| http_event("GET", "/", &[], None)).collect();
    let (cold, warm) = plan.split(events);
    let check = |a: &[u8]| expect_status(a, 200).map(drop);
    rows.push(measure(backends, &floor, cold, warm, &check, None).await?.0);

    // initiate (messenger): one subject per invocation, as real traffic is.
    let subjects: Vec<String> = (0..n).map(|i| format!("bench-user-{i}")).collect();
    let initiate_body = json!({"orderId": "88472", "initialMessage": "Where is my order?"});
    let browser = |subject: &str, path: &str, body: &Value| -> Result<Bytes, BenchError> {
        let token = backends
            .idp
            .login_token(subject, Some(2), Some("na-east"))?;
        Ok(post_json(
            path,
            vec![
                ("authorization", format!("Bearer {token}")),
                ("origin", ORIGIN.to_owned()),
            ],
            body,
        ))
    };
    let events = subjects
        .iter()
        .map(|s| browser(s, "/v1/initiations", &initiate_body))
        .collect::<Result<Vec<_>, _>>()?;
    let (cold, warm) = plan.split(events);
    let initiate = function(
        bin_dir,
        "initiate",
        INITIATE,
        backends.endpoints().browser_config(false, TABLE),
    );
    let check = |a: &[u8]| expect_status(a, 201).map(drop);
    let (row, answers) = measure(backends, &initiate, cold, warm, &check, None).await?;
    rows.push(row);
    let hashes = answers
        .iter()
        .map(|a| field(&expect_status(a, 201).unwrap_or_default(), "sessionHash"))
        .collect::<Result<Vec<_>, _>>()?;

    // Each session as initiate stored it, for refresh-token, before validation binds it.
    let mut records = Vec::with_capacity(hashes.len());
    for hash in &hashes {
        records.push(backends.session(hash).await?);
    }

    // validate-session through API Gateway: the first use of each fresh hash.
    let conversations: Vec<String> = (0..n).map(|_| uuid::Uuid::new_v4().to_string()).collect();
    let authorization = backends.data_action_authorization();
    let events = hashes
        .iter()
        .zip(&conversations)
        .map(|(h, c)| validation_event(&authorization, h, c))
        .collect();
    let (cold, warm) = plan.split(events);
    let validate = function(
        bin_dir,
        "validate-session (API Gateway)",
        VALIDATE,
        backends.endpoints().validate_config(false),
    );
    let check = |a: &[u8]| expect_valid(&expect_status(a, 200)?, "skipped");
    rows.push(
        measure(backends, &validate, cold, warm, &check, None)
            .await?
            .0,
    );

    // validate-session's own cost: the same handler and Lambda glue on the in-memory store,
    // seeded at init with sessions the harness can name (see `validate-memory`).
    let basic = basic_authorization(validate_memory::USERNAME, validate_memory::PASSWORD);
    let events = conversations
        .iter()
        .enumerate()
        .map(|(i, c)| validation_event(&basic, &validate_memory::session_hash(i), c))
        .collect();
    let (cold, warm) = plan.split(events);
    let validate = function(
        bin_dir,
        "validate-session (in-memory store)",
        VALIDATE_MEMORY,
        vec![(validate_memory::SESSIONS_VAR, n.to_string())],
    );
    let check = |a: &[u8]| expect_valid(&expect_status(a, 200)?, "skipped");
    rows.push(
        measure(backends, &validate, cold, warm, &check, None)
            .await?
            .0,
    );

    // validate-session as the AWS Lambda data action: the same conversations ask again.
    let events = hashes
        .iter()
        .zip(&conversations)
        .map(|(h, c)| data_action_event(h, c, None))
        .collect();
    let (cold, warm) = plan.split(events);
    let validate = function(
        bin_dir,
        "validate-session (data action)",
        VALIDATE,
        backends.endpoints().validate_config(false),
    );
    let raw = |a: &[u8]| {
        let output: Value = serde_json::from_slice(a).map_err(|e| e.to_string())?;
        expect_valid(&output, "skipped")
    };
    rows.push(
        measure(backends, &validate, cold, warm, &raw, None)
            .await?
            .0,
    );

    // refresh-token: each session refreshed once by its own subject (tokens signed now, so
    // none expires during a long run).
    let events = subjects
        .iter()
        .zip(&hashes)
        .map(|(s, h)| browser(s, "/v1/initiations/refresh", &json!({ "sessionHash": h })))
        .collect::<Result<Vec<_>, _>>()?;
    let (cold, warm) = plan.split(events);
    let refresh = function(
        bin_dir,
        "refresh-token",
        REFRESH,
        backends.endpoints().browser_config(false, REFRESH_TABLE),
    );
    let check = |a: &[u8]| expect_status(a, 201).map(drop);
    let stage = |i: usize| -> std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<(), BenchError>> + Send + '_>,
    > {
        let records = &records;
        Box::pin(async move {
            match records.get(i) {
                Some(record) => backends.stage_refresh(record).await,
                None => Err(BenchError::Setup(format!("no session for refresh {i}"))),
            }
        })
    };
    let prepare: Prepare<'_> = &stage;
    rows.push(
        measure(backends, &refresh, cold, warm, &check, Some(prepare))
            .await?
            .0,
    );

    // initiate with the initiation-api strategy: a Genesys conversation per initiation.
    let events = subjects
        .iter()
        .map(|s| browser(&format!("{s}-api"), "/v1/initiations", &initiate_body))
        .collect::<Result<Vec<_>, _>>()?;
    let (cold, warm) = plan.split(events);
    let initiate = function(
        bin_dir,
        "initiate (initiation-api)",
        INITIATE,
        backends.endpoints().browser_config(true, TABLE),
    );
    let check = |a: &[u8]| expect_status(a, 201).map(drop);
    let (row, answers) = measure(backends, &initiate, cold, warm, &check, None).await?;
    rows.push(row);

    // The same with GENESYS_WARM_UP: the token request moves from the first invocation into
    // init (compare the two rows' init and cold start).
    let events = subjects
        .iter()
        .map(|s| browser(&format!("{s}-warm-up"), "/v1/initiations", &initiate_body))
        .collect::<Result<Vec<_>, _>>()?;
    let (cold, warm) = plan.split(events);
    let mut config = backends.endpoints().browser_config(true, TABLE);
    config.push(("GENESYS_WARM_UP", "true".to_owned()));
    let initiate = function(
        bin_dir,
        "initiate (initiation-api, GENESYS_WARM_UP)",
        INITIATE,
        config,
    );
    rows.push(
        measure(backends, &initiate, cold, warm, &check, None)
            .await?
            .0,
    );

    // validate-session writing the attributes back onto those conversations' customers.
    let mut events = Vec::with_capacity(answers.len());
    for answer in &answers {
        let body = expect_status(answer, 201).unwrap_or_default();
        let (hash, conversation) = (
            field(&body, "sessionHash")?,
            field(&body, "conversationId")?,
        );
        let participant = backends
            .sandbox
            .conversation(&conversation)
            .and_then(|c| c.customer().map(|p| p.id.clone()))
            .ok_or_else(|| {
                BenchError::Setup(format!("no customer in conversation `{conversation}`"))
            })?;
        events.push(data_action_event(&hash, &conversation, Some(&participant)));
    }
    let (cold, warm) = plan.split(events);
    let validate = function(
        bin_dir,
        "validate-session (write-back)",
        VALIDATE,
        backends.endpoints().validate_config(true),
    );
    let raw = |a: &[u8]| {
        let output: Value = serde_json::from_slice(a).map_err(|e| e.to_string())?;
        expect_valid(&output, "written")
    };
    rows.push(
        measure(backends, &validate, cold, warm, &raw, None)
            .await?
            .0,
    );
    Ok(rows)
}
