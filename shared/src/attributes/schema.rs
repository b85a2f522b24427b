//! The attribute schema: which participant attributes exist, where each value comes from and
//! which rules it obeys. Loaded once per cold start from TOML; every rule is checked here so
//! that request-time validation can trust the schema.

use std::collections::BTreeMap;

use regex_lite::Regex;

use super::claim::ClaimSource;
use super::value::{AttributeType, AttributeValue, canonical_integer};

/// The schema shipped with the package (`config/attributes.toml`), compiled into every binary.
pub const DEFAULT_SCHEMA_TOML: &str = include_str!("../../../config/attributes.toml");

/// Default Genesys per-session budget for custom data (keys + values, UTF-8 bytes).
pub const DEFAULT_MAX_CUSTOM_DATA_BYTES: usize = 2048;
/// Default cap on the browser's `initialMessage`, in characters.
pub const DEFAULT_INITIAL_MESSAGE_MAX_CHARS: usize = 500;
/// Keys the data-action output uses itself; an attribute may not shadow them.
pub const RESERVED_KEYS: [&str; 3] = ["valid", "reason", "participant_update"];
/// Longest attribute key accepted (Genesys custom attribute keys are short identifiers).
pub const MAX_KEY_LEN: usize = 64;
/// Request-level field the browser may always send besides the schema's request fields.
pub const INITIAL_MESSAGE_FIELD: &str = "initialMessage";

/// Whether agents see the attribute in their standard UI (Genesys custom attribute visibility).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// Shown to agents.
    Visible,
    /// Kept out of standard agent UI (internal routing data or personal data).
    Hidden,
}

impl Visibility {
    /// The name used in the TOML schema.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Visible => "visible",
            Self::Hidden => "hidden",
        }
    }
}

/// Values the backend computes itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Computed {
    /// The opaque session handle minted for this initiation.
    SessionHash,
}

/// Values taken from the request as API Gateway saw it (never from the body).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContextField {
    /// The caller's source IP address from the API Gateway request context.
    ClientIp,
}

/// Values produced by the risk scorer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RiskField {
    /// The numeric score (0 trusted .. 100 refused).
    Score,
}

/// Where an attribute's value comes from. The browser can only influence `Request` values,
/// and only within the attribute's rules.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// A claim of the verified session JWT (see [`ClaimSource`] for how it is named).
    Claim(ClaimSource),
    /// A field of the browser's JSON request body (camelCase name).
    Request(String),
    /// Computed by the backend.
    Computed(Computed),
    /// Taken from the request context.
    Context(ContextField),
    /// A constant from the schema.
    Static(AttributeValue),
    /// Produced by the risk scorer.
    Risk(RiskField),
}

impl Source {
    /// Short description for generated docs: `claim \`tier\``.
    pub fn describe(&self) -> String {
        match self {
            Self::Claim(c) => c.describe(),
            Self::Request(f) => format!("request field `{f}`"),
            Self::Computed(Computed::SessionHash) => "computed `session_hash`".to_owned(),
            Self::Context(ContextField::ClientIp) => "request context `client_ip`".to_owned(),
            Self::Static(v) => format!("static `{}`", v.canonical()),
            Self::Risk(RiskField::Score) => "risk scorer `score`".to_owned(),
        }
    }
}

/// One participant attribute, with its rules already checked for consistency.
#[derive(Debug, Clone)]
pub struct AttributeDef {
    pub(crate) key: String,
    pub(crate) description: String,
    pub(crate) ty: AttributeType,
    pub(crate) source: Source,
    pub(crate) pattern: Option<(String, Regex)>,
    pub(crate) max_len: Option<usize>,
    pub(crate) min: Option<i64>,
    pub(crate) max: Option<i64>,
    pub(crate) allowed: Option<Vec<String>>,
    pub(crate) required: bool,
    pub(crate) routing: bool,
    pub(crate) visibility: Visibility,
    pub(crate) expose: bool,
    pub(crate) verify: Option<Verify>,
}

/// How the site vouches for a request-sourced attribute before it becomes one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verify {
    /// `verify = "ownership"`: the site's ownership check must say the value is the signed-in
    /// subject's (`api::ownership`).
    Ownership,
}

/// The prefix an unverified request-sourced attribute's key must carry, so that whoever reads
/// it in Architect or on the agent's screen sees the browser's claim, not a fact.
pub const CLAIMED_PREFIX: &str = "customer_claimed_";

impl AttributeDef {
    /// The Genesys custom attribute key.
    pub fn key(&self) -> &str {
        &self.key
    }
    /// Human description from the schema.
    pub fn description(&self) -> &str {
        &self.description
    }
    /// How its value is typed, and so written as its canonical string.
    pub fn ty(&self) -> AttributeType {
        self.ty
    }
    /// Where its value comes from.
    pub fn source(&self) -> &Source {
        &self.source
    }
    /// The full-match pattern, as written in the schema.
    pub fn pattern(&self) -> Option<&str> {
        self.pattern.as_ref().map(|(p, _)| p.as_str())
    }
    /// Maximum length in characters (strings).
    pub fn max_len(&self) -> Option<usize> {
        self.max_len
    }
    /// Inclusive lower bound (integers).
    pub fn min(&self) -> Option<i64> {
        self.min
    }
    /// Inclusive upper bound (integers).
    pub fn max(&self) -> Option<i64> {
        self.max
    }
    /// Allowed canonical values, if the attribute is an enumeration.
    pub fn allowed(&self) -> Option<&[String]> {
        self.allowed.as_deref()
    }
    /// Whether a value must be present.
    pub fn required(&self) -> bool {
        self.required
    }
    /// Whether Architect routing expressions may use it.
    pub fn routing(&self) -> bool {
        self.routing
    }
    /// Whether agents see it in their standard UI.
    pub fn visibility(&self) -> Visibility {
        self.visibility
    }
    /// Whether validate-session returns it to Architect.
    pub fn expose(&self) -> bool {
        self.expose
    }
    /// Where its value comes from, for generated docs, with the check it passes:
    /// `request field \`orderId\`, ownership-verified`.
    pub fn describe_source(&self) -> String {
        match self.verify {
            Some(Verify::Ownership) => format!("{}, ownership-verified", self.source.describe()),
            None => self.source.describe(),
        }
    }
    /// The check a request-sourced attribute passes before it is set, if any.
    pub fn verify(&self) -> Option<Verify> {
        self.verify
    }

    /// The largest canonical value this attribute can produce, in UTF-8 bytes.
    pub fn worst_case_value_bytes(&self) -> usize {
        if let Source::Static(v) = &self.source {
            return v.canonical().len();
        }
        match self.ty {
            AttributeType::Boolean => 5,
            AttributeType::Integer => {
                let lo = self.min.unwrap_or(i64::MIN);
                let hi = self.max.unwrap_or(i64::MAX);
                canonical_integer(lo).len().max(canonical_integer(hi).len())
            }
            AttributeType::String => {
                let by_enum = self
                    .allowed
                    .as_ref()
                    .map(|a| a.iter().map(String::len).max().unwrap_or(0));
                // A char is at most 4 UTF-8 bytes.
                let by_len = self.max_len.map(|n| n.saturating_mul(4));
                match (by_enum, by_len) {
                    (Some(e), _) => e,
                    (None, Some(l)) => l,
                    (None, None) => usize::MAX,
                }
            }
        }
    }
}

/// Limits on a whole session: Genesys's byte budget and the first message's length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Genesys per-session budget for keys + values, in UTF-8 bytes.
    pub max_custom_data_bytes: usize,
    /// Cap on the browser's `initialMessage`, in characters.
    pub initial_message_max_chars: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_custom_data_bytes: DEFAULT_MAX_CUSTOM_DATA_BYTES,
            initial_message_max_chars: DEFAULT_INITIAL_MESSAGE_MAX_CHARS,
        }
    }
}

/// A loaded, consistent attribute schema.
#[derive(Debug, Clone)]
pub struct Schema {
    pub(crate) attributes: Vec<AttributeDef>,
    pub(crate) limits: Limits,
    pub(crate) request_fields: BTreeMap<String, usize>,
}

impl Schema {
    /// Attributes in schema order.
    pub fn attributes(&self) -> &[AttributeDef] {
        &self.attributes
    }

    /// Looks up an attribute by key.
    pub fn attribute(&self, key: &str) -> Option<&AttributeDef> {
        self.attributes.iter().find(|a| a.key == key)
    }

    /// The attribute fed by a request field.
    pub fn attribute_for_request_field(&self, field: &str) -> Option<&AttributeDef> {
        self.request_fields.get(field).map(|&i| &self.attributes[i])
    }

    /// Request body fields the browser may send (besides `initialMessage`).
    pub fn request_fields(&self) -> impl Iterator<Item = &str> {
        self.request_fields.keys().map(String::as_str)
    }

    /// Attributes returned to Architect by validate-session.
    pub fn exposed(&self) -> impl Iterator<Item = &AttributeDef> {
        self.attributes.iter().filter(|a| a.expose)
    }

    /// The key of the attribute that carries the session hash.
    pub fn session_hash_key(&self) -> &str {
        self.attributes
            .iter()
            .find(|a| a.source == Source::Computed(Computed::SessionHash))
            .map_or("session_hash", |a| a.key.as_str())
    }

    /// Schema-wide limits.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Every attribute key, for composite detection.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &str> {
        self.attributes.iter().map(|a| a.key.as_str())
    }
}
