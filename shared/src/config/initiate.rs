//! initiate's configuration.

use super::reader::Reader;
use super::{ConfigError, InitiateConfig, browser, vars};
use crate::api::BrowserSettings;
use crate::env::EnvSource;

impl InitiateConfig {
    /// Loads and checks every variable initiate reads.
    pub fn from_env(env: &(impl EnvSource + ?Sized)) -> Result<Self, ConfigError> {
        let rate = &vars::RATE_LIMIT_PER_MINUTE;
        let (browser, settings) =
            browser::function(&Reader { env }, rate, BrowserSettings::initiate())?;
        Ok(Self { browser, settings })
    }
}
