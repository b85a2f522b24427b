//! The attribute schema: which participant attributes exist, where each value comes from and
//! which rules it obeys. Loaded once per cold start from TOML; every rule is checked here so
//! that request-time validation can trust the schema.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use regex_lite::Regex;
use serde::Deserialize;

use super::error::SchemaError;
use super::value::{AttributeValue, canonical_integer};

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

/// How Architect sees the value once it is a string; every value travels as a canonical string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttributeType {
    /// Any string the rules allow.
    String,
    /// A signed 64-bit integer, serialised in canonical decimal (`2`, never `2.0` or `02`).
    Integer,
    /// `true` or `false`.
    Boolean,
}

impl AttributeType {
    /// The name used in the TOML schema and in error messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Integer => "integer",
            Self::Boolean => "boolean",
        }
    }
}

impl fmt::Display for AttributeType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

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
    /// A claim of the verified session JWT.
    Claim(String),
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
            Self::Claim(c) => format!("verified claim `{c}`"),
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
}

impl AttributeDef {
    /// The Genesys custom attribute key.
    pub fn key(&self) -> &str {
        &self.key
    }
    /// Human description from the schema.
    pub fn description(&self) -> &str {
        &self.description
    }
    /// The attribute's type.
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
    /// Agent visibility.
    pub fn visibility(&self) -> Visibility {
        self.visibility
    }
    /// Whether validate-session returns it to Architect.
    pub fn expose(&self) -> bool {
        self.expose
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

/// Schema-wide limits.
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSchema {
    limits: Option<RawLimits>,
    #[serde(default, rename = "attribute")]
    attributes: Vec<RawAttribute>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLimits {
    max_custom_data_bytes: Option<i64>,
    initial_message_max_chars: Option<i64>,
}

#[derive(Deserialize)]
struct RawAttribute {
    key: String,
    #[serde(default)]
    description: String,
    entity: Option<String>,
    #[serde(rename = "type")]
    ty: Option<String>,
    source: Option<toml::Value>,
    pattern: Option<String>,
    max_len: Option<i64>,
    min: Option<i64>,
    max: Option<i64>,
    #[serde(rename = "enum")]
    allowed: Option<Vec<toml::Value>>,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    routing: bool,
    visibility: Option<String>,
    #[serde(default)]
    expose: bool,
    #[serde(flatten)]
    unknown: BTreeMap<String, toml::Value>,
}

impl Schema {
    /// The schema shipped with the package.
    pub fn default_schema() -> Result<Self, SchemaError> {
        Self::from_toml(DEFAULT_SCHEMA_TOML)
    }

    /// Parses and checks a schema. Every rule violation names the attribute and the rule.
    pub fn from_toml(text: &str) -> Result<Self, SchemaError> {
        let raw: RawSchema = toml::from_str(text).map_err(|e| SchemaError::Syntax {
            message: e.message().to_owned(),
        })?;
        let limits = parse_limits(raw.limits)?;
        if raw.attributes.is_empty() {
            return Err(SchemaError::Empty);
        }
        let mut seen = BTreeSet::new();
        let mut attributes = Vec::with_capacity(raw.attributes.len());
        let mut request_fields = BTreeMap::new();
        for raw_attr in raw.attributes {
            let def = parse_attribute(raw_attr)?;
            if !seen.insert(def.key.clone()) {
                return Err(SchemaError::DuplicateKey { key: def.key });
            }
            if let Source::Request(field) = &def.source {
                if field == INITIAL_MESSAGE_FIELD {
                    return Err(SchemaError::Contradiction {
                        key: def.key.clone(),
                        rule: "request-field",
                        detail: format!(
                            "`{INITIAL_MESSAGE_FIELD}` is reserved for the first chat message"
                        ),
                    });
                }
                if request_fields
                    .insert(field.clone(), attributes.len())
                    .is_some()
                {
                    return Err(SchemaError::Contradiction {
                        key: def.key.clone(),
                        rule: "request-field",
                        detail: format!("request field `{field}` already feeds another attribute"),
                    });
                }
            }
            attributes.push(def);
        }
        let hashes = attributes
            .iter()
            .filter(|a| a.source == Source::Computed(Computed::SessionHash))
            .count();
        if hashes != 1 {
            return Err(SchemaError::SessionHash { found: hashes });
        }
        let worst_case = attributes.iter().fold(0usize, |acc, a| {
            acc.saturating_add(a.key.len())
                .saturating_add(a.worst_case_value_bytes())
        });
        if worst_case > limits.max_custom_data_bytes {
            return Err(SchemaError::Budget {
                worst_case,
                limit: limits.max_custom_data_bytes,
            });
        }
        Ok(Self {
            attributes,
            limits,
            request_fields,
        })
    }

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

fn parse_limits(raw: Option<RawLimits>) -> Result<Limits, SchemaError> {
    let mut limits = Limits::default();
    let Some(raw) = raw else { return Ok(limits) };
    if let Some(v) = raw.max_custom_data_bytes {
        limits.max_custom_data_bytes = positive(v, "max_custom_data_bytes", 1_048_576)?;
    }
    if let Some(v) = raw.initial_message_max_chars {
        limits.initial_message_max_chars = positive(v, "initial_message_max_chars", 65_536)?;
    }
    Ok(limits)
}

fn positive(v: i64, setting: &'static str, ceiling: i64) -> Result<usize, SchemaError> {
    if (1..=ceiling).contains(&v) {
        usize::try_from(v).map_err(|_| SchemaError::BadLimit { setting, value: v })
    } else {
        Err(SchemaError::BadLimit { setting, value: v })
    }
}

fn valid_key(key: &str) -> Result<(), &'static str> {
    let mut chars = key.chars();
    match chars.next() {
        None => return Err("a key must not be empty"),
        Some(c) if !c.is_ascii_lowercase() => {
            return Err("a key starts with a lowercase ASCII letter");
        }
        _ => {}
    }
    if key.len() > MAX_KEY_LEN {
        return Err("a key is at most 64 characters");
    }
    if !chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
        return Err("a key holds only lowercase ASCII letters, digits and `_`");
    }
    Ok(())
}

fn valid_request_field(field: &str) -> bool {
    let mut chars = field.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
        && field.len() <= MAX_KEY_LEN
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn parse_attribute(raw: RawAttribute) -> Result<AttributeDef, SchemaError> {
    let key = raw.key;
    if let Err(reason) = valid_key(&key) {
        return Err(SchemaError::BadKey { key, reason });
    }
    if RESERVED_KEYS.contains(&key.as_str()) {
        return Err(SchemaError::ReservedKey { key });
    }
    if let Some(setting) = raw.unknown.keys().next() {
        return Err(SchemaError::UnknownSetting {
            key,
            setting: setting.clone(),
        });
    }
    match raw.entity.as_deref() {
        Some("participant") => {}
        Some(other) => {
            return Err(SchemaError::Entity {
                key,
                entity: other.to_owned(),
            });
        }
        None => {
            return Err(SchemaError::MissingSetting {
                key,
                setting: "entity",
            });
        }
    }
    let ty = match raw.ty.as_deref() {
        Some("string") => AttributeType::String,
        Some("integer") => AttributeType::Integer,
        Some("boolean") => AttributeType::Boolean,
        Some(other) => {
            return Err(SchemaError::UnknownType {
                key,
                found: other.to_owned(),
            });
        }
        None => {
            return Err(SchemaError::MissingSetting {
                key,
                setting: "type",
            });
        }
    };
    let visibility = match raw.visibility.as_deref() {
        Some("visible") => Visibility::Visible,
        Some("hidden") | None => Visibility::Hidden,
        Some(other) => {
            return Err(SchemaError::BadVisibility {
                key,
                found: other.to_owned(),
            });
        }
    };
    let contradiction = |rule: &'static str, detail: String| SchemaError::Contradiction {
        key: key.clone(),
        rule,
        detail,
    };
    if ty != AttributeType::String {
        if raw.pattern.is_some() {
            return Err(contradiction(
                "pattern",
                format!("`pattern` applies to strings, not {ty}"),
            ));
        }
        if raw.max_len.is_some() {
            return Err(contradiction(
                "max_len",
                format!("`max_len` applies to strings, not {ty}"),
            ));
        }
    }
    if ty != AttributeType::Integer && (raw.min.is_some() || raw.max.is_some()) {
        return Err(contradiction(
            "range",
            format!("`min`/`max` apply to integers, not {ty}"),
        ));
    }
    if let (Some(lo), Some(hi)) = (raw.min, raw.max)
        && lo > hi
    {
        return Err(contradiction(
            "range",
            format!("`min` {lo} is above `max` {hi}"),
        ));
    }
    let max_len = match raw.max_len {
        None => None,
        Some(n) if (1..=1024).contains(&n) => usize::try_from(n).ok(),
        Some(n) => {
            return Err(contradiction(
                "max_len",
                format!("`max_len` {n} is outside 1..=1024"),
            ));
        }
    };
    let pattern = match raw.pattern {
        None => None,
        Some(p) => match Regex::new(&format!("^(?:{p})$")) {
            Ok(re) => Some((p, re)),
            Err(e) => {
                return Err(SchemaError::BadPattern {
                    key,
                    pattern: p,
                    message: e.to_string(),
                });
            }
        },
    };
    let source = parse_source(&key, ty, raw.source)?;
    let mut def = AttributeDef {
        key,
        description: raw.description,
        ty,
        source,
        pattern,
        max_len,
        min: raw.min,
        max: raw.max,
        allowed: None,
        required: raw.required,
        routing: raw.routing,
        visibility,
        expose: raw.expose,
    };
    if let Some(values) = raw.allowed {
        if values.is_empty() {
            return Err(SchemaError::Contradiction {
                key: def.key,
                rule: "enum",
                detail: "`enum` lists no value".to_owned(),
            });
        }
        let mut allowed = Vec::with_capacity(values.len());
        for v in values {
            let value = toml_scalar(&def.key, ty, &v, "enum")?;
            if let Err(e) = def.check_rules(&value) {
                return Err(SchemaError::Contradiction {
                    key: def.key.clone(),
                    rule: "enum",
                    detail: format!(
                        "enum value `{}` breaks rule `{}`",
                        value.canonical(),
                        e.rule()
                    ),
                });
            }
            let canonical = value.canonical().into_owned();
            if allowed.contains(&canonical) {
                return Err(SchemaError::Contradiction {
                    key: def.key.clone(),
                    rule: "enum",
                    detail: format!("enum value `{canonical}` is listed twice"),
                });
            }
            allowed.push(canonical);
        }
        def.allowed = Some(allowed);
    }
    if let Source::Static(value) = &def.source
        && let Err(e) = def.check_rules(value)
    {
        return Err(SchemaError::Contradiction {
            key: def.key.clone(),
            rule: "static",
            detail: format!("the static value breaks rule `{}`", e.rule()),
        });
    }
    if def.source == Source::Computed(Computed::SessionHash) && ty != AttributeType::String {
        return Err(SchemaError::Contradiction {
            key: def.key,
            rule: "source",
            detail: "`session_hash` is a string".to_owned(),
        });
    }
    if def.source == Source::Context(ContextField::ClientIp) && ty != AttributeType::String {
        return Err(SchemaError::Contradiction {
            key: def.key,
            rule: "source",
            detail: "`client_ip` is a string".to_owned(),
        });
    }
    if def.source == Source::Risk(RiskField::Score) && ty != AttributeType::Integer {
        return Err(SchemaError::Contradiction {
            key: def.key,
            rule: "source",
            detail: "the risk `score` is an integer".to_owned(),
        });
    }
    if def.ty == AttributeType::String
        && def.max_len.is_none()
        && def.allowed.is_none()
        && !matches!(def.source, Source::Static(_))
    {
        return Err(SchemaError::Unbounded { key: def.key });
    }
    Ok(def)
}

fn parse_source(
    key: &str,
    ty: AttributeType,
    raw: Option<toml::Value>,
) -> Result<Source, SchemaError> {
    let bad = |reason: String| SchemaError::BadSource {
        key: key.to_owned(),
        reason,
    };
    let Some(raw) = raw else {
        return Err(SchemaError::MissingSetting {
            key: key.to_owned(),
            setting: "source",
        });
    };
    let toml::Value::Table(table) = raw else {
        return Err(bad(
            "`source` is a table such as `{ claim = \"tier\" }`".to_owned()
        ));
    };
    if table.len() != 1 {
        return Err(bad(
            "`source` names exactly one of claim, request, computed, context, static, risk"
                .to_owned(),
        ));
    }
    let Some((kind, value)) = table.into_iter().next() else {
        return Err(bad("`source` is empty".to_owned()));
    };
    let name = || -> Result<String, SchemaError> {
        match &value {
            toml::Value::String(s) if !s.is_empty() => Ok(s.clone()),
            _ => Err(bad(format!("`source.{kind}` is a non-empty string"))),
        }
    };
    match kind.as_str() {
        "claim" => {
            let claim = name()?;
            if claim.len() > 128 || claim.chars().any(char::is_control) {
                return Err(bad(
                    "a claim name is at most 128 printable characters".to_owned()
                ));
            }
            Ok(Source::Claim(claim))
        }
        "request" => {
            let field = name()?;
            if !valid_request_field(&field) {
                return Err(bad(format!(
                    "request field `{field}` is not an identifier (letters, digits, `_`; at most 64)"
                )));
            }
            Ok(Source::Request(field))
        }
        "computed" => match name()?.as_str() {
            "session_hash" => Ok(Source::Computed(Computed::SessionHash)),
            other => Err(bad(format!(
                "unknown computed value `{other}` (known: session_hash)"
            ))),
        },
        "context" => match name()?.as_str() {
            "client_ip" => Ok(Source::Context(ContextField::ClientIp)),
            other => Err(bad(format!(
                "unknown context value `{other}` (known: client_ip)"
            ))),
        },
        "risk" => match name()?.as_str() {
            "score" => Ok(Source::Risk(RiskField::Score)),
            other => Err(bad(format!("unknown risk value `{other}` (known: score)"))),
        },
        "static" => Ok(Source::Static(toml_scalar(key, ty, &value, "static")?)),
        other => Err(bad(format!(
            "unknown source `{other}` (known: claim, request, computed, context, static, risk)"
        ))),
    }
}

fn toml_scalar(
    key: &str,
    ty: AttributeType,
    value: &toml::Value,
    rule: &'static str,
) -> Result<AttributeValue, SchemaError> {
    let mismatch = || SchemaError::Contradiction {
        key: key.to_owned(),
        rule,
        detail: format!("`{rule}` holds a {} where a {ty} belongs", value.type_str()),
    };
    match (ty, value) {
        (AttributeType::String, toml::Value::String(s)) => Ok(AttributeValue::String(s.clone())),
        (AttributeType::Integer, toml::Value::Integer(i)) => Ok(AttributeValue::Integer(*i)),
        (AttributeType::Integer, toml::Value::String(s)) => {
            super::value::parse_canonical_integer(s)
                .map(AttributeValue::Integer)
                .ok_or_else(mismatch)
        }
        (AttributeType::Boolean, toml::Value::Boolean(b)) => Ok(AttributeValue::Boolean(*b)),
        _ => Err(mismatch()),
    }
}
