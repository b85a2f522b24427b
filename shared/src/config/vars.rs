//! Every environment variable, one declarative row each: its name, the functions that read it,
//! what it accepts, its default and its range. Parsing (the `reader` module), the book's
//! configuration table and the template tests all read these rows; defaults come from the
//! constants of the modules that use them, so each is written once.

pub use crate::api::Function;
use crate::api::ownership;
use crate::api::{
    DEFAULT_INITIATE_RATE_LIMIT, DEFAULT_REFRESH_RATE_LIMIT, risk, strategy, validate,
};
use crate::ports::DEFAULT_SECRETS_CACHE_TTL_SECS;
use crate::session::{
    DEFAULT_ALGORITHMS, DEFAULT_LEEWAY_SECS, DEFAULT_MAX_TOKEN_BYTES, MAX_LEEWAY_SECS,
    MAX_MAX_TOKEN_BYTES, MIN_MAX_TOKEN_BYTES,
};
use crate::tickets;

/// What a variable's value may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Text that must be set (and not blank).
    Required,
    /// Text that may be absent; absent has the meaning the row describes.
    Optional,
    /// An integer within `min..=max`; absent means `default`.
    Integer {
        /// Smallest accepted.
        min: i64,
        /// Largest accepted.
        max: i64,
        /// When absent.
        default: i64,
        /// Said after the default in the docs (empty for nothing).
        note: &'static str,
    },
    /// `true` or `false`; absent means `default`.
    Flag {
        /// When absent.
        default: bool,
    },
    /// One of `values`; absent means `default`.
    Choice {
        /// Accepted values.
        values: &'static [&'static str],
        /// When absent.
        default: &'static str,
    },
    /// A comma-separated subset of the JWT algorithms allowed at all; absent means
    /// [`DEFAULT_ALGORITHMS`].
    Algorithms,
}

/// One environment variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Variable {
    /// The variable, as the SAM template and the book spell it.
    pub name: &'static str,
    /// The functions whose configuration reads it (the SAM template sets it on exactly these).
    pub read_by: &'static [Function],
    /// What the value is, in a few words.
    pub what: &'static str,
    /// What it accepts.
    pub kind: Kind,
}

/// JWT algorithms a deployment may allow: never `none` or HS*.
pub const ALLOWED_ALGORITHMS: [&str; 8] = [
    "RS256", "RS384", "RS512", "ES256", "ES384", "PS256", "PS384", "PS512",
];

impl Variable {
    /// What it accepts, default and range included: the book's column and the text of a
    /// refusal.
    pub fn accepts(&self) -> String {
        match self.kind {
            Kind::Required | Kind::Optional => self.what.to_owned(),
            Kind::Integer {
                min,
                max,
                default,
                note,
            } => {
                let note = if note.is_empty() {
                    String::new()
                } else {
                    format!("; {note}")
                };
                format!("{}, {min}..={max} (default {default}{note})", self.what)
            }
            Kind::Flag { default } => {
                format!("`true` or `false` (default `{default}`): {}", self.what)
            }
            Kind::Choice { values, default } => {
                let listed: Vec<String> = values
                    .iter()
                    .map(|v| {
                        if *v == default {
                            format!("`{v}` (default)")
                        } else {
                            format!("`{v}`")
                        }
                    })
                    .collect();
                let list = match listed.split_last() {
                    Some((last, [])) => last.clone(),
                    Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
                    None => String::new(),
                };
                if self.what.is_empty() {
                    list
                } else {
                    format!("{list}: {}", self.what)
                }
            }
            Kind::Algorithms => {
                let default: Vec<String> = DEFAULT_ALGORITHMS
                    .iter()
                    .map(|a| format!("{a:?}"))
                    .collect();
                format!(
                    "{} {} (default {})",
                    self.what,
                    ALLOWED_ALGORITHMS.join(", "),
                    default.join(",")
                )
            }
        }
    }

    /// Whether `function` reads it.
    pub fn is_read_by(&self, function: Function) -> bool {
        self.read_by.contains(&function)
    }
}

/// The variables `function` reads, in table order.
pub fn read_by(function: Function) -> impl Iterator<Item = &'static Variable> {
    VARIABLES.iter().filter(move |v| v.is_read_by(function))
}

/// The row of `name`, if it is one.
pub fn variable(name: &str) -> Option<&'static Variable> {
    VARIABLES.iter().find(|v| v.name == name)
}

use Function::{Initiate as I, Refresh as R, Validate as V};

const BROWSER: &[Function] = &[I, R];
const ALL: &[Function] = &[I, R, V];

macro_rules! variables {
    ($($id:ident = $name:literal, $read_by:expr, $what:literal, $kind:expr;)*) => {
        $(
            #[doc = concat!("`", $name, "`: ", $what)]
            pub const $id: Variable = Variable {
                name: $name,
                read_by: $read_by,
                what: $what,
                kind: $kind,
            };
        )*
        /// Every variable, in the book's order.
        pub const VARIABLES: &[Variable] = &[$($id),*];
    };
}

variables! {
    SESSION_TABLE = "SESSION_TABLE", ALL, "the DynamoDB table name", Kind::Required;
    SESSION_KEY_SECRET_ID = "SESSION_KEY_SECRET_ID", BROWSER,
        "Secrets Manager id of a secret with field `hmac_key` (base64, at least 32 bytes)",
        Kind::Required;
    ALLOWED_ORIGINS = "ALLOWED_ORIGINS", BROWSER,
        "comma-separated exact origins such as `https://shop.example.com` (no `*`)",
        Kind::Required;
    JWKS_URL = "JWKS_URL", BROWSER,
        "the identity provider's JWKS URL: https (the local stack also takes http on a loopback host)",
        Kind::Required;
    JWT_ISSUER = "JWT_ISSUER", BROWSER,
        "the `iss` values accepted, comma-separated, each compared exactly; `{tenantid}` in one (Microsoft Entra multi-tenant) stands for a tenant of `JWT_ALLOWED_TENANTS`",
        Kind::Required;
    JWT_AUDIENCE = "JWT_AUDIENCE", BROWSER,
        "the audiences accepted, comma-separated: `aud` (a string or an array) must hold one, or, in a token without `aud`, `client_id` must be one",
        Kind::Required;
    JWT_ALLOWED_TENANTS = "JWT_ALLOWED_TENANTS", BROWSER,
        "comma-separated Microsoft Entra tenant ids (GUIDs) a `{tenantid}` issuer accepts, each only with its own `tid`; required with such an issuer (else any tenant could sign in), refused without one",
        Kind::Optional;
    JWT_ALGORITHMS = "JWT_ALGORITHMS", BROWSER, "comma-separated subset of", Kind::Algorithms;
    JWT_LEEWAY_SECS = "JWT_LEEWAY_SECS", BROWSER, "clock-skew allowance in seconds",
        Kind::Integer { min: 0, max: MAX_LEEWAY_SECS as i64, default: DEFAULT_LEEWAY_SECS as i64, note: "" };
    JWT_REQUIRE_NBF = "JWT_REQUIRE_NBF", BROWSER,
        "refuse tokens without `nbf` (a present `nbf` is always checked)",
        Kind::Flag { default: false };
    JWT_MAX_TOKEN_BYTES = "JWT_MAX_TOKEN_BYTES", BROWSER, "longest session token accepted, in bytes",
        Kind::Integer {
            min: MIN_MAX_TOKEN_BYTES as i64,
            max: MAX_MAX_TOKEN_BYTES as i64,
            default: DEFAULT_MAX_TOKEN_BYTES as i64,
            note: "an HTTP API caps the request line and headers at 10240 bytes",
        };
    JWT_TYP = "JWT_TYP", BROWSER,
        "comma-separated header `typ` values a token must carry, such as `at+jwt` (RFC 9068 access tokens only), compared without case or `application/`; absent means any",
        Kind::Optional;
    JWT_REQUIRED_CLAIMS = "JWT_REQUIRED_CLAIMS", BROWSER,
        "comma-separated `claim=value`: each named top-level claim must be a string equal to one of the values listed for it, such as `token_use=access` (Amazon Cognito access tokens only); absent means none",
        Kind::Optional;
    INITIATION_STRATEGY = "INITIATION_STRATEGY", BROWSER, "",
        Kind::Choice { values: &["messenger", "initiation-api"], default: "messenger" };
    TICKET_TTL_SECS = "TICKET_TTL_SECS", BROWSER, "ticket lifetime in seconds",
        Kind::Integer { min: 10, max: 300, default: tickets::DEFAULT_TTL_SECS, note: "" };
    SESSION_MAX_AGE_SECS = "SESSION_MAX_AGE_SECS", BROWSER,
        "how long a chain of refreshed tickets may live from its first ticket",
        Kind::Integer {
            min: 60,
            max: 86_400,
            default: tickets::DEFAULT_MAX_AGE_SECS,
            note: "a first message 15 minutes after Messenger opened",
        };
    MAX_REFRESHES = "MAX_REFRESHES", BROWSER, "refreshes per chain",
        Kind::Integer { min: 0, max: 100, default: tickets::DEFAULT_MAX_REFRESHES as i64, note: "" };
    RATE_LIMIT_PER_MINUTE = "RATE_LIMIT_PER_MINUTE", &[I], "initiations per subject per minute",
        Kind::Integer { min: 1, max: 10_000, default: DEFAULT_INITIATE_RATE_LIMIT as i64, note: "" };
    REFRESH_RATE_LIMIT_PER_MINUTE = "REFRESH_RATE_LIMIT_PER_MINUTE", &[R],
        "refreshes per subject per minute, across its chains",
        Kind::Integer { min: 1, max: 10_000, default: DEFAULT_REFRESH_RATE_LIMIT as i64, note: "" };
    RISK_REFUSE_AT = "RISK_REFUSE_AT", ALL, "refuse scores at or above this",
        Kind::Integer { min: 1, max: 101, default: risk::DEFAULT_REFUSE_AT, note: "101 never refuses" };
    RISK_SCORER_URL = "RISK_SCORER_URL", BROWSER,
        "optional https URL of an HTTP risk scorer (default: built-in rules)", Kind::Optional;
    RISK_DEADLINE_MS = "RISK_DEADLINE_MS", BROWSER, "HTTP risk scorer deadline",
        Kind::Integer { min: 10, max: 5000, default: risk::DEFAULT_SCORER_DEADLINE_MS, note: "" };
    RISK_FAIL_POLICY = "RISK_FAIL_POLICY", BROWSER,
        "`closed` (default: 503 when the scorer fails) or `open:<score>`", Kind::Optional;
    OWNERSHIP_CHECK_URL = "OWNERSHIP_CHECK_URL", &[I],
        "optional https URL of the site's ownership check; without it, `verify = \"ownership\"` attributes are not set",
        Kind::Optional;
    OWNERSHIP_CHECK_DEADLINE_MS = "OWNERSHIP_CHECK_DEADLINE_MS", &[I], "ownership check deadline",
        Kind::Integer { min: 10, max: 5000, default: ownership::DEFAULT_OWNERSHIP_DEADLINE_MS, note: "" };
    OWNERSHIP_CHECK_FAIL_POLICY = "OWNERSHIP_CHECK_FAIL_POLICY", &[I],
        "what a failed ownership check means",
        Kind::Choice { values: &["closed", "open"], default: "closed" };
    GENESYS_REGION = "GENESYS_REGION", ALL,
        "a Genesys Cloud region domain such as `mypurecloud.com` or `euw2.pure.cloud`",
        Kind::Optional;
    GENESYS_API_BASE_URL = "GENESYS_API_BASE_URL", ALL,
        "optional override of the API base URL (a gateway or the sandbox)", Kind::Optional;
    GENESYS_LOGIN_BASE_URL = "GENESYS_LOGIN_BASE_URL", ALL,
        "optional override of the login base URL", Kind::Optional;
    GENESYS_CREDENTIALS_SECRET_ID = "GENESYS_CREDENTIALS_SECRET_ID", ALL,
        "Secrets Manager id of a secret with fields `client_id` and `client_secret`",
        Kind::Optional;
    GENESYS_WIDGET_ID = "GENESYS_WIDGET_ID", BROWSER,
        "the Messenger deployment (widget) id, a UUID", Kind::Optional;
    GENESYS_QUEUE_ID = "GENESYS_QUEUE_ID", BROWSER, "the routing queue id, a UUID", Kind::Optional;
    GENESYS_SKILLS = "GENESYS_SKILLS", BROWSER,
        "optional comma-separated `skill-uuid:level` (level 0..=5)", Kind::Optional;
    GENESYS_DEADLINE_MS = "GENESYS_DEADLINE_MS", BROWSER,
        "budget for Genesys calls in initiate/refresh",
        Kind::Integer { min: 100, max: 25_000, default: strategy::DEFAULT_GENESYS_DEADLINE_MS, note: "" };
    GENESYS_WARM_UP = "GENESYS_WARM_UP", ALL,
        "fetch the Genesys token (opening its connection) during init; a failure there is logged and the first call fetches it",
        Kind::Flag { default: false };
    DATA_ACTION_SECRET_ID = "DATA_ACTION_SECRET_ID", &[V],
        "Secrets Manager id of a secret with fields `username` and `password`", Kind::Required;
    VALIDATION_DEADLINE_MS = "VALIDATION_DEADLINE_MS", &[V], "validate-session answer budget",
        Kind::Integer {
            min: 100,
            max: 55_000,
            default: validate::DEFAULT_DEADLINE_MS,
            note: "keep below the data action timeout",
        };
    PARTICIPANT_WRITE_BACK = "PARTICIPANT_WRITE_BACK", &[V],
        "write the attributes onto the participant", Kind::Flag { default: false };
    SECRETS_CACHE_TTL_SECS = "SECRETS_CACHE_TTL_SECS", ALL,
        "how long secrets are cached per container, in seconds",
        Kind::Integer { min: 0, max: 86_400, default: DEFAULT_SECRETS_CACHE_TTL_SECS as i64, note: "" };
    LOG_LEVEL = "LOG_LEVEL", ALL, "",
        Kind::Choice { values: &["error", "warn", "info", "debug", "trace"], default: "info" };
    METRICS_NAMESPACE = "METRICS_NAMESPACE", ALL,
        "CloudWatch namespace of the metrics: 1 to 255 of `A-Z a-z 0-9 . _ - / # :`, not `AWS/...`; absent means `SecureInitiation`",
        Kind::Optional;
    METRICS_DIMENSIONS = "METRICS_DIMENSIONS", ALL,
        "comma-separated `Name=value` dimensions added to every metric, at most 5, none named like a catalogue dimension; absent means none (the template sets none: its dashboard and alarms match the catalogue's dimensions exactly)",
        Kind::Optional;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_docs_say_default_and_range_from_the_row() {
        assert_eq!(
            TICKET_TTL_SECS.accepts(),
            "ticket lifetime in seconds, 10..=300 (default 60)"
        );
        assert_eq!(
            RISK_REFUSE_AT.accepts(),
            "refuse scores at or above this, 1..=101 (default 80; 101 never refuses)"
        );
        assert_eq!(
            LOG_LEVEL.accepts(),
            "`error`, `warn`, `info` (default), `debug` or `trace`"
        );
        assert_eq!(
            INITIATION_STRATEGY.accepts(),
            "`messenger` (default) or `initiation-api`"
        );
        assert_eq!(
            PARTICIPANT_WRITE_BACK.accepts(),
            "`true` or `false` (default `false`): write the attributes onto the participant"
        );
        assert!(
            JWT_ALGORITHMS
                .accepts()
                .ends_with("PS512 (default RS256,ES256)")
        );
    }

    #[test]
    fn names_are_unique_and_every_row_is_read_by_someone() {
        for (i, v) in VARIABLES.iter().enumerate() {
            assert!(!v.read_by.is_empty(), "{}", v.name);
            assert!(
                VARIABLES[i + 1..].iter().all(|w| w.name != v.name),
                "{} twice",
                v.name
            );
            assert_eq!(variable(v.name), Some(v));
        }
        assert_eq!(read_by(Function::Validate).count(), 14);
    }
}
