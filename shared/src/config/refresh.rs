//! refresh-token's configuration.

use super::reader::Reader;
use super::{ConfigError, RefreshConfig, browser, vars};
use crate::api::BrowserSettings;
use crate::env::EnvSource;

impl RefreshConfig {
    /// Loads and checks every variable refresh-token reads.
    pub fn from_env(env: &(impl EnvSource + ?Sized)) -> Result<Self, ConfigError> {
        let rate = &vars::REFRESH_RATE_LIMIT_PER_MINUTE;
        let (browser, settings) =
            browser::function(&Reader { env }, rate, BrowserSettings::refresh())?;
        Ok(Self { browser, settings })
    }
}
