//! initiate's configuration.

use super::browser::{self, BrowserConfig};
use super::error::ConfigError;
use std::time::Duration;

use url::Url;

use super::reader::Reader;
use super::vars;
use crate::api::BrowserSettings;
use crate::api::ownership::OwnershipFailPolicy;
use crate::env::EnvSource;

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
