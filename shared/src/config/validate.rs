//! validate-session's configuration.

use super::browser::{self, GenesysConfig};
use super::error::ConfigError;
use std::time::Duration;

use super::reader::Reader;
use super::vars;
use crate::api::ValidateSettings;
use crate::env::EnvSource;

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

impl ValidateConfig {
    /// Loads and checks every variable validate-session reads.
    pub fn from_env(env: &(impl EnvSource + ?Sized)) -> Result<Self, ConfigError> {
        let r = Reader { env };
        let write_back = r.flag(&vars::PARTICIPANT_WRITE_BACK)?;
        let settings = ValidateSettings {
            deadline: r.millis(&vars::VALIDATION_DEADLINE_MS)?,
            write_back,
            risk_refuse_at: r.integer(&vars::RISK_REFUSE_AT)?,
            ..ValidateSettings::default()
        };
        Ok(Self {
            table: r.required(&vars::SESSION_TABLE)?,
            data_action_secret_id: r.required(&vars::DATA_ACTION_SECRET_ID)?,
            genesys: if write_back {
                Some(browser::genesys(&r)?)
            } else {
                None
            },
            settings,
            secrets_ttl: r.secs(&vars::SECRETS_CACHE_TTL_SECS)?,
        })
    }
}
