//! What initiate and refresh-token share: the identity provider (the `identity` module), CORS, the strategy (with its
//! Genesys connection and routing), the ticket rules and the risk rules. Genesys settings are
//! also what validate-session's write-back reads.

use std::time::Duration;

use url::Url;

use super::error::ConfigError;
use super::identity;
use super::reader::{Reader, invalid};
use super::vars::{self, Variable};
use crate::api::risk::{FailPolicy, RiskPolicy};
use crate::api::strategy::StrategyKind;
use crate::api::{BrowserSettings, RateLimit, TicketSettings};
use crate::env::EnvSource;
use crate::http::Cors;
use crate::payload::{GenesysId, RoutingTarget, SkillRequirement};
use crate::session::VerifierConfig;

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

/// A browser-facing function's configuration: the shared part and its rules, its rate limit
/// read from `rate`.
pub(super) fn function<E: EnvSource + ?Sized>(
    r: &Reader<'_, E>,
    rate: &Variable,
    defaults: BrowserSettings,
) -> Result<(BrowserConfig, BrowserSettings), ConfigError> {
    let browser = browser(r)?;
    let settings = BrowserSettings {
        ticket: browser.ticket,
        rate: RateLimit {
            per_window: r.count(rate)?,
            ..defaults.rate
        },
        risk: browser.risk.policy,
        genesys_deadline: browser.strategy.deadline(),
    };
    Ok((browser, settings))
}

fn browser<E: EnvSource + ?Sized>(r: &Reader<'_, E>) -> Result<BrowserConfig, ConfigError> {
    Ok(BrowserConfig {
        table: r.required(&vars::SESSION_TABLE)?,
        session_key_secret_id: r.required(&vars::SESSION_KEY_SECRET_ID)?,
        cors: cors(r)?,
        jwt: identity::verifier_config(r.env)?,
        strategy: strategy(r)?,
        ticket: ticket(r)?,
        risk: risk(r)?,
        secrets_ttl: r.secs(&vars::SECRETS_CACHE_TTL_SECS)?,
    })
}

fn cors<E: EnvSource + ?Sized>(r: &Reader<'_, E>) -> Result<Cors, ConfigError> {
    let var = &vars::ALLOWED_ORIGINS;
    let value = r.required(var)?;
    let mut origins = Vec::new();
    for origin in value.split(',').map(str::trim).filter(|o| !o.is_empty()) {
        let url = Url::parse(origin).map_err(|_| invalid(var, &value))?;
        let serialized = url.origin().ascii_serialization();
        // An origin is scheme://host[:port] exactly: no path, no wildcard.
        if origin.contains('*')
            || serialized != origin.trim_end_matches('/')
            || !matches!(url.scheme(), "https" | "http")
        {
            return Err(invalid(var, &value));
        }
        origins.push(serialized);
    }
    if origins.is_empty() {
        return Err(invalid(var, &value));
    }
    Ok(Cors::new(origins))
}

/// The Genesys connection (initiation-api, and validate-session's write-back).
pub(super) fn genesys<E: EnvSource + ?Sized>(
    r: &Reader<'_, E>,
) -> Result<GenesysConfig, ConfigError> {
    let api_base_url = r.optional_url(&vars::GENESYS_API_BASE_URL)?;
    let login_base_url = r.optional_url(&vars::GENESYS_LOGIN_BASE_URL)?;
    let region = r.optional(&vars::GENESYS_REGION);
    if region.is_none() && (api_base_url.is_none() || login_base_url.is_none()) {
        return Err(ConfigError::Missing {
            variable: vars::GENESYS_REGION.name,
            accepted: vars::GENESYS_REGION.accepts(),
        });
    }
    Ok(GenesysConfig {
        region,
        api_base_url,
        login_base_url,
        credentials_secret_id: r.required(&vars::GENESYS_CREDENTIALS_SECRET_ID)?,
        warm_up: r.flag(&vars::GENESYS_WARM_UP)?,
    })
}

fn target<E: EnvSource + ?Sized>(r: &Reader<'_, E>) -> Result<RoutingTarget, ConfigError> {
    let id = |var: &'static vars::Variable| -> Result<GenesysId, ConfigError> {
        let v = r.required(var)?;
        GenesysId::parse(&v, var.name).map_err(|_| invalid(var, &v))
    };
    let widget_id = id(&vars::GENESYS_WIDGET_ID)?;
    let queue_id = id(&vars::GENESYS_QUEUE_ID)?;
    let mut skills = Vec::new();
    if let Some(value) = r.optional(&vars::GENESYS_SKILLS) {
        for item in value.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let bad = || invalid(&vars::GENESYS_SKILLS, &value);
            let (skill, level) = item.rsplit_once(':').ok_or_else(bad)?;
            let skill = GenesysId::parse(skill.trim(), "skillId").map_err(|_| bad())?;
            let level = level.trim().parse::<i64>().map_err(|_| bad())?;
            skills.push(SkillRequirement::new(skill, level).map_err(|_| bad())?);
        }
    }
    Ok(RoutingTarget {
        widget_id,
        queue_id,
        skills,
    })
}

fn strategy<E: EnvSource + ?Sized>(r: &Reader<'_, E>) -> Result<StrategyConfig, ConfigError> {
    let var = &vars::INITIATION_STRATEGY;
    let name = r.choice(var)?;
    match StrategyKind::parse(name) {
        Some(StrategyKind::Messenger) => Ok(StrategyConfig::Messenger),
        Some(StrategyKind::InitiationApi) => Ok(StrategyConfig::InitiationApi {
            genesys: genesys(r)?,
            target: target(r)?,
            deadline: r.millis(&vars::GENESYS_DEADLINE_MS)?,
        }),
        None => Err(invalid(var, name)),
    }
}

fn ticket<E: EnvSource + ?Sized>(r: &Reader<'_, E>) -> Result<TicketSettings, ConfigError> {
    Ok(TicketSettings {
        ttl_secs: r.integer(&vars::TICKET_TTL_SECS)?,
        max_age_secs: r.integer(&vars::SESSION_MAX_AGE_SECS)?,
        max_refreshes: r.count(&vars::MAX_REFRESHES)?,
        ..TicketSettings::default()
    })
}

/// The risk thresholds (also validate-session's), and for the browser functions the scorer.
fn risk_policy<E: EnvSource + ?Sized>(r: &Reader<'_, E>) -> Result<RiskPolicy, ConfigError> {
    let var = &vars::RISK_FAIL_POLICY;
    let on_failure = match r.optional(var) {
        None => FailPolicy::default(),
        Some(v) if v == "closed" => FailPolicy::Closed,
        Some(v) => match v.strip_prefix("open:").map(str::parse::<i64>) {
            Some(Ok(score)) if (0..=100).contains(&score) => FailPolicy::Open {
                assumed_score: score,
            },
            _ => return Err(invalid(var, &v)),
        },
    };
    Ok(RiskPolicy {
        refuse_at: r.integer(&vars::RISK_REFUSE_AT)?,
        on_failure,
    })
}

fn risk<E: EnvSource + ?Sized>(r: &Reader<'_, E>) -> Result<RiskConfig, ConfigError> {
    Ok(RiskConfig {
        policy: risk_policy(r)?,
        scorer_url: r.optional_url(&vars::RISK_SCORER_URL)?,
        deadline: r.millis(&vars::RISK_DEADLINE_MS)?,
    })
}
