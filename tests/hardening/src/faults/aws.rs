//! AWS misbehaving: Secrets Manager unreachable at cold start and later, DynamoDB unreachable
//! and throttled, and the Genesys warm-up at cold start. Real SDK calls, against moto behind the
//! fault-injecting proxy or against a port where nothing listens.
//!
//! Each scenario arranges its own moto and stack, injects its fault, acts, and returns what
//! happened; the tests (`tests/faults.rs`) assert on it, and the secrets-hygiene suite runs the
//! same scenarios with the logs captured.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::config::{Credentials, SharedCredentialsProvider};
use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine as _;
use local::{Options, Store};
use secure_initiation::adapters::DynamoStore;
use secure_initiation::api::strategy::StrategyKind;
use secure_initiation::api::{Handler as _, InitiateHandler, ValidateHandler};
use secure_initiation::http::ApiRequest;
use secure_initiation_lambda::bootstrap;
use serde_json::json;
use test_support::moto::MotoServer;
use test_support::serial_proxy::{FaultKind, ProxyFault, SerialProxy};

use crate::harness::{Exposure, Reply, Stack, conversation, spawn};

const TABLE: &str = "sessions";
/// The secret validate-session reads at cold start.
pub const DATA_ACTION_SECRET: &str = "hardening/data-action";
/// The secret initiate reads at cold start.
pub const SESSION_KEY_SECRET: &str = "hardening/session-key";
/// The longest a store or secrets failure may keep a caller waiting here: the SDK's retries
/// (three attempts, jittered backoff) plus scheduling on a loaded machine.
pub const STORE_BUDGET: Duration = Duration::from_secs(6);
/// The cache TTL of the secrets-later scenario.
pub const SECRETS_TTL: Duration = Duration::from_secs(3);

/// SDK configuration for `endpoint` with dummy static credentials.
pub fn sdk_config(endpoint: &str) -> SdkConfig {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "testing", "testing", None, None, "static",
        )))
        .build()
}

/// `http://127.0.0.1:PORT` where nothing listens (the port was just free).
pub fn dead_endpoint() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    format!("http://127.0.0.1:{port}")
}

/// moto, the proxy in front of it, and the session table.
#[derive(Debug)]
pub struct Aws {
    /// The moto process (direct access, bypassing faults).
    pub moto: MotoServer,
    /// The proxy every client under test goes through.
    pub proxy: SerialProxy,
}

impl Aws {
    /// Starts moto (failing with install advice when it is missing) and creates the table.
    pub async fn start() -> Self {
        let moto = match MotoServer::start().await {
            Ok(m) => m,
            Err(e) => panic!("these scenarios need moto: {e}"),
        };
        let proxy = SerialProxy::start(moto.endpoint())
            .await
            .expect("the proxy starts");
        DynamoStore::create_table(&moto.dynamodb(), TABLE)
            .await
            .expect("the table is created");
        Self { moto, proxy }
    }

    /// A DynamoDB client through the proxy, with the SDK's standard retries.
    pub fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::new(&sdk_config(&self.proxy.url()))
    }

    /// Items in the table by kind (`session`, `rate`, `idem`), read from moto directly.
    pub async fn items(&self) -> BTreeMap<String, usize> {
        let scan = self
            .moto
            .dynamodb()
            .scan()
            .table_name(TABLE)
            .send()
            .await
            .expect("moto scans");
        let mut kinds = BTreeMap::new();
        for item in scan.items() {
            let kind = match item.get("pk") {
                Some(AttributeValue::S(pk)) => pk.split('#').next().unwrap_or("").to_owned(),
                _ => "?".to_owned(),
            };
            *kinds.entry(kind).or_insert(0) += 1;
        }
        kinds
    }

    /// Sessions in the table with the given status.
    pub async fn sessions_with_status(&self, status: &str) -> usize {
        let scan = self
            .moto
            .dynamodb()
            .scan()
            .table_name(TABLE)
            .send()
            .await
            .expect("moto scans");
        scan.items()
            .iter()
            .filter(|i| match i.get("pk") {
                Some(AttributeValue::S(pk)) => pk.starts_with("session#"),
                _ => false,
            })
            .filter(|i| matches!(i.get("status"), Some(AttributeValue::S(s)) if s == status))
            .count()
    }

    async fn put_secret(&self, id: &str, value: serde_json::Value) {
        self.moto
            .put_secret(id, &value.to_string())
            .await
            .expect("moto stores the secret");
    }
}

fn validate_env(ttl_secs: u64) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("SESSION_TABLE".to_owned(), TABLE.to_owned()),
        (
            "DATA_ACTION_SECRET_ID".to_owned(),
            DATA_ACTION_SECRET.to_owned(),
        ),
        ("SECRETS_CACHE_TTL_SECS".to_owned(), ttl_secs.to_string()),
    ])
}

fn initiate_env() -> BTreeMap<String, String> {
    BTreeMap::from(
        [
            ("SESSION_TABLE", TABLE),
            ("SESSION_KEY_SECRET_ID", SESSION_KEY_SECRET),
            ("ALLOWED_ORIGINS", "https://shop.example"),
            ("JWKS_URL", "https://127.0.0.1:9/.well-known/jwks.json"),
            ("JWT_ISSUER", "https://idp.example/"),
            ("JWT_AUDIENCE", "shop"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned())),
    )
}

/// A cold start: its error, if it failed, and how long it took.
#[derive(Debug)]
pub struct ColdStart {
    /// The init error's text.
    pub error: Option<String>,
    /// From the start of init to its end.
    pub took: Duration,
}

/// validate-session's cold start while Secrets Manager cannot be reached.
pub async fn validate_cold_start_without_secrets() -> ColdStart {
    let sdk = sdk_config(&dead_endpoint());
    let started = Instant::now();
    let cold = bootstrap::cold_start_with::<ValidateHandler>(&validate_env(300), sdk).await;
    ColdStart {
        error: cold.err().map(|e| e.to_string()),
        took: started.elapsed(),
    }
}

/// initiate's cold start while Secrets Manager cannot be reached.
pub async fn initiate_cold_start_without_secrets() -> ColdStart {
    let sdk = sdk_config(&dead_endpoint());
    let started = Instant::now();
    let cold = bootstrap::cold_start_with::<InitiateHandler>(&initiate_env(), sdk).await;
    ColdStart {
        error: cold.err().map(|e| e.to_string()),
        took: started.elapsed(),
    }
}

fn validation_request(user: &str, pass: &str, hash: &str) -> ApiRequest {
    let credential = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
    let mut headers = http_headers();
    headers.insert(
        "authorization",
        format!("Basic {credential}")
            .parse()
            .expect("a header value"),
    );
    ApiRequest {
        method: reqwest::Method::POST,
        path: "/v1/session-validations".to_owned(),
        headers,
        body: json!({"sessionHash": hash, "conversationId": conversation()})
            .to_string()
            .into(),
        client_ip: None,
        deadline_ms: None,
        request_id: "hardening".to_owned(),
    }
}

fn http_headers() -> reqwest::header::HeaderMap {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        "content-type",
        "application/json".parse().expect("a header value"),
    );
    headers
}

/// What validate-session answered after Secrets Manager went away.
#[derive(Debug)]
pub struct SecretsLater {
    /// The first call, with the credential cached.
    pub cached: Reply,
    /// Whether that call ran within the cache TTL.
    pub cached_within_ttl: bool,
    /// A call past the TTL.
    pub expired: Reply,
    /// A call once Secrets Manager answers again.
    pub recovered: Reply,
}

/// Secrets Manager goes away after a cold start (cache TTL [`SECRETS_TTL`]): one call within
/// the TTL, one past it, one after Secrets Manager is back.
pub async fn secrets_unreachable_later(seen: &mut Exposure) -> SecretsLater {
    let aws = Aws::start().await;
    let password = "hardening-data-action-password";
    seen.secret(password);
    aws.put_secret(
        DATA_ACTION_SECRET,
        json!({"username": "architect", "password": password}),
    )
    .await;
    let handler = bootstrap::cold_start_with::<ValidateHandler>(
        &validate_env(SECRETS_TTL.as_secs()),
        sdk_config(&aws.proxy.url()),
    )
    .await
    .expect("the cold start reads the secret");
    let loaded = Instant::now();
    let hash = "A".repeat(43);
    aws.proxy
        .inject(ProxyFault::always(FaultKind::Drop).on("GetSecretValue"));
    let call = || async {
        let started = Instant::now();
        let response = handler
            .handle(validation_request("architect", password, &hash))
            .await;
        Reply {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            body: String::from_utf8_lossy(response.body()).into_owned(),
            elapsed: started.elapsed(),
        }
    };
    let cached = call().await;
    let cached_within_ttl = loaded.elapsed() < SECRETS_TTL;
    tokio::time::sleep(SECRETS_TTL.saturating_sub(loaded.elapsed()) + Duration::from_millis(200))
        .await;
    let expired = call().await;
    seen.reply(&expired);
    aws.proxy.clear_faults();
    let recovered = call().await;
    SecretsLater {
        cached,
        cached_within_ttl,
        expired,
        recovered,
    }
}

async fn stack_on(client: aws_sdk_dynamodb::Client) -> Stack {
    spawn(Options {
        strategy: StrategyKind::InitiationApi,
        store: Store::Dynamo {
            client,
            table: TABLE.to_owned(),
        },
        ..Options::default()
    })
    .await
}

/// What each flow answered with DynamoDB unreachable.
#[derive(Debug)]
pub struct Unreachable {
    /// initiate's answer.
    pub initiate: Reply,
    /// refresh's answer.
    pub refresh: Reply,
    /// validate's answer.
    pub validate: Reply,
    /// Create requests Genesys saw.
    pub creates: usize,
}

/// DynamoDB cannot be reached at all (connection refused): one call of each flow.
pub async fn dynamodb_unreachable(seen: &mut Exposure) -> Unreachable {
    let client = aws_sdk_dynamodb::Client::new(&sdk_config(&dead_endpoint()));
    let stack = stack_on(client).await;
    let token = stack.token("dynamodb-down");
    seen.secret(token.clone());
    let initiate = stack.initiate(&token, &json!({"orderId": "1"}), None).await;
    let refresh = stack.refresh(&token, &"A".repeat(43)).await;
    let validate = stack.validate(&"A".repeat(43), &conversation(), None).await;
    for r in [&initiate, &refresh, &validate] {
        seen.reply(r);
    }
    Unreachable {
        initiate,
        refresh,
        validate,
        creates: stack.running.sandbox.count_create_requests(),
    }
}

/// moto behind the proxy and a stack (`initiation-api`) on it, for the throttling scenarios.
#[derive(Debug)]
pub struct Throttled {
    /// moto and the proxy.
    pub aws: Aws,
    /// The stack.
    pub stack: Stack,
}

impl Throttled {
    /// A fresh moto and stack.
    pub async fn start() -> Self {
        let aws = Aws::start().await;
        let stack = stack_on(aws.dynamodb()).await;
        Self { aws, stack }
    }

    /// A session token of `subject`, recorded as a secret.
    pub fn token(&self, subject: &str, seen: &mut Exposure) -> String {
        let token = self.stack.token(subject);
        seen.secret(token.clone());
        token
    }

    /// Conversations the sandbox holds.
    pub fn conversations(&self) -> usize {
        self.stack.running.sandbox.conversations().len()
    }

    /// Runs `call` with `fault` injected, then clears it.
    pub async fn under<F: std::future::Future<Output = Reply>>(
        &self,
        fault: ProxyFault,
        call: F,
        seen: &mut Exposure,
    ) -> Reply {
        self.aws.proxy.inject(fault);
        let reply = call.await;
        seen.reply(&reply);
        self.aws.proxy.clear_faults();
        reply
    }

    /// A healthy initiate: its session hash and conversation id.
    pub async fn initiated(&self, token: &str, seen: &mut Exposure) -> (String, String) {
        let created = self.stack.initiate_ok(token).await;
        let hash = created["sessionHash"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        seen.secret(hash.clone());
        seen.secret(created["token"].as_str().unwrap_or_default());
        let conversation = created["conversationId"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        (hash, conversation)
    }
}

/// DynamoDB throttling every call, or only `operation`: the session write (`PutItem`), the bind
/// (`UpdateItem`) or the rotation (`TransactWriteItems`).
pub fn throttle(operation: Option<&str>) -> ProxyFault {
    let fault = ProxyFault::always(FaultKind::Throttle);
    match operation {
        Some(op) => fault.on(op),
        None => fault,
    }
}

const GENESYS_SECRET: &str = "hardening/genesys";

/// validate-session with the participant write-back against the sandbox.
fn write_back_env(genesys: &str, warm_up: bool) -> BTreeMap<String, String> {
    let mut env = validate_env(300);
    env.extend(
        [
            ("PARTICIPANT_WRITE_BACK", "true"),
            ("GENESYS_API_BASE_URL", genesys),
            ("GENESYS_LOGIN_BASE_URL", genesys),
            ("GENESYS_CREDENTIALS_SECRET_ID", GENESYS_SECRET),
            ("GENESYS_WARM_UP", if warm_up { "true" } else { "false" }),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned())),
    );
    env
}

/// A validate-session cold start with the participant write-back, and what Genesys saw.
#[derive(Debug)]
pub struct WarmUp {
    /// Whether the cold start succeeded.
    pub ok: bool,
    /// How long it took.
    pub took: Duration,
    /// Token requests Genesys saw.
    pub token_requests: usize,
}

/// A cold start with `GENESYS_WARM_UP` = `warm_up`, the login host failing when `login_fails`.
pub async fn genesys_warm_up_at_cold_start(warm_up: bool, login_fails: bool) -> WarmUp {
    use genesys_sandbox::{
        DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Fault, Sandbox, SandboxConfig,
    };

    let aws = Aws::start().await;
    aws.put_secret(
        DATA_ACTION_SECRET,
        json!({"username": "architect", "password": "warm-up-password"}),
    )
    .await;
    aws.put_secret(
        GENESYS_SECRET,
        json!({"client_id": DEFAULT_CLIENT_ID, "client_secret": DEFAULT_CLIENT_SECRET}),
    )
    .await;
    let sandbox = Sandbox::start(SandboxConfig::default())
        .await
        .expect("the sandbox starts");
    if login_fails {
        sandbox.inject(Fault::status(503).times(100).on_path("/oauth/token"));
    }
    let env = write_back_env(sandbox.base_url(), warm_up);
    let started = Instant::now();
    let cold =
        bootstrap::cold_start_with::<ValidateHandler>(&env, sdk_config(aws.moto.endpoint())).await;
    WarmUp {
        ok: cold.is_ok(),
        took: started.elapsed(),
        token_requests: sandbox.count_token_requests(),
    }
}
