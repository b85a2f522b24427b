//! initiate's configuration.

use super::reader::Reader;
use super::{ConfigError, InitiateConfig, OwnershipConfig, browser, vars};
use crate::api::BrowserSettings;
use crate::api::ownership::OwnershipFailPolicy;
use crate::env::EnvSource;

impl InitiateConfig {
    /// Loads and checks every variable initiate reads.
    pub fn from_env(env: &(impl EnvSource + ?Sized)) -> Result<Self, ConfigError> {
        let rate = &vars::RATE_LIMIT_PER_MINUTE;
        let reader = Reader { env };
        let (browser, settings) = browser::function(&reader, rate, BrowserSettings::initiate())?;
        Ok(Self {
            browser,
            settings,
            ownership: ownership(&reader)?,
        })
    }
}

/// The ownership check, when `OWNERSHIP_CHECK_URL` is set.
fn ownership<E: EnvSource + ?Sized>(
    r: &Reader<'_, E>,
) -> Result<Option<OwnershipConfig>, ConfigError> {
    // Every row is checked, so a bad deadline or policy stops the cold start even before a
    // URL is set.
    let deadline = r.millis(&vars::OWNERSHIP_CHECK_DEADLINE_MS)?;
    let policy = r.choice(&vars::OWNERSHIP_CHECK_FAIL_POLICY)?;
    let Some(url) = r.optional_url(&vars::OWNERSHIP_CHECK_URL)? else {
        return Ok(None);
    };
    Ok(Some(OwnershipConfig {
        url,
        deadline,
        on_failure: OwnershipFailPolicy::parse(policy).unwrap_or_default(),
    }))
}
