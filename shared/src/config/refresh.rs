//! refresh-token's configuration.

use super::reader::Reader;
use super::{ConfigError, RefreshConfig, browser, vars};
use crate::api::RefreshSettings;
use crate::env::EnvSource;

impl RefreshConfig {
    /// Loads and checks every variable refresh-token reads.
    pub fn from_env(env: &(impl EnvSource + ?Sized)) -> Result<Self, ConfigError> {
        let r = Reader { env };
        let browser = browser::browser(&r)?;
        let settings = RefreshSettings {
            ticket: browser.ticket,
            rate_limit: r.count(&vars::REFRESH_RATE_LIMIT_PER_MINUTE)?,
            risk: browser.risk.policy,
            genesys_deadline: browser.strategy.deadline(),
            ..RefreshSettings::default()
        };
        Ok(Self { browser, settings })
    }
}
