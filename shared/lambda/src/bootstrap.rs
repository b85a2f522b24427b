//! Cold start of each Lambda function in one call: configuration, AWS clients, secrets, the
//! handler. Everything here runs once per container; handlers borrow what it builds.
//!
//! Each handler is a [`ColdStart`]. [`initiate`], [`refresh`] and [`validate`] (the functions'
//! `main`s call them) read the process environment and load the AWS configuration from it;
//! [`cold_start_with`] takes both from the caller, so tests can point a cold start at moto (or at
//! nothing) without touching the process environment.

use std::future::Future;
use std::sync::Arc;

use aws_config::SdkConfig;

use base64::Engine as _;

use secure_initiation::adapters::{
    AwsRoots, DynamoStore, HttpOwnershipCheck, HttpRiskScorer, SecretsManagerConfig,
    SecretsManagerSource,
};
use secure_initiation::api::ownership::Ownership;
use secure_initiation::api::risk::RuleScorer;
use secure_initiation::api::strategy::{
    InitiationApiStrategy, InitiationStrategy, MessengerStrategy,
};
use secure_initiation::api::{
    Browser, BrowserPorts, DataActionCredential, InitiateHandler, RefreshHandler, ValidateHandler,
    ValidatePorts,
};
use secure_initiation::attributes::{Schema, SchemaError};
use secure_initiation::config::{
    BrowserConfig, ConfigError, GenesysConfig, InitiateConfig, RefreshConfig, RiskConfig,
    StrategyConfig, ValidateConfig,
};
use secure_initiation::env::{EnvSource, ProcessEnv};
use secure_initiation::genesys::{
    GenesysClient, GenesysClientConfig, GenesysConfigError, GenesysEndpoints,
};
use secure_initiation::http::ApiError;
use secure_initiation::ports::{
    Clock, GenesysGateway, OwnershipError, RiskError, RiskScorer, SecretError, SecretSource,
    SystemClock,
};
use secure_initiation::session::{HttpJwksSource, SessionKeys, SessionVerifier};
use secure_initiation::tls::{TlsRootsError, WebRoots};

/// Field of the session-key secret holding the HMAC key (base64).
pub const HMAC_KEY_FIELD: &str = "hmac_key";

/// Why a cold start failed. The message names the variable or secret at fault.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    /// A configuration variable.
    #[error("configuration: {0}")]
    Config(#[from] ConfigError),
    /// The embedded attribute schema.
    #[error("attribute schema: {0}")]
    Schema(#[from] SchemaError),
    /// A secret could not be read.
    #[error("secrets: {0}")]
    Secret(#[from] SecretError),
    /// The session-hash key is unusable.
    #[error("secret `{secret_id}` field `{HMAC_KEY_FIELD}`: {reason}")]
    SessionKey {
        secret_id: String,
        /// What is wrong (never the key).
        reason: String,
    },
    /// The Genesys client could not be built.
    #[error("genesys: {0}")]
    Genesys(#[from] GenesysConfigError),
    /// The session verifier's configuration.
    #[error("session verification: {0}")]
    Verifier(String),
    /// The risk scorer client.
    #[error("risk scorer: {0}")]
    Risk(#[from] RiskError),
    /// The ownership check's client.
    #[error("ownership check: {0}")]
    Ownership(#[from] OwnershipError),
    /// The roots the AWS SDK's HTTPS client trusts.
    #[error("AWS TLS roots: {0}")]
    TlsRoots(#[from] TlsRootsError),
    /// A handler could not be assembled.
    #[error("handler: {0}")]
    Handler(#[from] ApiError),
}

/// What every function builds first.
#[derive(Debug, Clone)]
struct Base {
    sdk: SdkConfig,
    clock: Arc<dyn Clock>,
    schema: Arc<Schema>,
    /// The roots the identity provider's JWKS client trusts: `SSL_CERT_FILE` of the cold
    /// start's environment, else Mozilla's (see [`WebRoots`]).
    web_roots: WebRoots,
}

/// Region, credentials and `AWS_ENDPOINT_URL` from the Lambda environment; the HTTPS client
/// trusts the Amazon Trust Services roots, or `AWS_CA_BUNDLE` (see [`AwsRoots`]).
pub async fn lambda_sdk_config(env: &(impl EnvSource + ?Sized)) -> Result<SdkConfig, InitError> {
    let http = AwsRoots::from_env(env)?.https_client()?;
    Ok(aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(http)
        .load()
        .await)
}

fn base(env: &(impl EnvSource + ?Sized), init: Init) -> Result<Base, InitError> {
    Ok(Base {
        sdk: init.sdk,
        clock: Arc::new(SystemClock),
        schema: init.schema,
        web_roots: WebRoots::from_env(env)?,
    })
}

fn secrets(base: &Base, ttl: std::time::Duration) -> Arc<SecretsManagerSource> {
    Arc::new(SecretsManagerSource::from_sdk_config(
        &base.sdk,
        SecretsManagerConfig {
            ttl,
            ..SecretsManagerConfig::default()
        },
        base.clock.clone(),
    ))
}

fn store(base: &Base, table: &str) -> DynamoStore {
    DynamoStore::new(
        aws_sdk_dynamodb::Client::new(&base.sdk),
        table,
        base.clock.clone(),
    )
}

/// Reads the session-hash key from its secret.
pub async fn session_keys(
    secrets: &dyn SecretSource,
    secret_id: &str,
) -> Result<SessionKeys, InitError> {
    let fields = secrets.fields(secret_id).await?;
    let encoded = fields.get(secret_id, HMAC_KEY_FIELD)?;
    let bad = |reason: &str| InitError::SessionKey {
        secret_id: secret_id.to_owned(),
        reason: reason.to_owned(),
    };
    let key = base64::engine::general_purpose::STANDARD
        .decode(encoded.expose().trim())
        .map_err(|_| bad("not base64"))?;
    SessionKeys::from_secret(&key).map_err(|e| bad(&e.to_string()))
}

/// The Genesys client for a configuration.
pub fn genesys_client(
    config: &GenesysConfig,
    secrets: Arc<dyn SecretSource>,
    clock: Arc<dyn Clock>,
) -> Result<GenesysClient, InitError> {
    let endpoints = match (&config.api_base_url, &config.login_base_url, &config.region) {
        (Some(api), Some(login), _) => GenesysEndpoints::custom(api.as_str(), login.as_str())?,
        (_, _, Some(region)) => GenesysEndpoints::for_region(region)?,
        _ => GenesysEndpoints::for_region("")?,
    };
    Ok(GenesysClient::new(
        GenesysClientConfig::new(endpoints, config.credentials_secret_id.clone()),
        secrets,
        clock,
    )?)
}

/// With `GENESYS_WARM_UP=true`, fetches a Genesys token now (opening the connection it uses),
/// within `budget`. A failure is logged, never fatal: the first call fetches the token as it
/// would have anyway, and a Genesys outage does not turn into failed cold starts.
///
/// Off by default, by measurement (docs/src/project/tuning.md): it moves the token request from
/// the first invocation into init, which leaves an on-demand cold start exactly as long; it pays
/// off only where init runs ahead of traffic (provisioned concurrency, Lambda's proactive
/// initialisation), where it takes the TLS handshake and token request off the first caller.
pub async fn warm_up_genesys(
    client: &GenesysClient,
    config: &GenesysConfig,
    budget: std::time::Duration,
) {
    if !config.warm_up {
        return;
    }
    match client.warm_up(tokio::time::Instant::now() + budget).await {
        Ok(()) => tracing::info!("genesys token fetched during init"),
        Err(e) => {
            tracing::warn!(error = %e, "genesys warm-up failed; the first call fetches the token");
        }
    }
}

/// What initiate and refresh-token build alike.
struct BrowserParts {
    browser: Browser,
    store: DynamoStore,
    strategy: Arc<dyn InitiationStrategy>,
}

async fn browser(base: &Base, cfg: &BrowserConfig) -> Result<BrowserParts, InitError> {
    let secrets = secrets(base, cfg.secrets_ttl);
    let keys = Arc::new(session_keys(secrets.as_ref(), &cfg.session_key_secret_id).await?);
    let jwks = HttpJwksSource::with_roots(&base.web_roots, JWKS_TIMEOUT)
        .map_err(|e| InitError::Verifier(e.to_string()))?;
    let verifier = Arc::new(
        SessionVerifier::new(cfg.jwt.clone(), Arc::new(jwks), base.clock.clone())
            .map_err(|e| InitError::Verifier(e.to_string()))?,
    );
    let strategy: Arc<dyn InitiationStrategy> = match &cfg.strategy {
        StrategyConfig::Messenger => Arc::new(MessengerStrategy),
        StrategyConfig::InitiationApi {
            genesys,
            target,
            deadline,
        } => {
            let client = genesys_client(genesys, secrets, base.clock.clone())?;
            warm_up_genesys(&client, genesys, *deadline).await;
            let client: Arc<dyn GenesysGateway> = Arc::new(client);
            Arc::new(InitiationApiStrategy::new(client, target.clone()))
        }
    };
    Ok(BrowserParts {
        browser: Browser {
            schema: base.schema.clone(),
            clock: base.clock.clone(),
            keys,
            verifier,
            cors: cfg.cors.clone(),
        },
        store: store(base, &cfg.table),
        strategy,
    })
}

/// The HTTP scorer when `RISK_SCORER_URL` is set, else the built-in rules.
fn risk_scorer(cfg: &RiskConfig) -> Result<Arc<dyn RiskScorer>, InitError> {
    Ok(match &cfg.scorer_url {
        Some(url) => Arc::new(HttpRiskScorer::new(url.clone(), cfg.deadline)?),
        None => Arc::new(RuleScorer),
    })
}

/// Whole seconds the identity provider's JWKS endpoint gets per fetch.
const JWKS_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// What a cold start is given besides its environment: the AWS configuration and the attribute
/// schema (the one compiled in, for the functions).
#[derive(Debug, Clone)]
pub struct Init {
    /// Region, credentials and endpoint of the AWS clients.
    pub sdk: SdkConfig,
    /// The attribute schema.
    pub schema: Arc<Schema>,
}

/// A function's cold start: its configuration read from `env`, then its handler built over AWS
/// clients from `init`. The cold start runs before the function's own current-thread runtime
/// serves anything, so its future need not be `Send`.
pub trait ColdStart: Sized {
    /// Builds the handler; a bad variable or an unreadable secret fails, naming it.
    fn build(
        env: &(impl EnvSource + ?Sized),
        init: Init,
    ) -> impl Future<Output = Result<Self, InitError>>;
}

/// Builds function `H` from the process environment, with the AWS configuration it names.
pub async fn cold_start<H: ColdStart>() -> Result<H, InitError> {
    cold_start_with(&ProcessEnv, lambda_sdk_config(&ProcessEnv).await?).await
}

/// Builds function `H` from `env` with the given AWS configuration and the schema compiled in.
pub async fn cold_start_with<H: ColdStart>(
    env: &(impl EnvSource + ?Sized),
    sdk: SdkConfig,
) -> Result<H, InitError> {
    let schema = Arc::new(Schema::default_schema()?);
    H::build(env, Init { sdk, schema }).await
}

/// Builds function `H` from `env` with another attribute schema: what a deployment whose
/// `config/attributes.toml` says otherwise compiles in (tests of claim mappings use it).
pub async fn cold_start_with_schema<H: ColdStart>(
    env: &(impl EnvSource + ?Sized),
    sdk: SdkConfig,
    schema: Schema,
) -> Result<H, InitError> {
    H::build(
        env,
        Init {
            sdk,
            schema: Arc::new(schema),
        },
    )
    .await
}

/// Builds the initiate function from the environment.
pub async fn initiate() -> Result<InitiateHandler, InitError> {
    cold_start().await
}

/// Builds the refresh-token function from the environment.
pub async fn refresh() -> Result<RefreshHandler, InitError> {
    cold_start().await
}

/// Builds the validate-session function from the environment.
pub async fn validate() -> Result<ValidateHandler, InitError> {
    cold_start().await
}

impl ColdStart for InitiateHandler {
    async fn build(env: &(impl EnvSource + ?Sized), init: Init) -> Result<Self, InitError> {
        let cfg = InitiateConfig::from_env(env)?;
        let (browser, ports, store) = browser_function(base(env, init)?, &cfg.browser).await?;
        let handler = Self::new(browser, ports, store, cfg.settings)?;
        Ok(match &cfg.ownership {
            Some(check) => handler.with_ownership(Ownership {
                check: Arc::new(HttpOwnershipCheck::new(check.url.clone(), check.deadline)?),
                on_failure: check.on_failure,
            }),
            None => handler,
        })
    }
}

/// refresh-token takes no `Idempotency-Key`: the table serves it sessions and rate counters.
impl ColdStart for RefreshHandler {
    async fn build(env: &(impl EnvSource + ?Sized), init: Init) -> Result<Self, InitError> {
        let cfg = RefreshConfig::from_env(env)?;
        let (browser, ports, _) = browser_function(base(env, init)?, &cfg.browser).await?;
        Ok(Self::new(browser, ports, cfg.settings))
    }
}

/// What initiate and refresh-token build alike: the caller's identity, the ports over the
/// table (returned once more as the idempotency store initiate needs) and the strategy.
async fn browser_function(
    base: Base,
    cfg: &BrowserConfig,
) -> Result<(Browser, BrowserPorts, Arc<DynamoStore>), InitError> {
    let parts = browser(&base, cfg).await?;
    let store = Arc::new(parts.store);
    let ports = BrowserPorts {
        sessions: store.clone(),
        rate: store.clone(),
        risk: risk_scorer(&cfg.risk)?,
        strategy: parts.strategy,
    };
    Ok((parts.browser, ports, store))
}

impl ColdStart for ValidateHandler {
    async fn build(env: &(impl EnvSource + ?Sized), init: Init) -> Result<Self, InitError> {
        let cfg = ValidateConfig::from_env(env)?;
        let base = base(env, init)?;
        let secrets = secrets(&base, cfg.secrets_ttl);
        // Read the credential now: a missing secret fails the cold start, not the first call.
        secrets.fields(&cfg.data_action_secret_id).await?;
        let gateway: Option<Arc<dyn GenesysGateway>> = match &cfg.genesys {
            Some(genesys) => {
                let client = genesys_client(genesys, secrets.clone(), base.clock.clone())?;
                warm_up_genesys(&client, genesys, cfg.settings.deadline).await;
                Some(Arc::new(client))
            }
            None => None,
        };
        let ports = ValidatePorts {
            sessions: Arc::new(store(&base, &cfg.table)),
            gateway,
            credential: DataActionCredential::new(secrets, cfg.data_action_secret_id),
        };
        Ok(ValidateHandler::new(
            base.schema,
            base.clock,
            ports,
            cfg.settings,
        ))
    }
}
