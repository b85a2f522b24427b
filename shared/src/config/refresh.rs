//! refresh-token's configuration.

use super::browser::{self, BrowserConfig};
use super::error::ConfigError;
use super::reader::Reader;
use super::vars;
use crate::api::BrowserSettings;
use crate::env::EnvSource;

/// The refresh-token function's configuration: the same kinds of settings as initiate's, with
/// its own rate limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshConfig {
    /// Shared browser-facing settings.
    pub browser: BrowserConfig,
    /// Rate limit, risk, tickets and the Genesys budget, as the handler applies them.
    pub settings: BrowserSettings,
}

impl RefreshConfig {
    /// Loads and checks every variable refresh-token reads.
    pub fn from_env(env: &(impl EnvSource + ?Sized)) -> Result<Self, ConfigError> {
        let rate = &vars::REFRESH_RATE_LIMIT_PER_MINUTE;
        let (browser, settings) =
            browser::function(&Reader { env }, rate, BrowserSettings::refresh())?;
        Ok(Self { browser, settings })
    }
}
