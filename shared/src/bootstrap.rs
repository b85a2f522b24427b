//! Cold start of each Lambda function in one call: configuration, AWS clients, secrets, the
//! handler. Everything here runs once per container; handlers borrow what it builds.
//!
//! [`initiate`], [`refresh`] and [`validate`] load the AWS configuration from the Lambda
//! environment; the `*_with` variants take it from the caller, so tests can point a cold start
//! at moto (or at nothing) without touching the process environment.

use std::sync::Arc;

use base64::Engine as _;

use crate::adapters::{
    AwsRoots, DynamoStore, HttpRiskScorer, SecretsManagerConfig, SecretsManagerSource,
};
use crate::api::risk::RuleScorer;
use crate::api::strategy::{InitiationApiStrategy, InitiationStrategy, MessengerStrategy};
use crate::api::{DataActionCredential, InitiateHandler, RefreshHandler, ValidateHandler};
use crate::attributes::{Schema, SchemaError};
use crate::config::{
    BrowserConfig, ConfigError, EnvSource, GenesysConfig, InitiateConfig, RefreshConfig,
    RiskConfig, StrategyConfig, ValidateConfig,
};
use crate::genesys::{GenesysClient, GenesysClientConfig, GenesysConfigError, GenesysEndpoints};
use crate::ports::{
    Clock, GenesysGateway, RiskError, RiskScorer, SecretError, SecretSource, SystemClock,
};
use crate::session::{HttpJwksSource, SessionKeys, SessionVerifier, VerifierConfig};
use crate::tls::TlsRootsError;

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
        /// The secret.
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
    /// The roots the AWS SDK's HTTPS client trusts.
    #[error("AWS TLS roots: {0}")]
    TlsRoots(#[from] TlsRootsError),
}

/// What every function builds first.
#[derive(Debug, Clone)]
struct Base {
    sdk: aws_config::SdkConfig,
    clock: Arc<dyn Clock>,
    schema: Arc<Schema>,
}

/// Region, credentials and `AWS_ENDPOINT_URL` from the Lambda environment; the HTTPS client
/// trusts the Amazon Trust Services roots, or `AWS_CA_BUNDLE` (see [`AwsRoots`]).
pub async fn lambda_sdk_config(
    env: &(impl EnvSource + ?Sized),
) -> Result<aws_config::SdkConfig, InitError> {
    let http = AwsRoots::from_env(env)?.https_client()?;
    Ok(aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(http)
        .load()
        .await)
}

fn base(sdk: aws_config::SdkConfig) -> Result<Base, InitError> {
    Ok(Base {
        sdk,
        clock: Arc::new(SystemClock),
        schema: Arc::new(Schema::default_schema()?),
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
/// Off by default, by measurement (README, "Tuning decisions"): it moves the token request from
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

struct Browser {
    keys: Arc<SessionKeys>,
    verifier: Arc<SessionVerifier>,
    store: DynamoStore,
    strategy: Arc<dyn InitiationStrategy>,
}

async fn browser(base: &Base, cfg: &BrowserConfig) -> Result<Browser, InitError> {
    let secrets = secrets(base, cfg.secrets_ttl);
    let keys = Arc::new(session_keys(secrets.as_ref(), &cfg.session_key_secret_id).await?);
    let mut verifier_config =
        VerifierConfig::new(cfg.jwt.jwks_url.clone(), &cfg.jwt.issuer, &cfg.jwt.audience);
    verifier_config.algorithms.clone_from(&cfg.jwt.algorithms);
    verifier_config.leeway_secs = cfg.jwt.leeway_secs;
    let jwks = HttpJwksSource::new(std::time::Duration::from_secs(2))
        .map_err(|e| InitError::Verifier(e.to_string()))?;
    let verifier = Arc::new(
        SessionVerifier::new(verifier_config, Arc::new(jwks), base.clock.clone())
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
    Ok(Browser {
        keys,
        verifier,
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

/// Builds the initiate function from the environment.
pub async fn initiate(env: &(impl EnvSource + ?Sized)) -> Result<InitiateHandler, InitError> {
    initiate_with(env, lambda_sdk_config(env).await?).await
}

/// Builds the initiate function from `env` with the given AWS configuration.
pub async fn initiate_with(
    env: &(impl EnvSource + ?Sized),
    sdk: aws_config::SdkConfig,
) -> Result<InitiateHandler, InitError> {
    let cfg = InitiateConfig::from_env(env)?;
    let base = base(sdk)?;
    let b = browser(&base, &cfg.browser).await?;
    let risk = risk_scorer(&cfg.risk)?;
    Ok(InitiateHandler {
        schema: base.schema,
        clock: base.clock,
        keys: b.keys,
        verifier: b.verifier,
        sessions: Arc::new(b.store.clone()),
        rate: Arc::new(b.store.clone()),
        idempotency: Arc::new(b.store),
        risk,
        strategy: b.strategy,
        cors: cfg.browser.cors,
        settings: cfg.settings,
    })
}

/// Builds the refresh-token function from the environment.
pub async fn refresh(env: &(impl EnvSource + ?Sized)) -> Result<RefreshHandler, InitError> {
    refresh_with(env, lambda_sdk_config(env).await?).await
}

/// Builds the refresh-token function from `env` with the given AWS configuration.
pub async fn refresh_with(
    env: &(impl EnvSource + ?Sized),
    sdk: aws_config::SdkConfig,
) -> Result<RefreshHandler, InitError> {
    let cfg = RefreshConfig::from_env(env)?;
    let base = base(sdk)?;
    let b = browser(&base, &cfg.browser).await?;
    Ok(RefreshHandler {
        schema: base.schema,
        clock: base.clock,
        keys: b.keys,
        verifier: b.verifier,
        sessions: Arc::new(b.store.clone()),
        rate: Arc::new(b.store),
        risk: risk_scorer(&cfg.risk)?,
        strategy: b.strategy,
        cors: cfg.browser.cors,
        settings: cfg.settings,
    })
}

/// Builds the validate-session function from the environment.
pub async fn validate(env: &(impl EnvSource + ?Sized)) -> Result<ValidateHandler, InitError> {
    validate_with(env, lambda_sdk_config(env).await?).await
}

/// Builds the validate-session function from `env` with the given AWS configuration.
pub async fn validate_with(
    env: &(impl EnvSource + ?Sized),
    sdk: aws_config::SdkConfig,
) -> Result<ValidateHandler, InitError> {
    let cfg = ValidateConfig::from_env(env)?;
    let base = base(sdk)?;
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
    let sessions = Arc::new(store(&base, &cfg.table));
    Ok(ValidateHandler {
        schema: base.schema,
        clock: base.clock,
        sessions,
        gateway,
        credential: DataActionCredential::new(secrets, cfg.data_action_secret_id),
        settings: cfg.settings,
    })
}
