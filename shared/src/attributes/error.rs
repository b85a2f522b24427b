//! Typed errors of schema loading and attribute validation. Each variant names the attribute
//! (or setting) and the rule broken; messages are lowercase and quote values in backticks.
//! Attribute *values* never appear in messages: they may be personal data.

use super::value::AttributeType;

/// Why a schema could not be loaded. A variant's `key` is the attribute's key as written in
/// the schema, and its `setting` the setting's name there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemaError {
    /// The file is not valid TOML or has a setting of the wrong shape.
    #[error("the attribute schema is not valid: {message}")]
    Syntax {
        /// What the TOML parser reported.
        message: String,
    },
    /// No `[[attribute]]` entries.
    #[error("the attribute schema declares no attribute")]
    Empty,
    /// A key that Genesys or Architect would not accept as an identifier.
    #[error("attribute `{key}`: badly formed key: {reason}")]
    BadKey {
        key: String,
        /// The rule broken.
        reason: &'static str,
    },
    /// Two attributes share a key.
    #[error("attribute `{key}` is declared twice")]
    DuplicateKey { key: String },
    /// The key collides with a field of the data-action output.
    #[error(
        "attribute `{key}`: the key is reserved for the data-action output (valid, reason, participant_update)"
    )]
    ReservedKey { key: String },
    /// A setting the schema does not know (likely a typo).
    #[error("attribute `{key}`: unknown setting `{setting}`")]
    UnknownSetting {
        key: String,
        /// The unknown setting.
        setting: String,
    },
    /// A mandatory setting is absent.
    #[error("attribute `{key}`: `{setting}` is required")]
    MissingSetting {
        key: String,
        /// The missing setting.
        setting: &'static str,
    },
    /// Anything but Participant scope.
    #[error(
        "attribute `{key}`: entity `{entity}` is not supported; use `participant`. Web Messaging \
         initiations do not resolve to a contact, so a Contact-scoped attribute depends on a \
         synchronous CRM lookup that, when it fails or times out, silently drops the attribute \
         and the customer is routed with an empty context (the guide's Contact-scope trap)"
    )]
    Entity {
        key: String,
        /// The entity found.
        entity: String,
    },
    /// A `type` other than string, integer, boolean.
    #[error("attribute `{key}`: unknown type `{found}` (known: string, integer, boolean)")]
    UnknownType {
        key: String,
        /// The type found.
        found: String,
    },
    /// A `visibility` other than visible or hidden.
    #[error("attribute `{key}`: unknown visibility `{found}` (known: visible, hidden)")]
    BadVisibility {
        key: String,
        /// The visibility found.
        found: String,
    },
    /// A malformed `source`.
    #[error("attribute `{key}`: bad source: {reason}")]
    BadSource {
        key: String,
        /// What is wrong.
        reason: String,
    },
    /// A `pattern` that is not a valid regular expression.
    #[error("attribute `{key}`: pattern `{pattern}` does not compile: {message}")]
    BadPattern {
        key: String,
        /// The pattern as written in the schema.
        pattern: String,
        /// The regex engine's message.
        message: String,
    },
    /// Rules that cannot hold together.
    #[error("attribute `{key}`: contradictory rule `{rule}`: {detail}")]
    Contradiction {
        key: String,
        /// The rule's name (`enum`, `range`, `source`, ...).
        rule: &'static str,
        /// How the rules contradict each other.
        detail: String,
    },
    /// A string attribute with no upper bound, which would make the byte budget unenforceable.
    #[error("attribute `{key}`: a string needs `max_len` or `enum` so the byte budget can hold")]
    Unbounded { key: String },
    /// Not exactly one attribute carries the session hash.
    #[error(
        "the schema needs exactly one attribute with `source = {{ computed = \"session_hash\" }}` \
         (found {found}): the messenger strategy hands only that attribute to the browser"
    )]
    SessionHash {
        /// How many were found.
        found: usize,
    },
    /// The largest possible attribute set exceeds the Genesys budget.
    #[error(
        "the attributes can reach {worst_case} bytes of keys and values, over \
         `max_custom_data_bytes` = {limit}: lower `max_len`s or drop attributes"
    )]
    Budget {
        /// Worst-case size in bytes.
        worst_case: usize,
        /// The configured limit.
        limit: usize,
    },
    /// A limit outside its accepted range.
    #[error("limit `{setting}` = {value} is out of range")]
    BadLimit {
        setting: &'static str,
        /// The value found.
        value: i64,
    },
}

/// Why a value was refused for an attribute. A variant's `key` is the attribute's key in the
/// schema (the browser is told the request field that fed it instead).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttributeError {
    /// An object or array where a scalar belongs.
    #[error("attribute `{key}`: nested objects and arrays are not allowed; send one scalar value")]
    Nested { key: String },
    /// A `contains` claim source met a claim that is not an array.
    #[error("attribute `{key}`: its claim is not an array, so `contains` cannot test it")]
    NotAList { key: String },
    /// A value of a type that cannot be converted without loss. The message says what is
    /// accepted, not only the type: a string attribute takes an integer too.
    #[error("attribute `{key}`: expected {}", accepted(*.expected))]
    WrongType {
        key: String,
        /// The attribute's type in the schema; the message says what it accepts.
        expected: AttributeType,
    },
    /// Control characters (including newlines) are never allowed.
    #[error("attribute `{key}`: control characters are not allowed")]
    ControlCharacter { key: String },
    /// Longer than `max_len` characters.
    #[error("attribute `{key}`: {len} characters, over `max_len` {max_len}")]
    TooLong {
        key: String,
        max_len: usize,
        /// The length found.
        len: usize,
    },
    /// Does not fully match `pattern`.
    #[error("attribute `{key}`: does not match the pattern `{pattern}`")]
    Pattern {
        key: String,
        /// The pattern as written in the schema.
        pattern: String,
    },
    /// Not one of the `enum` values.
    #[error("attribute `{key}`: not one of the allowed values ({allowed})")]
    NotAllowed {
        key: String,
        /// The allowed values, comma separated.
        allowed: String,
    },
    /// Outside `min`..=`max`.
    #[error("attribute `{key}`: out of range {min}..={max}")]
    OutOfRange {
        key: String,
        /// Lower bound.
        min: i64,
        /// Upper bound.
        max: i64,
    },
    /// Several facts packed into one string.
    #[error(
        "attribute `{key}`: composite value: it packs several facts into one string (as \
         `priority_tier_2|order_id:88472`); split them into one attribute per fact so Architect \
         can compare each directly"
    )]
    Composite { key: String },
    /// A required attribute has no value.
    #[error("attribute `{key}`: a value is required")]
    Missing { key: String },
    /// A key the schema does not declare.
    #[error("attribute `{key}`: not declared in the schema")]
    Unknown { key: String },
    /// The whole set is over the Genesys byte budget.
    #[error("custom attributes take {total} bytes, over the limit of {limit}")]
    Budget {
        /// Total bytes of keys and values.
        total: usize,
        /// `max_custom_data_bytes`.
        limit: usize,
    },
}

/// What a JSON value of an attribute of type `ty` may be
/// ([`AttributeDef::parse_json`](super::AttributeDef::parse_json)): an integer has one decimal
/// spelling, so a string attribute takes it; a fraction or an exponent has several, so it does not.
fn accepted(ty: AttributeType) -> &'static str {
    match ty {
        AttributeType::String => {
            "a string, or a 64-bit integer written without fraction or exponent"
        }
        AttributeType::Integer => {
            "an integer: a whole number, or its decimal digits as a string such as `2`"
        }
        AttributeType::Boolean => "a boolean: `true` or `false`, as such or as a string",
    }
}

impl AttributeError {
    /// A stable, machine-readable name of the rule broken.
    pub fn rule(&self) -> &'static str {
        match self {
            Self::Nested { .. } => "nested",
            Self::NotAList { .. } => "contains",
            Self::WrongType { .. } => "type",
            Self::ControlCharacter { .. } => "control-character",
            Self::TooLong { .. } => "max_len",
            Self::Pattern { .. } => "pattern",
            Self::NotAllowed { .. } => "enum",
            Self::OutOfRange { .. } => "range",
            Self::Composite { .. } => "composite",
            Self::Missing { .. } => "required",
            Self::Unknown { .. } => "unknown",
            Self::Budget { .. } => "max_custom_data_bytes",
        }
    }

    /// The attribute concerned (empty for the whole-set budget).
    pub fn key(&self) -> &str {
        match self {
            Self::Nested { key }
            | Self::NotAList { key }
            | Self::WrongType { key, .. }
            | Self::ControlCharacter { key }
            | Self::TooLong { key, .. }
            | Self::Pattern { key, .. }
            | Self::NotAllowed { key, .. }
            | Self::OutOfRange { key, .. }
            | Self::Composite { key }
            | Self::Missing { key }
            | Self::Unknown { key } => key,
            Self::Budget { .. } => "",
        }
    }
}
