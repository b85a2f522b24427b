//! AWS misbehaving: Secrets Manager unreachable at cold start and later, DynamoDB unreachable
//! and throttled. Real SDK calls, against moto behind the fault-injecting proxy or against a
//! port where nothing listens.

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

use super::Outcome;
use crate::harness::{Exposure, Reply, Stack, assert_problem, conversation, spawn};

const TABLE: &str = "sessions";
const DATA_ACTION_SECRET: &str = "hardening/data-action";
const SESSION_KEY_SECRET: &str = "hardening/session-key";
/// The longest a store or secrets failure may keep a caller waiting here: the SDK's retries
/// (three attempts, jittered backoff) plus scheduling on a loaded machine.
const STORE_BUDGET: Duration = Duration::from_secs(6);

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

/// Cold starts of validate-session and initiate while Secrets Manager cannot be reached: each
/// fails within the SDK's operation timeout with an init error naming the secret.
pub async fn secrets_unreachable_at_cold_start() -> Vec<Outcome> {
    let sdk = sdk_config(&dead_endpoint());
    let started = Instant::now();
    let validate =
        bootstrap::cold_start_with::<ValidateHandler>(&validate_env(300), sdk.clone()).await;
    let validate_took = started.elapsed();
    let error = validate
        .expect_err("a cold start without secrets fails")
        .to_string();
    assert!(
        error.contains(DATA_ACTION_SECRET),
        "names the secret: {error}"
    );
    assert!(validate_took < STORE_BUDGET, "{validate_took:?}");

    let started = Instant::now();
    let initiate = bootstrap::cold_start_with::<InitiateHandler>(&initiate_env(), sdk).await;
    let initiate_took = started.elapsed();
    let error = initiate
        .expect_err("a cold start without secrets fails")
        .to_string();
    assert!(
        error.contains(SESSION_KEY_SECRET),
        "names the secret: {error}"
    );
    assert!(initiate_took < STORE_BUDGET, "{initiate_took:?}");
    vec![
        Outcome::new(
            "Secrets Manager",
            "unreachable at cold start (validate-session)",
            1,
            &format!(
                "init error naming `{DATA_ACTION_SECRET}` after {} ms",
                validate_took.as_millis()
            ),
        ),
        Outcome::new(
            "Secrets Manager",
            "unreachable at cold start (initiate)",
            1,
            &format!(
                "init error naming `{SESSION_KEY_SECRET}` after {} ms",
                initiate_took.as_millis()
            ),
        ),
    ]
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

/// Secrets Manager goes away after a cold start: the cached credential keeps authenticating
/// until its TTL; past it the data action gets 503 (its Failure path) within the deadline, and
/// recovers as soon as Secrets Manager answers again.
pub async fn secrets_unreachable_later(seen: &mut Exposure) -> Outcome {
    let aws = Aws::start().await;
    let password = "hardening-data-action-password";
    seen.secret(password);
    aws.put_secret(
        DATA_ACTION_SECRET,
        json!({"username": "architect", "password": password}),
    )
    .await;
    let ttl = Duration::from_secs(3);
    let handler = bootstrap::cold_start_with::<ValidateHandler>(
        &validate_env(ttl.as_secs()),
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
        (response, started.elapsed())
    };
    let (cached, _) = call().await;
    assert!(loaded.elapsed() < ttl, "the first call ran within the TTL");
    assert_eq!(
        cached.status(),
        200,
        "the cached credential still authenticates"
    );
    let body: serde_json::Value = serde_json::from_slice(cached.body()).expect("JSON");
    assert_eq!(body["reason"], "unknown");

    tokio::time::sleep(ttl.saturating_sub(loaded.elapsed()) + Duration::from_millis(200)).await;
    let (expired, took) = call().await;
    assert_eq!(
        expired.status(),
        503,
        "past the TTL the credential cannot be checked"
    );
    assert!(expired.headers().contains_key("retry-after"));
    let text = String::from_utf8_lossy(expired.body()).into_owned();
    seen.reply(&Reply {
        status: 503,
        headers: expired.headers().clone(),
        body: text,
        elapsed: took,
    });
    let deadline = secure_initiation::api::ValidateSettings::default().deadline;
    assert!(
        took < deadline + Duration::from_secs(1),
        "answered after {took:?}"
    );

    aws.proxy.clear_faults();
    let (recovered, _) = call().await;
    assert_eq!(
        recovered.status(),
        200,
        "recovers once Secrets Manager answers"
    );
    Outcome::new(
        "Secrets Manager",
        "unreachable after cold start (TTL 3 s)",
        3,
        &format!(
            "cached credential served within the TTL; past it 503 + Retry-After in {} ms; recovers",
            took.as_millis()
        ),
    )
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

fn assert_unavailable(reply: &Reply, what: &str) {
    assert_problem(reply, 503, "service-unavailable");
    assert!(reply.header("retry-after").is_some(), "{what}");
    assert!(
        reply.elapsed < STORE_BUDGET,
        "{what}: answered after {:?}",
        reply.elapsed
    );
}

/// DynamoDB cannot be reached at all: every flow answers 503 and nothing reaches Genesys.
pub async fn dynamodb_unreachable(seen: &mut Exposure) -> Outcome {
    let client = aws_sdk_dynamodb::Client::new(&sdk_config(&dead_endpoint()));
    let stack = stack_on(client).await;
    let token = stack.token("dynamodb-down");
    seen.secret(token.clone());
    let initiate = stack.initiate(&token, &json!({"orderId": "1"}), None).await;
    assert_unavailable(&initiate, "initiate");
    let refresh = stack.refresh(&token, &"A".repeat(43)).await;
    assert_unavailable(&refresh, "refresh");
    let validate = stack.validate(&"A".repeat(43), &conversation(), None).await;
    assert_unavailable(&validate, "validate");
    for r in [&initiate, &refresh, &validate] {
        seen.reply(r);
    }
    assert_eq!(stack.running.sandbox.count_create_requests(), 0);
    Outcome::new(
        "DynamoDB",
        "unreachable (connection refused)",
        3,
        &format!(
            "503 + Retry-After on initiate, refresh and validate (slowest {} ms); no conversation created",
            [&initiate, &refresh, &validate]
                .iter()
                .map(|r| r.elapsed.as_millis())
                .max()
                .unwrap_or(0)
        ),
    )
}

/// DynamoDB throttles: each flow answers 503 and leaves nothing half-written, then works once
/// the throttling stops.
pub async fn dynamodb_throttled(seen: &mut Exposure) -> Vec<Outcome> {
    let aws = Aws::start().await;
    let stack = stack_on(aws.dynamodb()).await;
    let token = stack.token("dynamodb-throttled");
    seen.secret(token.clone());
    let mut outcomes = Vec::new();

    // Every call throttled.
    aws.proxy.inject(ProxyFault::always(FaultKind::Throttle));
    let initiate = stack.initiate(&token, &json!({"orderId": "1"}), None).await;
    assert_unavailable(&initiate, "initiate, all throttled");
    seen.reply(&initiate);
    aws.proxy.clear_faults();
    assert!(aws.items().await.is_empty(), "nothing written");
    assert_eq!(stack.running.sandbox.conversations().len(), 0);
    outcomes.push(Outcome::new(
        "DynamoDB",
        "every call throttled (initiate)",
        1,
        "503 + Retry-After; table untouched; no conversation",
    ));

    // Only the session write throttled (the rate counter goes through).
    aws.proxy
        .inject(ProxyFault::always(FaultKind::ThroughputExceeded).on("PutItem"));
    let initiate = stack.initiate(&token, &json!({"orderId": "1"}), None).await;
    assert_unavailable(&initiate, "initiate, session write throttled");
    seen.reply(&initiate);
    aws.proxy.clear_faults();
    let items = aws.items().await;
    assert_eq!(items.get("session"), None, "no session: {items:?}");
    assert_eq!(
        stack.running.sandbox.conversations().len(),
        0,
        "no conversation without its session"
    );
    outcomes.push(Outcome::new(
        "DynamoDB",
        "session write throttled (initiate)",
        1,
        "503; no session, no conversation",
    ));

    // Healthy again: one session, one conversation, and the hash validates for it.
    let created = stack.initiate_ok(&token).await;
    let hash = created["sessionHash"].as_str().unwrap().to_owned();
    let conv = created["conversationId"].as_str().unwrap().to_owned();
    seen.secret(hash.clone());
    seen.secret(created["token"].as_str().unwrap_or_default());
    assert_eq!(aws.items().await.get("session"), Some(&1));
    assert_eq!(stack.running.sandbox.conversations().len(), 1);

    // The bind throttled: 503 (Architect's Failure path), still unbound, then binds once.
    aws.proxy
        .inject(ProxyFault::always(FaultKind::Throttle).on("UpdateItem"));
    let validate = stack.validate(&hash, &conv, None).await;
    assert_unavailable(&validate, "validate, bind throttled");
    seen.reply(&validate);
    aws.proxy.clear_faults();
    assert_eq!(aws.sessions_with_status("bound").await, 0);
    let ok = stack.validate(&hash, &conv, None).await;
    assert_eq!(ok.json()["valid"], true, "{}", ok.body);
    let replay = stack.validate(&hash, &conversation(), None).await;
    assert_eq!(replay.json()["reason"], "replayed");
    assert_eq!(aws.sessions_with_status("bound").await, 1);
    outcomes.push(Outcome::new(
        "DynamoDB",
        "bind throttled (validate)",
        1,
        "503; unbound until it recovers, then bound exactly once",
    ));

    // The rotation throttled: the old ticket stays active, no new one exists, no conversation.
    let fresh = stack
        .initiate_ok(&stack.token("dynamodb-throttled-2"))
        .await;
    let old = fresh["sessionHash"].as_str().unwrap().to_owned();
    seen.secret(old.clone());
    let conversations = stack.running.sandbox.conversations().len();
    // Into the ticket's refresh window.
    stack.running.clock.advance_ms(46_000);
    aws.proxy
        .inject(ProxyFault::always(FaultKind::Throttle).on("TransactWriteItems"));
    let refresh = stack
        .refresh(&stack.token("dynamodb-throttled-2"), &old)
        .await;
    assert_unavailable(&refresh, "refresh, rotation throttled");
    seen.reply(&refresh);
    aws.proxy.clear_faults();
    assert_eq!(
        aws.sessions_with_status("active").await,
        1,
        "only the old ticket is active"
    );
    assert_eq!(stack.running.sandbox.conversations().len(), conversations);
    let rotated = stack
        .refresh(&stack.token("dynamodb-throttled-2"), &old)
        .await;
    assert_eq!(rotated.status, 201, "{}", rotated.body);
    seen.secret(rotated.json()["sessionHash"].as_str().unwrap_or_default());
    assert_eq!(aws.sessions_with_status("revoked").await, 1);
    outcomes.push(Outcome::new(
        "DynamoDB",
        "rotation throttled (refresh)",
        1,
        "503; old ticket still active, no new ticket or conversation; refresh works after",
    ));

    // An Idempotency-Key whose session write is throttled is released, so the retry creates
    // exactly one session.
    let idem_token = stack.token("dynamodb-throttled-3");
    // The key's own record is the first PutItem; the session's is the second.
    aws.proxy.inject(
        ProxyFault::always(FaultKind::Throttle)
            .on("PutItem")
            .after(1),
    );
    let first = stack
        .initiate(&idem_token, &json!({"orderId": "7"}), Some("retry-me"))
        .await;
    assert_unavailable(&first, "initiate with a key, session write throttled");
    seen.reply(&first);
    aws.proxy.clear_faults();
    let sessions_before = aws.items().await.get("session").copied().unwrap_or(0);
    let retry = stack
        .initiate(&idem_token, &json!({"orderId": "7"}), Some("retry-me"))
        .await;
    assert_eq!(retry.status, 201, "{}", retry.body);
    seen.secret(retry.json()["sessionHash"].as_str().unwrap_or_default());
    let again = stack
        .initiate(&idem_token, &json!({"orderId": "7"}), Some("retry-me"))
        .await;
    assert_eq!(again.body, retry.body, "the key replays the one success");
    assert_eq!(
        aws.items().await.get("session").copied().unwrap_or(0),
        sessions_before + 1
    );
    outcomes.push(Outcome::new(
        "DynamoDB",
        "session write throttled under an Idempotency-Key",
        3,
        "503, then the retry creates exactly one session and replays it",
    ));

    stack.record_secrets(seen);
    outcomes
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

/// `GENESYS_WARM_UP`: off, a cold start asks Genesys for nothing; on, it fetches exactly one
/// token; on while the login host fails, the cold start still succeeds within the deadline and
/// the first call fetches the token as usual.
pub async fn genesys_warm_up_at_cold_start() -> Vec<Outcome> {
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
    let genesys = sandbox.base_url().to_owned();
    let sdk = sdk_config(aws.moto.endpoint());
    let mut outcomes = Vec::new();

    bootstrap::cold_start_with::<ValidateHandler>(&write_back_env(&genesys, false), sdk.clone())
        .await
        .expect("cold start without warm-up");
    assert_eq!(sandbox.count_token_requests(), 0, "no warm-up, no token");
    outcomes.push(Outcome::new(
        "Genesys warm-up",
        "GENESYS_WARM_UP=false",
        1,
        "cold start asks Genesys for nothing",
    ));

    bootstrap::cold_start_with::<ValidateHandler>(&write_back_env(&genesys, true), sdk.clone())
        .await
        .expect("cold start with warm-up");
    assert_eq!(
        sandbox.count_token_requests(),
        1,
        "one token fetched at init"
    );
    outcomes.push(Outcome::new(
        "Genesys warm-up",
        "GENESYS_WARM_UP=true",
        1,
        "cold start fetches exactly 1 token",
    ));

    sandbox.inject(Fault::status(503).times(100).on_path("/oauth/token"));
    let started = Instant::now();
    let cold =
        bootstrap::cold_start_with::<ValidateHandler>(&write_back_env(&genesys, true), sdk).await;
    let took = started.elapsed();
    assert!(cold.is_ok(), "a failed warm-up never fails the cold start");
    assert!(
        took < Duration::from_millis(2_500) + Duration::from_secs(1),
        "the warm-up stays within the validation deadline: {took:?}"
    );
    outcomes.push(Outcome::new(
        "Genesys warm-up",
        "GENESYS_WARM_UP=true, login host answering 503",
        1,
        &format!("cold start succeeds in {} ms", took.as_millis()),
    ));
    outcomes
}
