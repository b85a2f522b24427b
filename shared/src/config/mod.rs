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
mod error;
mod identity;
mod initiate;
mod reader;
mod refresh;
mod validate;
pub mod vars;

pub use crate::env::{EnvSource, ProcessEnv};
pub use crate::session::VerifierConfig;
pub use browser::{BrowserConfig, GenesysConfig, RiskConfig, StrategyConfig};
pub use error::ConfigError;
pub use identity::verifier_config;
pub use initiate::{InitiateConfig, OwnershipConfig};
pub use refresh::RefreshConfig;
pub use validate::ValidateConfig;
pub use vars::{Function, Kind, VARIABLES, Variable};

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
