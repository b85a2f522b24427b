//! Typed configuration, loaded once per cold start from environment variables. A bad or
//! missing value stops the cold start with a message naming the variable and what it accepts;
//! nothing quietly falls back to a default when a value is present but wrong.
//!
//! - [`vars`]: one row per variable (the single source for parsing, the book's configuration table and the
//!   template tests);
//! - `reader`: reads a variable by its row;
//! - `browser`: what initiate and refresh-token share (CORS, strategy, tickets, risk);
//! - `identity`: the identity provider (`JWKS_URL`, `JWT_*`), which the local stack reads too;
//! - `initiate`, `refresh`, `validate`: each function's assembly.

mod browser;
mod identity;
mod initiate;
mod reader;
mod refresh;
mod validate;
pub mod vars;

use std::time::Duration;

use url::Url;

pub use crate::env::{EnvSource, ProcessEnv};
pub use crate::session::VerifierConfig;
pub use identity::verifier_config;
pub use vars::{Function, Kind, VARIABLES, Variable};

use crate::api::risk::RiskPolicy;
use crate::api::strategy::StrategyKind;
use crate::api::{BrowserSettings, TicketSettings, ValidateSettings};
use crate::http::Cors;
use crate::payload::RoutingTarget;

/// A variable that is missing or not accepted. Secrets are never configuration values (only
/// secret ids are), so quoting the value is safe.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// Required and absent (or blank).
    #[error("`{variable}` is required: {accepted}")]
    Missing {
        variable: &'static str,
        /// What it accepts.
        accepted: String,
    },
    /// Present but not accepted.
    #[error("`{variable}` = `{value}` is not accepted: {accepted}")]
    Invalid {
        variable: &'static str,
        /// The value as set (configuration holds secret ids, never secrets).
        value: String,
        /// What it accepts.
        accepted: String,
    },
    /// A row read as a kind it is not (a bug in the assembly, caught by the tests).
    #[error("`{variable}` is not {kind}")]
    NotOfKind {
        variable: &'static str,
        /// The kind it was read as.
        kind: &'static str,
    },
}

impl ConfigError {
    /// The variable at fault.
    pub fn variable(&self) -> &'static str {
        match self {
            Self::Missing { variable, .. }
            | Self::Invalid { variable, .. }
            | Self::NotOfKind { variable, .. } => variable,
        }
    }
}

/// Genesys Cloud connection settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenesysConfig {
    /// Region domain (`mypurecloud.com`), unless both base URLs are overridden.
    pub region: Option<String>,
    /// API base URL override.
    pub api_base_url: Option<Url>,
    /// Login base URL override.
    pub login_base_url: Option<Url>,
    /// Secret id of the client credentials.
    pub credentials_secret_id: String,
    /// Fetch a token during init (`GENESYS_WARM_UP`).
    pub warm_up: bool,
}

/// The strategy and, for `initiation-api`, where to route.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(clippy::large_enum_variant)] // built once per cold start
pub enum StrategyConfig {
    /// `messenger`: nothing is sent to Genesys at initiation.
    Messenger,
    /// `initiation-api` with its Genesys connection and routing.
    InitiationApi {
        /// Where the client credentials and the API are.
        genesys: GenesysConfig,
        /// The widget, queue and skills every initiation is routed to.
        target: RoutingTarget,
        /// Budget of the strategy's Genesys calls per request.
        deadline: Duration,
    },
}

impl StrategyConfig {
    /// Which strategy, without its settings.
    pub fn kind(&self) -> StrategyKind {
        match self {
            Self::Messenger => StrategyKind::Messenger,
            Self::InitiationApi { .. } => StrategyKind::InitiationApi,
        }
    }

    /// The budget of the strategy's Genesys calls (the default when it makes none).
    pub fn deadline(&self) -> Duration {
        match self {
            Self::InitiationApi { deadline, .. } => *deadline,
            Self::Messenger => crate::api::strategy::default_genesys_deadline(),
        }
    }
}

/// Risk scoring settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskConfig {
    /// Thresholds and failure policy.
    pub policy: RiskPolicy,
    /// HTTP scorer, if any (else the built-in rules).
    pub scorer_url: Option<Url>,
    /// HTTP scorer deadline.
    pub deadline: Duration,
}

/// Settings shared by initiate and refresh-token (the browser-facing functions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrowserConfig {
    /// The DynamoDB table of sessions, counters and idempotency records.
    pub table: String,
    /// Secret id of the session-hash key.
    pub session_key_secret_id: String,
    /// CORS allow-list.
    pub cors: Cors,
    /// Session token verification (the identity provider).
    pub jwt: VerifierConfig,
    /// The initiation strategy and, for `initiation-api`, its Genesys settings.
    pub strategy: StrategyConfig,
    /// Ticket lifetime, maximum chain age and refresh count.
    pub ticket: TicketSettings,
    /// Risk scoring (initiate scores every session, refresh scores it again).
    pub risk: RiskConfig,
    /// How long a secret read is reused before Secrets Manager is asked again.
    pub secrets_ttl: Duration,
}

/// The initiate function's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitiateConfig {
    /// Shared browser-facing settings.
    pub browser: BrowserConfig,
    /// Rate limit, risk, tickets and the Genesys budget, as the handler applies them.
    pub settings: BrowserSettings,
    /// The site's ownership check, if configured.
    pub ownership: Option<OwnershipConfig>,
}

/// The site's ownership check (`OWNERSHIP_CHECK_*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnershipConfig {
    /// Its HTTPS endpoint.
    pub url: Url,
    /// How long it may take.
    pub deadline: Duration,
    /// What its failure means.
    pub on_failure: crate::api::ownership::OwnershipFailPolicy,
}

/// The refresh-token function's configuration: the same kinds of settings as initiate's, with
/// its own rate limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshConfig {
    /// Shared browser-facing settings.
    pub browser: BrowserConfig,
    /// Rate limit, risk, tickets and the Genesys budget, as the handler applies them.
    pub settings: BrowserSettings,
}

/// The validate-session function's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidateConfig {
    /// The DynamoDB table of sessions, counters and idempotency records.
    pub table: String,
    /// Secret id of the data-action Basic credential.
    pub data_action_secret_id: String,
    /// Genesys connection for the write-back, when enabled.
    pub genesys: Option<GenesysConfig>,
    /// Deadline, write-back and risk threshold, as the handler applies them.
    pub settings: ValidateSettings,
    /// How long a secret read is reused before Secrets Manager is asked again.
    pub secrets_ttl: Duration,
}

/// The log level. Lambda's `AWS_LAMBDA_LOG_LEVEL` (set from the template's
/// `LoggingConfig.ApplicationLogLevel`) wins when present: Lambda drops JSON lines below it
/// anyway, so formatting them would be wasted, and it is what an operator changes in the
/// console. Else `LOG_LEVEL`. A value either does not accept stops the cold start.
pub fn log_level(env: &(impl EnvSource + ?Sized)) -> Result<tracing::Level, ConfigError> {
    let r = reader::Reader { env };
    let configured = match r.choice(&vars::LOG_LEVEL)? {
        "error" => tracing::Level::ERROR,
        "warn" => tracing::Level::WARN,
        "debug" => tracing::Level::DEBUG,
        "trace" => tracing::Level::TRACE,
        _ => tracing::Level::INFO,
    };
    match env.var(LAMBDA_LOG_LEVEL).map(|v| v.trim().to_owned()) {
        Some(v) if !v.is_empty() => {
            crate::telemetry::logs::lambda_level(&v).ok_or_else(|| ConfigError::Invalid {
                variable: LAMBDA_LOG_LEVEL,
                value: v,
                accepted: "TRACE, DEBUG, INFO, WARN, ERROR or FATAL (set by Lambda from LoggingConfig.ApplicationLogLevel)".to_owned(),
            })
        }
        _ => Ok(configured),
    }
}

/// Set by Lambda itself (not by the template) when the function's log format is JSON.
pub const LAMBDA_LOG_LEVEL: &str = "AWS_LAMBDA_LOG_LEVEL";

/// Where metrics go: `METRICS_NAMESPACE` and `METRICS_DIMENSIONS`.
pub fn metrics_settings(
    env: &(impl EnvSource + ?Sized),
) -> Result<crate::telemetry::metrics::MetricsSettings, ConfigError> {
    use crate::telemetry::metrics::{MetricsSettings, SettingsError};
    let r = reader::Reader { env };
    let namespace = r.optional(&vars::METRICS_NAMESPACE).unwrap_or_default();
    let dimensions = r.optional(&vars::METRICS_DIMENSIONS).unwrap_or_default();
    MetricsSettings::parse(&namespace, &dimensions).map_err(|e| match e {
        SettingsError::Namespace(v) => reader::invalid(&vars::METRICS_NAMESPACE, &v),
        SettingsError::Dimensions(v) => reader::invalid(&vars::METRICS_DIMENSIONS, &v),
    })
}
