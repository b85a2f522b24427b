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
use crate::measure::{Check, Function, Measurement, Prepare, measure};
use secure_initiation::ports::SessionRecord;

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
    let n = plan.events();
    let mut suite = Suite {
        backends,
        bin_dir,
        plan,
        subjects: (0..n).map(|i| format!("bench-user-{i}")).collect(),
        rows: Vec::new(),
    };
    suite.floor().await?;
    let hashes = suite.initiate().await?;
    // Each session as initiate stored it, for refresh-token, before validation binds it.
    let mut records = Vec::with_capacity(hashes.len());
    for hash in &hashes {
        records.push(backends.session(hash).await?);
    }
    let conversations: Vec<String> = (0..n).map(|_| uuid::Uuid::new_v4().to_string()).collect();
    suite.validate(&hashes, &conversations).await?;
    suite.refresh(&hashes, &records).await?;
    let answers = suite.initiation_api().await?;
    suite.write_back(&answers).await?;
    Ok(suite.rows)
}

/// What the steps of a run share.
struct Suite<'a> {
    backends: &'a Backends,
    bin_dir: &'a Path,
    plan: Plan,
    /// One subject per invocation, as real traffic is.
    subjects: Vec<String>,
    rows: Vec<Measurement>,
}

fn initiate_body() -> Value {
    json!({"orderId": "88472", "initialMessage": "Where is my order?"})
}

impl Suite<'_> {
    fn function(&self, label: &str, name: &'static str, config: Vec<(&str, String)>) -> Function {
        function(self.bin_dir, label, name, config)
    }

    /// A browser's POST with a fresh session token of `subject`.
    fn browser(&self, subject: &str, path: &str, body: &Value) -> Result<Bytes, BenchError> {
        let token = self
            .backends
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
    }

    /// Measures `f` on `events` (the first `spawns` cold); the answers of the warm ones.
    async fn measure(
        &mut self,
        f: &Function,
        events: Vec<Bytes>,
        check: Check<'_>,
        prepare: Option<Prepare<'_>>,
    ) -> Result<Vec<Bytes>, BenchError> {
        let (cold, warm) = self.plan.split(events);
        let (row, answers) = measure(self.backends, f, cold, warm, check, prepare).await?;
        self.rows.push(row);
        Ok(answers)
    }

    async fn floor(&mut self) -> Result<(), BenchError> {
        let floor = self.function("floor (hello world)", FLOOR, Vec::new());
        let events = (0..self.plan.events())
            .map(|_| http_event("GET", "/", &[], None))
            .collect();
        self.measure(&floor, events, &|a| expect_status(a, 200).map(drop), None)
            .await?;
        Ok(())
    }

    /// initiate (messenger); the session hashes it issued.
    async fn initiate(&mut self) -> Result<Vec<String>, BenchError> {
        let events = self
            .subjects
            .iter()
            .map(|s| self.browser(s, "/v1/initiations", &initiate_body()))
            .collect::<Result<Vec<_>, _>>()?;
        let config = self.backends.endpoints().browser_config(false, TABLE);
        let initiate = self.function("initiate", INITIATE, config);
        let check = |a: &[u8]| expect_status(a, 201).map(drop);
        let answers = self.measure(&initiate, events, &check, None).await?;
        answers
            .iter()
            .map(|a| field(&expect_status(a, 201).unwrap_or_default(), "sessionHash"))
            .collect()
    }

    /// validate-session through API Gateway (the first use of each fresh hash), on the
    /// in-memory store, then as the AWS Lambda data action (the same conversations ask again).
    async fn validate(
        &mut self,
        hashes: &[String],
        conversations: &[String],
    ) -> Result<(), BenchError> {
        let authorization = self.backends.data_action_authorization();
        let events = hashes
            .iter()
            .zip(conversations)
            .map(|(h, c)| validation_event(&authorization, h, c))
            .collect();
        let config = self.backends.endpoints().validate_config(false);
        let validate = self.function("validate-session (API Gateway)", VALIDATE, config);
        let check = |a: &[u8]| expect_valid(&expect_status(a, 200)?, "skipped");
        self.measure(&validate, events, &check, None).await?;

        // validate-session's own cost: the same handler and Lambda glue on the in-memory
        // store, seeded at init with sessions the harness can name (see `validate-memory`).
        let basic = basic_authorization(validate_memory::USERNAME, validate_memory::PASSWORD);
        let events = conversations
            .iter()
            .enumerate()
            .map(|(i, c)| validation_event(&basic, &validate_memory::session_hash(i), c))
            .collect();
        let config = vec![(
            validate_memory::SESSIONS_VAR,
            self.plan.events().to_string(),
        )];
        let memory = self.function(
            "validate-session (in-memory store)",
            VALIDATE_MEMORY,
            config,
        );
        self.measure(&memory, events, &check, None).await?;

        let events = hashes
            .iter()
            .zip(conversations)
            .map(|(h, c)| data_action_event(h, c, None))
            .collect();
        let config = self.backends.endpoints().validate_config(false);
        let validate = self.function("validate-session (data action)", VALIDATE, config);
        let raw = |a: &[u8]| {
            let output: Value = serde_json::from_slice(a).map_err(|e| e.to_string())?;
            expect_valid(&output, "skipped")
        };
        self.measure(&validate, events, &raw, None).await?;
        Ok(())
    }

    /// refresh-token: each session refreshed once by its own subject (tokens signed now, so
    /// none expires during a long run), staged alone before each call.
    async fn refresh(
        &mut self,
        hashes: &[String],
        records: &[SessionRecord],
    ) -> Result<(), BenchError> {
        let events = self
            .subjects
            .iter()
            .zip(hashes)
            .map(|(s, h)| self.browser(s, "/v1/initiations/refresh", &json!({ "sessionHash": h })))
            .collect::<Result<Vec<_>, _>>()?;
        let config = self
            .backends
            .endpoints()
            .browser_config(false, REFRESH_TABLE);
        let refresh = self.function("refresh-token", REFRESH, config);
        let check = |a: &[u8]| expect_status(a, 201).map(drop);
        let backends = self.backends;
        let stage = |i: usize| -> std::pin::Pin<
            Box<dyn std::future::Future<Output = Result<(), BenchError>> + Send + '_>,
        > {
            Box::pin(async move {
                match records.get(i) {
                    Some(record) => backends.stage_refresh(record).await,
                    None => Err(BenchError::Setup(format!("no session for refresh {i}"))),
                }
            })
        };
        let prepare: Prepare<'_> = &stage;
        self.measure(&refresh, events, &check, Some(prepare))
            .await?;
        Ok(())
    }

    /// initiate with the initiation-api strategy (a Genesys conversation per initiation), then
    /// the same with GENESYS_WARM_UP (the token request moves from the first invocation into
    /// init: compare the two rows' init and cold start). The first one's answers.
    async fn initiation_api(&mut self) -> Result<Vec<Bytes>, BenchError> {
        let check = |a: &[u8]| expect_status(a, 201).map(drop);
        let mut answers = Vec::new();
        for (suffix, warm_up) in [("api", false), ("warm-up", true)] {
            let events = self
                .subjects
                .iter()
                .map(|s| {
                    self.browser(
                        &format!("{s}-{suffix}"),
                        "/v1/initiations",
                        &initiate_body(),
                    )
                })
                .collect::<Result<Vec<_>, _>>()?;
            let mut config = self.backends.endpoints().browser_config(true, TABLE);
            let label = if warm_up {
                config.push(("GENESYS_WARM_UP", "true".to_owned()));
                "initiate (initiation-api, GENESYS_WARM_UP)"
            } else {
                "initiate (initiation-api)"
            };
            let initiate = self.function(label, INITIATE, config);
            let got = self.measure(&initiate, events, &check, None).await?;
            if !warm_up {
                answers = got;
            }
        }
        Ok(answers)
    }

    /// validate-session writing the attributes back onto those conversations' customers.
    async fn write_back(&mut self, answers: &[Bytes]) -> Result<(), BenchError> {
        let mut events = Vec::with_capacity(answers.len());
        for answer in answers {
            let body = expect_status(answer, 201).unwrap_or_default();
            let (hash, conversation) = (
                field(&body, "sessionHash")?,
                field(&body, "conversationId")?,
            );
            let participant = self
                .backends
                .sandbox
                .conversation(&conversation)
                .and_then(|c| c.customer().map(|p| p.id.clone()))
                .ok_or_else(|| {
                    BenchError::Setup(format!("no customer in conversation `{conversation}`"))
                })?;
            events.push(data_action_event(&hash, &conversation, Some(&participant)));
        }
        let config = self.backends.endpoints().validate_config(true);
        let validate = self.function("validate-session (write-back)", VALIDATE, config);
        let raw = |a: &[u8]| {
            let output: Value = serde_json::from_slice(a).map_err(|e| e.to_string())?;
            expect_valid(&output, "written")
        };
        self.measure(&validate, events, &raw, None).await?;
        Ok(())
    }
}
