//! No log level turns the logs into a credential store: each function's real Lambda entry point
//! (`init_telemetry` + `serve`, the functions' `main`s without their AWS cold start) runs in a
//! child process under a Lambda Runtime API on loopback at `LOG_LEVEL=trace`, is sent API
//! Gateway and data-action events that carry every kind of secret this service handles, and
//! everything the process writes (stdout and stderr) is scanned for each of them.
//!
//! The child is this test binary run again with `--ignored --exact function_process`: the
//! ignored test below builds the function named by `HYGIENE_FUNCTION` over in-memory ports and
//! serves it until the parent kills it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use genesys_sandbox::idp::{Algorithm, DevIdp};
use secure_initiation::adapters::{MemoryStore, StaticSecrets};
use secure_initiation::api::risk::RuleScorer;
use secure_initiation::api::strategy::MessengerStrategy;
use secure_initiation::api::{
    Browser, BrowserPorts, BrowserSettings, DataActionCredential, Handler, InitiateHandler,
    RefreshHandler, TicketSettings, ValidateHandler, ValidatePorts, ValidateSettings,
};
use secure_initiation::attributes::Schema;
use secure_initiation::http::Cors;
use secure_initiation::ports::{Clock, SessionStore, SystemClock};
use secure_initiation::session::{
    SessionHash, SessionKeys, SessionVerifier, StaticJwksSource, VerifierConfig,
};
use secure_initiation_lambda::{init_telemetry, serve};
use serde_json::{Value, json};
use test_support::runtime_api::{Outcome, RuntimeApi};

const ORIGIN: &str = "https://shop.example.com";
const SESSION_KEY: [u8; 32] = [7u8; 32];
/// The ticket the refresh and validate processes hold before the test starts.
const SEEDED_HASH: &str = "Zt9bQ4mW1xR8vK3nP6sL0yH5jC2fD7gA9eU4iO1wE3Q";
const CONVERSATION: &str = "8f3d2a64-5b1c-4e7a-9d0f-2c6b8e1a4f37";
const SUBJECT: &str = "customer-7731@example.com";
const EMAIL: &str = "ana.pereira@example.net";
const ORDER_ID: &str = "884720019";
const MESSAGE: &str = "my parcel to 12 Rua Augusta never arrived";
const IDEMPOTENCY_KEY: &str = "idem-5e1f0c7a-2b44";
const DATA_ACTION_USER: &str = "architect";
const DATA_ACTION_PASSWORD: &str = "da-pass-Q7x2mZ9r";

/// Configuration the parent hands the child.
const FUNCTION: &str = "HYGIENE_FUNCTION";
const JWKS: &str = "HYGIENE_JWKS";
const ISSUER: &str = "HYGIENE_ISSUER";
const AUDIENCE: &str = "HYGIENE_AUDIENCE";

fn keys() -> Arc<SessionKeys> {
    Arc::new(SessionKeys::from_secret(&SESSION_KEY).unwrap())
}

/// The seeded ticket: the subject's, within its refresh window.
async fn seed(store: &MemoryStore, clock: &dyn Clock) {
    let now = clock.now_secs();
    let attributes = BTreeMap::from([
        ("session_hash".to_owned(), SEEDED_HASH.to_owned()),
        ("priority_tier".to_owned(), "2".to_owned()),
        ("geo_segment".to_owned(), "emea".to_owned()),
        ("order_id".to_owned(), ORDER_ID.to_owned()),
        ("risk_score".to_owned(), "10".to_owned()),
        ("authenticated".to_owned(), "true".to_owned()),
    ]);
    let mut record = TicketSettings::default().issue(
        SessionHash::parse(SEEDED_HASH).unwrap(),
        keys().subject_key(SUBJECT),
        attributes,
        now - 50,
    );
    record.expires_at = now + 10;
    store.create_session(&record).await.unwrap();
}

fn browser(clock: Arc<dyn Clock>) -> Browser {
    let var = |name: &str| std::env::var(name).unwrap();
    let jwks: jsonwebtoken::jwk::JwkSet = serde_json::from_str(&var(JWKS)).unwrap();
    let config = VerifierConfig::new(
        "https://idp.example.com/jwks".parse().unwrap(),
        var(ISSUER),
        var(AUDIENCE),
    );
    let verifier =
        SessionVerifier::new(config, Arc::new(StaticJwksSource::new(jwks)), clock.clone()).unwrap();
    Browser {
        schema: Arc::new(Schema::default_schema().unwrap()),
        clock,
        keys: keys(),
        verifier: Arc::new(verifier),
        cors: Cors::new(vec![ORIGIN.to_owned()]),
    }
}

async fn build(function: &str) -> Box<dyn Handler> {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let store = Arc::new(MemoryStore::new(clock.clone()));
    seed(&store, clock.as_ref()).await;
    let ports = BrowserPorts {
        sessions: store.clone(),
        rate: store.clone(),
        risk: Arc::new(RuleScorer),
        strategy: Arc::new(MessengerStrategy),
    };
    match function {
        "initiate" => Box::new(
            InitiateHandler::new(browser(clock), ports, store, BrowserSettings::initiate())
                .unwrap(),
        ),
        "refresh" => Box::new(RefreshHandler::new(
            browser(clock),
            ports,
            BrowserSettings::refresh(),
        )),
        _ => {
            let secrets = StaticSecrets::new().with(
                "data-action",
                &[
                    ("username", DATA_ACTION_USER),
                    ("password", DATA_ACTION_PASSWORD),
                ],
            );
            let ports = ValidatePorts {
                sessions: store,
                gateway: None,
                credential: DataActionCredential::new(Arc::new(secrets), "data-action"),
            };
            let schema = Arc::new(Schema::default_schema().unwrap());
            Box::new(ValidateHandler::new(
                schema,
                clock,
                ports,
                ValidateSettings::default(),
            ))
        }
    }
}

/// The child: one function served by the real glue until the parent kills it.
#[tokio::test(flavor = "current_thread")]
#[ignore = "the function process that a_trace_level_function_writes_no_secret starts"]
async fn function_process() {
    let telemetry = init_telemetry().unwrap();
    let handler = build(&std::env::var(FUNCTION).unwrap()).await;
    serve(telemetry, BoxedHandler(handler)).await.unwrap();
}

/// `serve` takes a sized handler.
#[derive(Debug)]
struct BoxedHandler(Box<dyn Handler>);

#[async_trait::async_trait]
impl Handler for BoxedHandler {
    fn function(&self) -> secure_initiation::api::Function {
        self.0.function()
    }
    async fn handle(
        &self,
        req: secure_initiation::http::ApiRequest,
    ) -> secure_initiation::http::ApiResponse {
        self.0.handle(req).await
    }
    async fn handle_event(&self, event: Value) -> Result<Value, secure_initiation::http::ApiError> {
        self.0.handle_event(event).await
    }
}

/// An API Gateway HTTP API (v2) event as Lambda delivers it.
fn http_event(path: &str, headers: &[(&str, &str)], body: &Value) -> Bytes {
    let headers: serde_json::Map<String, Value> = headers
        .iter()
        .map(|(k, v)| ((*k).to_owned(), Value::from(*v)))
        .collect();
    let event = json!({
        "version": "2.0",
        "routeKey": format!("POST {path}"),
        "rawPath": path,
        "rawQueryString": "",
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": "abc123.execute-api.eu-west-1.amazonaws.com",
            "http": {
                "method": "POST",
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "198.51.100.23",
                "userAgent": "Mozilla/5.0"
            },
            "requestId": "JKJaXmPLvHcESHA=",
            "routeKey": format!("POST {path}"),
            "stage": "$default",
            "timeEpoch": 1_795_515_322_000_i64
        },
        "body": body.to_string(),
        "isBase64Encoded": false
    });
    Bytes::from(event.to_string())
}

/// What each function is sent, and the answer status each event must get (so the secrets went
/// all the way through the flow, not only into the runtime's hands).
fn events(function: &str, bearer: &str, basic: &str) -> Vec<(Bytes, &'static str)> {
    let bearer = format!("Bearer {bearer}");
    let browser = [
        ("authorization", bearer.as_str()),
        ("origin", ORIGIN),
        ("content-type", "application/json"),
        ("idempotency-key", IDEMPOTENCY_KEY),
        ("cookie", "shop_session=c0ok1e-S3cr3t-77a"),
    ];
    let validation = json!({"sessionHash": SEEDED_HASH, "conversationId": CONVERSATION});
    match function {
        "initiate" => vec![(
            http_event(
                "/v1/initiations",
                &browser,
                &json!({"orderId": ORDER_ID, "initialMessage": MESSAGE}),
            ),
            "\"statusCode\":201",
        )],
        "refresh" => vec![(
            http_event(
                "/v1/initiations/refresh",
                &browser,
                &json!({"sessionHash": SEEDED_HASH}),
            ),
            "\"statusCode\":201",
        )],
        _ => vec![
            (
                http_event(
                    "/v1/session-validations",
                    &[
                        ("authorization", basic),
                        ("content-type", "application/json"),
                    ],
                    &validation,
                ),
                "\"statusCode\":200",
            ),
            (Bytes::from(validation.to_string()), "\"valid\":true"),
        ],
    }
}

/// Runs `function` in a child process at TRACE, sends it its events and returns what it wrote
/// and what it answered.
async fn run(function: &str, idp: &DevIdp, bearer: &str, basic: &str) -> (String, Vec<String>) {
    let api = RuntimeApi::start(function).await.unwrap();
    let mut child = tokio::process::Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "function_process", "--nocapture"])
        .env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", api.host_port())
        .env("AWS_LAMBDA_FUNCTION_NAME", function)
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("LOG_LEVEL", "trace")
        .env("RUST_LOG", "trace")
        .env(FUNCTION, function)
        .env(JWKS, idp.jwks_json().to_string())
        .env(ISSUER, idp.issuer())
        .env(AUDIENCE, idp.audience())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut answers = Vec::new();
    for (event, expected) in events(function, bearer, basic) {
        let ticket = api.submit(event);
        let finished = tokio::time::timeout(Duration::from_secs(60), ticket.answer())
            .await
            .expect("the function answers within a minute")
            .expect("the runtime API is up");
        let answer = match finished.outcome {
            Outcome::Response(b) | Outcome::Error(b) => String::from_utf8_lossy(&b).into_owned(),
        };
        assert!(answer.contains(expected), "{function}: {answer}");
        answers.push(answer);
    }
    child.start_kill().unwrap();
    let output = child.wait_with_output().await.unwrap();
    let mut written = String::from_utf8_lossy(&output.stdout).into_owned();
    written.push_str(&String::from_utf8_lossy(&output.stderr));
    (written, answers)
}

/// The session hash an answer hands out, if any.
fn handed_out_hash(answer: &str) -> Option<String> {
    let outer: Value = serde_json::from_str(answer).ok()?;
    let body: Value = serde_json::from_str(outer["body"].as_str()?).ok()?;
    body["sessionHash"].as_str().map(str::to_owned)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trace_level_function_writes_no_secret_of_any_event_it_serves() {
    let idp = DevIdp::with_defaults().unwrap();
    let mut claims = idp.claims_for(SUBJECT);
    claims.insert("tier".into(), json!(2));
    claims.insert("geo".into(), json!("emea"));
    claims.insert("email".into(), json!(EMAIL));
    let bearer = idp.sign(&claims, Algorithm::ES256).unwrap();
    let credential = base64::engine::general_purpose::STANDARD
        .encode(format!("{DATA_ACTION_USER}:{DATA_ACTION_PASSWORD}"));
    let basic = format!("Basic {credential}");
    let signature = bearer.rsplit('.').next().unwrap().to_owned();

    for function in ["initiate", "refresh", "validate"] {
        let (written, answers) = run(function, &idp, &bearer, &basic).await;
        // The capture works: the function's own lines are there (and before the filter was
        // inverted, `lambda_runtime`'s TRACE line with the raw event was too).
        assert!(
            written.contains(&format!("\"function_name\":\"{function}\"")),
            "{function} logged: {written}"
        );
        let mut secrets = vec![
            ("bearer token", bearer.clone()),
            ("bearer signature", signature.clone()),
            ("Basic credential", credential.clone()),
            ("data-action password", DATA_ACTION_PASSWORD.to_owned()),
            ("session hash", SEEDED_HASH.to_owned()),
            ("subject", SUBJECT.to_owned()),
            ("email claim", EMAIL.to_owned()),
            ("order id", ORDER_ID.to_owned()),
            ("initial message", MESSAGE.to_owned()),
            ("idempotency key", IDEMPOTENCY_KEY.to_owned()),
            ("cookie", "c0ok1e-S3cr3t-77a".to_owned()),
        ];
        for answer in &answers {
            if let Some(minted) = handed_out_hash(answer) {
                secrets.push(("minted session hash", minted));
            }
        }
        for (what, secret) in &secrets {
            let at = written.find(secret.as_str());
            assert!(
                at.is_none(),
                "{function} wrote the {what}: …{}…",
                &written[at.unwrap().saturating_sub(200)..(at.unwrap() + 40).min(written.len())]
            );
        }
    }
}
