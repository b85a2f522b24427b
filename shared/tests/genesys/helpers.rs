//! One harness per test: a sandbox on its own port, a client pointed at it, in-memory or moto
//! secrets, and a hand-moved clock for token expiry.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use aws_sdk_secretsmanager::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_secretsmanager::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_secretsmanager::error::BoxError;
use genesys_sandbox::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Sandbox, SandboxConfig};
use secure_initiation::adapters::{SecretsManagerConfig, SecretsManagerSource, StaticSecrets};
use secure_initiation::attributes::{AttributeSet, Schema};
use secure_initiation::genesys::{GenesysClient, GenesysClientConfig, GenesysEndpoints};
use secure_initiation::payload::{GenesysId, InitiationBody, RoutingTarget, SkillRequirement};
use secure_initiation::ports::{Clock, ManualClock, SecretSource};
use test_support::moto::MotoServer;
use tokio::time::Instant;

pub const SECRET_ID: &str = "genesys/client-credentials";
pub const WIDGET: &str = "8f1d2a47-6c1e-4c52-9a51-2f1f0b7b6a10";
pub const QUEUE: &str = "0c6f7a1e-2b9d-4a3c-8e5f-1d2c3b4a5e6f";
pub const SKILL: &str = "5b4a3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d";
pub const SESSION_HASH: &str = "hX2c9Qm4Tt7Lw0Pz3Rk8Vb";

/// Client config pointed at the sandbox, with retry waits short enough for tests.
pub fn client_config(base: &str) -> GenesysClientConfig {
    let mut config =
        GenesysClientConfig::new(GenesysEndpoints::custom(base, base).unwrap(), SECRET_ID);
    config.retry.base_delay = Duration::from_millis(20);
    config.retry.max_delay = Duration::from_millis(100);
    config
}

pub fn sandbox_secrets() -> StaticSecrets {
    StaticSecrets::new().with(
        SECRET_ID,
        &[
            ("client_id", DEFAULT_CLIENT_ID),
            ("client_secret", DEFAULT_CLIENT_SECRET),
        ],
    )
}

pub fn deadline_in(d: Duration) -> Instant {
    Instant::now() + d
}

pub fn deadline() -> Instant {
    deadline_in(Duration::from_secs(10))
}

pub struct Harness {
    pub sandbox: Sandbox,
    pub secrets: Arc<StaticSecrets>,
    pub clock: ManualClock,
    pub client: Arc<GenesysClient>,
}

pub async fn harness() -> Harness {
    harness_with(SandboxConfig::default(), |_| {}).await
}

pub async fn harness_with(
    sandbox: SandboxConfig,
    tune: impl FnOnce(&mut GenesysClientConfig),
) -> Harness {
    let sandbox = Sandbox::start(sandbox).await.unwrap();
    let secrets = Arc::new(sandbox_secrets());
    let clock = ManualClock::from_system();
    let mut config = client_config(sandbox.base_url());
    tune(&mut config);
    let client = Arc::new(
        GenesysClient::new(
            config,
            Arc::clone(&secrets) as Arc<dyn SecretSource>,
            Arc::new(clock.clone()) as Arc<dyn Clock>,
        )
        .unwrap(),
    );
    Harness {
        sandbox,
        secrets,
        clock,
        client,
    }
}

/// What the guide's initiation needs: routing from configuration, attributes from the schema.
pub struct Initiation {
    pub target: RoutingTarget,
    pub attributes: AttributeSet,
}

impl Initiation {
    pub fn new() -> Self {
        let schema = Schema::default_schema().unwrap();
        let stored: BTreeMap<String, String> = [
            ("session_hash", SESSION_HASH),
            ("priority_tier", "2"),
            ("geo_segment", "na-east"),
            ("order_id", "88472"),
            ("risk_score", "12"),
            ("authenticated", "true"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        Self {
            target: RoutingTarget {
                widget_id: GenesysId::parse(WIDGET, "widgetId").unwrap(),
                queue_id: GenesysId::parse(QUEUE, "queueId").unwrap(),
                skills: vec![
                    SkillRequirement::new(GenesysId::parse(SKILL, "skillId").unwrap(), 1).unwrap(),
                ],
            },
            attributes: AttributeSet::from_canonical(&schema, &stored).unwrap(),
        }
    }

    pub fn body(&self) -> InitiationBody<'_> {
        InitiationBody::new(&self.target, &self.attributes, None)
    }
}

/// Counts `GetSecretValue` requests the SDK transmits to moto (each one moto answers).
#[derive(Debug, Default, Clone)]
pub struct GetSecretValueCounter(Arc<AtomicU64>);

impl GetSecretValueCounter {
    pub fn count(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

impl Intercept for GetSecretValueCounter {
    fn name(&self) -> &'static str {
        "GetSecretValueCounter"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let target = context.request().headers().get("x-amz-target");
        if target == Some("secretsmanager.GetSecretValue") {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
        Ok(())
    }
}

pub async fn moto() -> MotoServer {
    MotoServer::start()
        .await
        .unwrap_or_else(|e| panic!("moto is required for this test: {e}"))
}

/// Creates (or overwrites) the credentials secret in moto with the real SDK.
pub async fn put_credentials(moto: &MotoServer, client_id: &str, client_secret: &str) {
    let sm = moto.secrets_manager();
    let value =
        serde_json::json!({"client_id": client_id, "client_secret": client_secret}).to_string();
    let exists = sm
        .describe_secret()
        .secret_id(SECRET_ID)
        .send()
        .await
        .is_ok();
    if exists {
        sm.put_secret_value()
            .secret_id(SECRET_ID)
            .secret_string(value)
            .send()
            .await
            .unwrap();
    } else {
        sm.create_secret()
            .name(SECRET_ID)
            .secret_string(value)
            .send()
            .await
            .unwrap();
    }
}

/// A Secrets Manager source on moto whose wire reads are counted.
pub fn moto_source(
    moto: &MotoServer,
    clock: &ManualClock,
    ttl: Duration,
) -> (Arc<SecretsManagerSource>, GetSecretValueCounter) {
    let counter = GetSecretValueCounter::default();
    let conf = aws_sdk_secretsmanager::config::Builder::from(&moto.sdk_config())
        .interceptor(counter.clone())
        .build();
    let source = SecretsManagerSource::new(
        aws_sdk_secretsmanager::Client::from_conf(conf),
        SecretsManagerConfig {
            ttl,
            ..SecretsManagerConfig::default()
        },
        Arc::new(clock.clone()),
    );
    (Arc::new(source), counter)
}

/// The status a function answers a Genesys failure with: the adapter's error through the port's
/// kinds to the one place that maps errors to HTTP.
pub fn status_of(error: secure_initiation::genesys::GenesysError) -> u16 {
    let port = secure_initiation::ports::GatewayError::from(error);
    secure_initiation::http::ApiError::from(port)
        .status()
        .as_u16()
}

/// A Genesys id from a literal.
pub fn id(s: &str) -> GenesysId {
    GenesysId::parse(s, "id").unwrap()
}
