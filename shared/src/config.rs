//! Typed configuration, loaded once per cold start from environment variables. A bad or
//! missing value stops the cold start with a message naming the variable and what it accepts;
//! nothing quietly falls back to a default when a value is present but wrong.
//!
//! Tests pass a map instead of the process environment ([`EnvSource`]).

use std::collections::BTreeMap;
use std::time::Duration;

use jsonwebtoken::Algorithm;
use url::Url;

use crate::api::risk::{FailPolicy, RiskPolicy};
use crate::api::strategy::StrategyKind;
use crate::api::{InitiateSettings, RefreshSettings, TicketSettings, ValidateSettings};
use crate::http::Cors;
use crate::payload::{GenesysId, RoutingTarget, SkillRequirement};

/// Where variables come from.
pub trait EnvSource {
    /// The value of `name`, if set.
    fn var(&self, name: &str) -> Option<String>;
}

/// The process environment.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessEnv;

impl EnvSource for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

impl EnvSource for BTreeMap<String, String> {
    fn var(&self, name: &str) -> Option<String> {
        self.get(name).cloned()
    }
}

impl EnvSource for BTreeMap<&str, &str> {
    fn var(&self, name: &str) -> Option<String> {
        self.get(name).map(|v| (*v).to_owned())
    }
}

/// A variable that is missing or not accepted. Secrets are never configuration values (only
/// secret ids are), so quoting the value is safe.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// Required and absent (or empty).
    #[error("`{variable}` is required: {accepted}")]
    Missing {
        /// The variable.
        variable: &'static str,
        /// What it accepts.
        accepted: &'static str,
    },
    /// Present but not accepted.
    #[error("`{variable}` = `{value}` is not accepted: {accepted}")]
    Invalid {
        /// The variable.
        variable: &'static str,
        /// Its value.
        value: String,
        /// What it accepts.
        accepted: &'static str,
    },
}

/// Every variable, with what it accepts (also the README's reference table).
pub const VARIABLES: &[(&str, &str)] = &[
    ("SESSION_TABLE", "the DynamoDB table name"),
    (
        "SESSION_KEY_SECRET_ID",
        "Secrets Manager id of a secret with field `hmac_key` (base64, at least 32 bytes)",
    ),
    (
        "ALLOWED_ORIGINS",
        "comma-separated exact origins such as `https://shop.example.com` (no `*`)",
    ),
    ("JWKS_URL", "the identity provider's JWKS URL (https)"),
    ("JWT_ISSUER", "the exact `iss` of session tokens"),
    ("JWT_AUDIENCE", "the `aud` session tokens must carry"),
    (
        "JWT_ALGORITHMS",
        "comma-separated subset of RS256, RS384, RS512, ES256, ES384, PS256, PS384, PS512 (default RS256,ES256)",
    ),
    (
        "JWT_LEEWAY_SECS",
        "clock-skew allowance in seconds, 0..=300 (default 30)",
    ),
    (
        "INITIATION_STRATEGY",
        "`messenger` (default) or `initiation-api`",
    ),
    (
        "TICKET_TTL_SECS",
        "ticket lifetime in seconds, 10..=300 (default 60)",
    ),
    (
        "SESSION_MAX_AGE_SECS",
        "how long a chain of refreshed tickets may live from its first ticket, 60..=86400 (default 930: a first message 15 minutes after Messenger opened)",
    ),
    ("MAX_REFRESHES", "refreshes per chain, 0..=100 (default 20)"),
    (
        "RATE_LIMIT_PER_MINUTE",
        "initiations per subject per minute, 1..=10000 (default 5)",
    ),
    (
        "REFRESH_RATE_LIMIT_PER_MINUTE",
        "refreshes per subject per minute, across its chains, 1..=10000 (default 10)",
    ),
    (
        "RISK_REFUSE_AT",
        "refuse scores at or above this, 1..=101 (default 80; 101 never refuses)",
    ),
    (
        "RISK_SCORER_URL",
        "optional https URL of an HTTP risk scorer (default: built-in rules)",
    ),
    (
        "RISK_DEADLINE_MS",
        "HTTP risk scorer deadline, 10..=5000 (default 300)",
    ),
    (
        "RISK_FAIL_POLICY",
        "`closed` (default: 503 when the scorer fails) or `open:<score>`",
    ),
    (
        "GENESYS_REGION",
        "a Genesys Cloud region domain such as `mypurecloud.com` or `euw2.pure.cloud`",
    ),
    (
        "GENESYS_API_BASE_URL",
        "optional override of the API base URL (a gateway or the sandbox)",
    ),
    (
        "GENESYS_LOGIN_BASE_URL",
        "optional override of the login base URL",
    ),
    (
        "GENESYS_CREDENTIALS_SECRET_ID",
        "Secrets Manager id of a secret with fields `client_id` and `client_secret`",
    ),
    (
        "GENESYS_WIDGET_ID",
        "the Messenger deployment (widget) id, a UUID",
    ),
    ("GENESYS_QUEUE_ID", "the routing queue id, a UUID"),
    (
        "GENESYS_SKILLS",
        "optional comma-separated `skill-uuid:level` (level 0..=5)",
    ),
    (
        "GENESYS_DEADLINE_MS",
        "budget for Genesys calls in initiate/refresh, 100..=25000 (default 5000)",
    ),
    (
        "GENESYS_WARM_UP",
        "`true` or `false` (default): fetch the Genesys token (opening its connection) during init; a failure there is logged and the first call fetches it",
    ),
    (
        "DATA_ACTION_SECRET_ID",
        "Secrets Manager id of a secret with fields `username` and `password`",
    ),
    (
        "VALIDATION_DEADLINE_MS",
        "validate-session answer budget, 100..=55000 (default 2500; keep below the data action timeout)",
    ),
    (
        "PARTICIPANT_WRITE_BACK",
        "`true` or `false` (default): write the attributes onto the participant",
    ),
    (
        "SECRETS_CACHE_TTL_SECS",
        "how long secrets are cached per container, 0..=86400 (default 300)",
    ),
    (
        "LOG_LEVEL",
        "`error`, `warn`, `info` (default), `debug` or `trace`",
    ),
];

fn accepted(variable: &'static str) -> &'static str {
    VARIABLES
        .iter()
        .find(|(v, _)| *v == variable)
        .map_or("see the README", |(_, a)| a)
}

fn invalid(variable: &'static str, value: &str) -> ConfigError {
    ConfigError::Invalid {
        variable,
        value: value.to_owned(),
        accepted: accepted(variable),
    }
}

struct Reader<'a, E: EnvSource + ?Sized> {
    env: &'a E,
}

impl<E: EnvSource + ?Sized> Reader<'_, E> {
    fn optional(&self, variable: &'static str) -> Option<String> {
        self.env
            .var(variable)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    fn required(&self, variable: &'static str) -> Result<String, ConfigError> {
        self.optional(variable).ok_or(ConfigError::Missing {
            variable,
            accepted: accepted(variable),
        })
    }

    fn number(
        &self,
        variable: &'static str,
        default: i64,
        range: std::ops::RangeInclusive<i64>,
    ) -> Result<i64, ConfigError> {
        match self.optional(variable) {
            None => Ok(default),
            Some(v) => match v.parse::<i64>() {
                Ok(n) if range.contains(&n) => Ok(n),
                _ => Err(invalid(variable, &v)),
            },
        }
    }

    fn flag(&self, variable: &'static str) -> Result<bool, ConfigError> {
        match self.optional(variable).as_deref() {
            None | Some("false") => Ok(false),
            Some("true") => Ok(true),
            Some(v) => Err(invalid(variable, v)),
        }
    }

    fn url(&self, variable: &'static str, value: &str) -> Result<Url, ConfigError> {
        let url = Url::parse(value).map_err(|_| invalid(variable, value))?;
        let loopback = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
        if url.scheme() == "https" || (url.scheme() == "http" && loopback) {
            Ok(url)
        } else {
            Err(invalid(variable, value))
        }
    }

    fn secs(
        &self,
        variable: &'static str,
        default: i64,
        range: std::ops::RangeInclusive<i64>,
    ) -> Result<i64, ConfigError> {
        self.number(variable, default, range)
    }

    fn millis(
        &self,
        variable: &'static str,
        default: i64,
        range: std::ops::RangeInclusive<i64>,
    ) -> Result<Duration, ConfigError> {
        let ms = self.number(variable, default, range)?;
        Ok(Duration::from_millis(u64::try_from(ms).unwrap_or_default()))
    }
}

/// Identity-provider settings for verifying session tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwtConfig {
    /// JWKS URL.
    pub jwks_url: Url,
    /// Expected issuer.
    pub issuer: String,
    /// Expected audience.
    pub audience: String,
    /// Allowed algorithms.
    pub algorithms: Vec<Algorithm>,
    /// Leeway in seconds.
    pub leeway_secs: u64,
}

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
    /// `messenger`.
    Messenger,
    /// `initiation-api` with its Genesys connection and routing.
    InitiationApi {
        /// Connection.
        genesys: GenesysConfig,
        /// Routing.
        target: RoutingTarget,
        /// Call budget.
        deadline: Duration,
    },
}

impl StrategyConfig {
    /// The kind.
    pub fn kind(&self) -> StrategyKind {
        match self {
            Self::Messenger => StrategyKind::Messenger,
            Self::InitiationApi { .. } => StrategyKind::InitiationApi,
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
    /// DynamoDB table.
    pub table: String,
    /// Secret id of the session-hash key.
    pub session_key_secret_id: String,
    /// CORS allow-list.
    pub cors: Cors,
    /// Session token verification.
    pub jwt: JwtConfig,
    /// Strategy.
    pub strategy: StrategyConfig,
    /// Ticket lifetimes.
    pub ticket: TicketSettings,
    /// Secrets cache TTL.
    pub secrets_ttl: Duration,
}

/// The initiate function's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitiateConfig {
    /// Shared browser-facing settings.
    pub browser: BrowserConfig,
    /// Risk scoring.
    pub risk: RiskConfig,
    /// Business rules.
    pub settings: InitiateSettings,
}

/// The refresh-token function's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshConfig {
    /// Shared browser-facing settings.
    pub browser: BrowserConfig,
    /// Risk scoring (asked again on every refresh).
    pub risk: RiskConfig,
    /// Rules.
    pub settings: RefreshSettings,
}

/// The validate-session function's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidateConfig {
    /// DynamoDB table.
    pub table: String,
    /// Secret id of the data-action Basic credential.
    pub data_action_secret_id: String,
    /// Genesys connection for the write-back, when enabled.
    pub genesys: Option<GenesysConfig>,
    /// Rules.
    pub settings: ValidateSettings,
    /// Secrets cache TTL.
    pub secrets_ttl: Duration,
}

/// Variables each function reads (the SAM template sets exactly these).
pub mod variables {
    /// initiate.
    pub const INITIATE: &[&str] = &[
        "SESSION_TABLE",
        "SESSION_KEY_SECRET_ID",
        "ALLOWED_ORIGINS",
        "JWKS_URL",
        "JWT_ISSUER",
        "JWT_AUDIENCE",
        "JWT_ALGORITHMS",
        "JWT_LEEWAY_SECS",
        "INITIATION_STRATEGY",
        "TICKET_TTL_SECS",
        "SESSION_MAX_AGE_SECS",
        "MAX_REFRESHES",
        "RATE_LIMIT_PER_MINUTE",
        "RISK_REFUSE_AT",
        "RISK_SCORER_URL",
        "RISK_DEADLINE_MS",
        "RISK_FAIL_POLICY",
        "GENESYS_REGION",
        "GENESYS_API_BASE_URL",
        "GENESYS_LOGIN_BASE_URL",
        "GENESYS_CREDENTIALS_SECRET_ID",
        "GENESYS_WARM_UP",
        "GENESYS_WIDGET_ID",
        "GENESYS_QUEUE_ID",
        "GENESYS_SKILLS",
        "GENESYS_DEADLINE_MS",
        "SECRETS_CACHE_TTL_SECS",
        "LOG_LEVEL",
    ];
    /// refresh-token.
    pub const REFRESH: &[&str] = &[
        "SESSION_TABLE",
        "SESSION_KEY_SECRET_ID",
        "ALLOWED_ORIGINS",
        "JWKS_URL",
        "JWT_ISSUER",
        "JWT_AUDIENCE",
        "JWT_ALGORITHMS",
        "JWT_LEEWAY_SECS",
        "INITIATION_STRATEGY",
        "TICKET_TTL_SECS",
        "SESSION_MAX_AGE_SECS",
        "MAX_REFRESHES",
        "REFRESH_RATE_LIMIT_PER_MINUTE",
        "RISK_REFUSE_AT",
        "RISK_SCORER_URL",
        "RISK_DEADLINE_MS",
        "RISK_FAIL_POLICY",
        "GENESYS_REGION",
        "GENESYS_API_BASE_URL",
        "GENESYS_LOGIN_BASE_URL",
        "GENESYS_CREDENTIALS_SECRET_ID",
        "GENESYS_WARM_UP",
        "GENESYS_WIDGET_ID",
        "GENESYS_QUEUE_ID",
        "GENESYS_SKILLS",
        "GENESYS_DEADLINE_MS",
        "SECRETS_CACHE_TTL_SECS",
        "LOG_LEVEL",
    ];
    /// validate-session.
    pub const VALIDATE: &[&str] = &[
        "SESSION_TABLE",
        "DATA_ACTION_SECRET_ID",
        "VALIDATION_DEADLINE_MS",
        "PARTICIPANT_WRITE_BACK",
        "RISK_REFUSE_AT",
        "GENESYS_REGION",
        "GENESYS_API_BASE_URL",
        "GENESYS_LOGIN_BASE_URL",
        "GENESYS_CREDENTIALS_SECRET_ID",
        "GENESYS_WARM_UP",
        "SECRETS_CACHE_TTL_SECS",
        "LOG_LEVEL",
    ];
}

fn parse_algorithms<E: EnvSource + ?Sized>(
    r: &Reader<'_, E>,
) -> Result<Vec<Algorithm>, ConfigError> {
    const VAR: &str = "JWT_ALGORITHMS";
    let Some(value) = r.optional(VAR) else {
        return Ok(vec![Algorithm::RS256, Algorithm::ES256]);
    };
    let mut out = Vec::new();
    for name in value.split(',').map(str::trim) {
        let alg = match name {
            "RS256" => Algorithm::RS256,
            "RS384" => Algorithm::RS384,
            "RS512" => Algorithm::RS512,
            "ES256" => Algorithm::ES256,
            "ES384" => Algorithm::ES384,
            "PS256" => Algorithm::PS256,
            "PS384" => Algorithm::PS384,
            "PS512" => Algorithm::PS512,
            _ => return Err(invalid(VAR, &value)),
        };
        if !out.contains(&alg) {
            out.push(alg);
        }
    }
    Ok(out)
}

fn parse_jwt<E: EnvSource + ?Sized>(r: &Reader<'_, E>) -> Result<JwtConfig, ConfigError> {
    let jwks = r.required("JWKS_URL")?;
    Ok(JwtConfig {
        jwks_url: r.url("JWKS_URL", &jwks)?,
        issuer: r.required("JWT_ISSUER")?,
        audience: r.required("JWT_AUDIENCE")?,
        algorithms: parse_algorithms(r)?,
        leeway_secs: u64::try_from(r.secs("JWT_LEEWAY_SECS", 30, 0..=300)?).unwrap_or(30),
    })
}

fn parse_cors<E: EnvSource + ?Sized>(r: &Reader<'_, E>) -> Result<Cors, ConfigError> {
    const VAR: &str = "ALLOWED_ORIGINS";
    let value = r.required(VAR)?;
    let mut origins = Vec::new();
    for origin in value.split(',').map(str::trim).filter(|o| !o.is_empty()) {
        let url = Url::parse(origin).map_err(|_| invalid(VAR, &value))?;
        let serialized = url.origin().ascii_serialization();
        // An origin is scheme://host[:port] exactly: no path, no wildcard.
        if origin.contains('*')
            || serialized != origin.trim_end_matches('/')
            || !matches!(url.scheme(), "https" | "http")
        {
            return Err(invalid(VAR, &value));
        }
        origins.push(serialized);
    }
    if origins.is_empty() {
        return Err(invalid(VAR, &value));
    }
    Ok(Cors::new(origins))
}

fn parse_genesys<E: EnvSource + ?Sized>(r: &Reader<'_, E>) -> Result<GenesysConfig, ConfigError> {
    let api_base_url = r
        .optional("GENESYS_API_BASE_URL")
        .map(|v| r.url("GENESYS_API_BASE_URL", &v))
        .transpose()?;
    let login_base_url = r
        .optional("GENESYS_LOGIN_BASE_URL")
        .map(|v| r.url("GENESYS_LOGIN_BASE_URL", &v))
        .transpose()?;
    let region = r.optional("GENESYS_REGION");
    if region.is_none() && (api_base_url.is_none() || login_base_url.is_none()) {
        return Err(ConfigError::Missing {
            variable: "GENESYS_REGION",
            accepted: accepted("GENESYS_REGION"),
        });
    }
    Ok(GenesysConfig {
        region,
        api_base_url,
        login_base_url,
        credentials_secret_id: r.required("GENESYS_CREDENTIALS_SECRET_ID")?,
        warm_up: r.flag("GENESYS_WARM_UP")?,
    })
}

fn parse_target<E: EnvSource + ?Sized>(r: &Reader<'_, E>) -> Result<RoutingTarget, ConfigError> {
    let id = |var: &'static str| -> Result<GenesysId, ConfigError> {
        let v = r.required(var)?;
        GenesysId::parse(&v, var).map_err(|_| invalid(var, &v))
    };
    let widget_id = id("GENESYS_WIDGET_ID")?;
    let queue_id = id("GENESYS_QUEUE_ID")?;
    let mut skills = Vec::new();
    if let Some(value) = r.optional("GENESYS_SKILLS") {
        for item in value.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let bad = || invalid("GENESYS_SKILLS", &value);
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

fn parse_strategy<E: EnvSource + ?Sized>(r: &Reader<'_, E>) -> Result<StrategyConfig, ConfigError> {
    const VAR: &str = "INITIATION_STRATEGY";
    match r.optional(VAR).as_deref().map(StrategyKind::parse) {
        None | Some(Some(StrategyKind::Messenger)) => Ok(StrategyConfig::Messenger),
        Some(Some(StrategyKind::InitiationApi)) => Ok(StrategyConfig::InitiationApi {
            genesys: parse_genesys(r)?,
            target: parse_target(r)?,
            deadline: r.millis("GENESYS_DEADLINE_MS", 5000, 100..=25_000)?,
        }),
        Some(None) => Err(invalid(VAR, &r.optional(VAR).unwrap_or_default())),
    }
}

fn parse_ticket<E: EnvSource + ?Sized>(r: &Reader<'_, E>) -> Result<TicketSettings, ConfigError> {
    let defaults = TicketSettings::default();
    Ok(TicketSettings {
        ttl_secs: r.secs("TICKET_TTL_SECS", defaults.ttl_secs, 10..=300)?,
        max_age_secs: r.secs("SESSION_MAX_AGE_SECS", defaults.max_age_secs, 60..=86_400)?,
        max_refreshes: u32::try_from(r.number(
            "MAX_REFRESHES",
            i64::from(defaults.max_refreshes),
            0..=100,
        )?)
        .unwrap_or(defaults.max_refreshes),
        retention_secs: defaults.retention_secs,
    })
}

fn secrets_ttl<E: EnvSource + ?Sized>(r: &Reader<'_, E>) -> Result<Duration, ConfigError> {
    Ok(Duration::from_secs(
        u64::try_from(r.secs("SECRETS_CACHE_TTL_SECS", 300, 0..=86_400)?).unwrap_or(300),
    ))
}

fn parse_browser<E: EnvSource + ?Sized>(r: &Reader<'_, E>) -> Result<BrowserConfig, ConfigError> {
    Ok(BrowserConfig {
        table: r.required("SESSION_TABLE")?,
        session_key_secret_id: r.required("SESSION_KEY_SECRET_ID")?,
        cors: parse_cors(r)?,
        jwt: parse_jwt(r)?,
        strategy: parse_strategy(r)?,
        ticket: parse_ticket(r)?,
        secrets_ttl: secrets_ttl(r)?,
    })
}

fn parse_risk<E: EnvSource + ?Sized>(r: &Reader<'_, E>) -> Result<RiskConfig, ConfigError> {
    const POLICY: &str = "RISK_FAIL_POLICY";
    let on_failure = match r.optional(POLICY) {
        None => FailPolicy::Closed,
        Some(v) if v == "closed" => FailPolicy::Closed,
        Some(v) => match v.strip_prefix("open:").map(str::parse::<i64>) {
            Some(Ok(score)) if (0..=100).contains(&score) => FailPolicy::Open {
                assumed_score: score,
            },
            _ => return Err(invalid(POLICY, &v)),
        },
    };
    Ok(RiskConfig {
        policy: RiskPolicy {
            refuse_at: r.number("RISK_REFUSE_AT", 80, 1..=101)?,
            on_failure,
        },
        scorer_url: r
            .optional("RISK_SCORER_URL")
            .map(|v| r.url("RISK_SCORER_URL", &v))
            .transpose()?,
        deadline: r.millis("RISK_DEADLINE_MS", 300, 10..=5000)?,
    })
}

impl InitiateConfig {
    /// Loads and checks every variable initiate reads.
    pub fn from_env(env: &(impl EnvSource + ?Sized)) -> Result<Self, ConfigError> {
        let r = Reader { env };
        let browser = parse_browser(&r)?;
        let risk = parse_risk(&r)?;
        let deadline = match &browser.strategy {
            StrategyConfig::InitiationApi { deadline, .. } => *deadline,
            StrategyConfig::Messenger => InitiateSettings::default().genesys_deadline,
        };
        let settings = InitiateSettings {
            ticket: browser.ticket,
            rate_limit: u32::try_from(r.number("RATE_LIMIT_PER_MINUTE", 5, 1..=10_000)?)
                .unwrap_or(5),
            rate_window_secs: 60,
            risk: risk.policy,
            genesys_deadline: deadline,
            ..InitiateSettings::default()
        };
        Ok(Self {
            browser,
            risk,
            settings,
        })
    }
}

impl RefreshConfig {
    /// Loads and checks every variable refresh-token reads.
    pub fn from_env(env: &(impl EnvSource + ?Sized)) -> Result<Self, ConfigError> {
        let r = Reader { env };
        let browser = parse_browser(&r)?;
        let risk = parse_risk(&r)?;
        let defaults = RefreshSettings::default();
        let deadline = match &browser.strategy {
            StrategyConfig::InitiationApi { deadline, .. } => *deadline,
            StrategyConfig::Messenger => defaults.genesys_deadline,
        };
        let settings = RefreshSettings {
            ticket: browser.ticket,
            rate_limit: u32::try_from(r.number(
                "REFRESH_RATE_LIMIT_PER_MINUTE",
                i64::from(defaults.rate_limit),
                1..=10_000,
            )?)
            .unwrap_or(defaults.rate_limit),
            risk: risk.policy,
            genesys_deadline: deadline,
            ..defaults
        };
        Ok(Self {
            browser,
            risk,
            settings,
        })
    }
}

impl ValidateConfig {
    /// Loads and checks every variable validate-session reads.
    pub fn from_env(env: &(impl EnvSource + ?Sized)) -> Result<Self, ConfigError> {
        let r = Reader { env };
        let write_back = r.flag("PARTICIPANT_WRITE_BACK")?;
        let settings = ValidateSettings {
            deadline: r.millis("VALIDATION_DEADLINE_MS", 2500, 100..=55_000)?,
            write_back,
            risk_refuse_at: r.number("RISK_REFUSE_AT", 80, 1..=101)?,
            ..ValidateSettings::default()
        };
        Ok(Self {
            table: r.required("SESSION_TABLE")?,
            data_action_secret_id: r.required("DATA_ACTION_SECRET_ID")?,
            genesys: if write_back {
                Some(parse_genesys(&r)?)
            } else {
                None
            },
            settings,
            secrets_ttl: secrets_ttl(&r)?,
        })
    }
}

/// The log level from `LOG_LEVEL`.
pub fn log_level(env: &(impl EnvSource + ?Sized)) -> Result<tracing::Level, ConfigError> {
    let r = Reader { env };
    match r.optional("LOG_LEVEL").as_deref() {
        None | Some("info") => Ok(tracing::Level::INFO),
        Some("error") => Ok(tracing::Level::ERROR),
        Some("warn") => Ok(tracing::Level::WARN),
        Some("debug") => Ok(tracing::Level::DEBUG),
        Some("trace") => Ok(tracing::Level::TRACE),
        Some(v) => Err(invalid("LOG_LEVEL", v)),
    }
}
