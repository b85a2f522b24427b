//! initiate's configuration.

use super::reader::Reader;
use super::{ConfigError, InitiateConfig, browser, vars};
use crate::api::InitiateSettings;
use crate::env::EnvSource;

impl InitiateConfig {
    /// Loads and checks every variable initiate reads.
    pub fn from_env(env: &(impl EnvSource + ?Sized)) -> Result<Self, ConfigError> {
        let r = Reader { env };
        let browser = browser::browser(&r)?;
        let settings = InitiateSettings {
            ticket: browser.ticket,
            rate_limit: r.count(&vars::RATE_LIMIT_PER_MINUTE)?,
            risk: browser.risk.policy,
            genesys_deadline: browser.strategy.deadline(),
            ..InitiateSettings::default()
        };
        Ok(Self { browser, settings })
    }
}
