//! Typed attribute values, their canonical string form, and the attribute set built for one
//! session.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;

use super::error::AttributeError;
use super::schema::{
    AttributeDef, AttributeType, Computed, ContextField, RiskField, Schema, Source,
};

/// A validated value. Genesys stores every custom attribute as a string; [`canonical`] gives
/// the one string each value maps to, so that Architect's string comparisons are deterministic.
///
/// [`canonical`]: AttributeValue::canonical
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttributeValue {
    /// A string value.
    String(String),
    /// An integer value.
    Integer(i64),
    /// A boolean value.
    Boolean(bool),
}

impl AttributeValue {
    /// The canonical string: integers in plain decimal (`2`, `-7`), booleans `true`/`false`.
    pub fn canonical(&self) -> Cow<'_, str> {
        match self {
            Self::String(s) => Cow::Borrowed(s),
            Self::Integer(i) => Cow::Owned(canonical_integer(*i)),
            Self::Boolean(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
        }
    }
}

/// Plain decimal with no sign for positives, no leading zeros.
pub fn canonical_integer(i: i64) -> String {
    i.to_string()
}

/// Parses the canonical decimal form only: `-?(0|[1-9][0-9]*)`, no `+`, no spaces.
pub fn parse_canonical_integer(s: &str) -> Option<i64> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let canonical = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'))
        && s != "-0";
    if canonical { s.parse().ok() } else { None }
}

/// Separators people use to pack several facts into one string.
const COMPOSITE_SEPARATORS: [char; 3] = ['|', ';', '&'];

/// Whether `s` packs several facts into one string: `a|b:c`, `x=1;y=2`, `order_id:5` when
/// `order_id` is another attribute's key, or a JSON object/array serialised into a string.
pub(crate) fn looks_composite<'k>(s: &str, mut keys: impl Iterator<Item = &'k str>) -> bool {
    let trimmed = s.trim();
    if (trimmed.starts_with('{') || trimmed.starts_with('['))
        && serde_json::from_str::<Value>(trimmed).is_ok_and(|v| v.is_object() || v.is_array())
    {
        return true;
    }
    if s.contains(COMPOSITE_SEPARATORS) && s.split(COMPOSITE_SEPARATORS).any(is_key_value_pair) {
        return true;
    }
    keys.any(|k| {
        s.match_indices(k).any(|(i, _)| {
            let before_ok = s[..i]
                .chars()
                .next_back()
                .is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_'));
            let after = s[i + k.len()..].trim_start();
            before_ok && (after.starts_with(':') || after.starts_with('='))
        })
    })
}

fn is_key_value_pair(segment: &str) -> bool {
    let segment = segment.trim();
    let Some(idx) = segment.find([':', '=']) else {
        return false;
    };
    let name = segment[..idx].trim();
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

impl AttributeDef {
    /// Converts a raw JSON value into this attribute's type, losslessly or not at all, then
    /// checks every rule. `null` is the caller's business (treated as absent).
    pub fn parse_json(
        &self,
        raw: &Value,
        schema: &Schema,
    ) -> Result<AttributeValue, AttributeError> {
        let key = || self.key.clone();
        if let Value::String(s) = raw
            && looks_composite(s, schema.keys())
        {
            return Err(AttributeError::Composite { key: key() });
        }
        let value = match (self.ty, raw) {
            (_, Value::Object(_) | Value::Array(_)) => {
                return Err(AttributeError::Nested { key: key() });
            }
            (AttributeType::String, Value::String(s)) => AttributeValue::String(s.clone()),
            (AttributeType::String, Value::Number(n)) if n.is_i64() || n.is_u64() => {
                // An integer has exactly one decimal spelling: converting it is lossless.
                AttributeValue::String(n.to_string())
            }
            (AttributeType::Integer, Value::Number(n)) => {
                AttributeValue::Integer(json_integer(n).ok_or_else(|| {
                    AttributeError::WrongType {
                        key: key(),
                        expected: self.ty,
                    }
                })?)
            }
            (AttributeType::Integer, Value::String(s)) => {
                AttributeValue::Integer(parse_canonical_integer(s).ok_or_else(|| {
                    AttributeError::WrongType {
                        key: key(),
                        expected: self.ty,
                    }
                })?)
            }
            (AttributeType::Boolean, Value::Bool(b)) => AttributeValue::Boolean(*b),
            (AttributeType::Boolean, Value::String(s)) if s == "true" || s == "false" => {
                AttributeValue::Boolean(s == "true")
            }
            _ => {
                return Err(AttributeError::WrongType {
                    key: key(),
                    expected: self.ty,
                });
            }
        };
        self.check_rules(&value)?;
        Ok(value)
    }

    /// Re-validates a canonical string (as stored in a session record or sent by Genesys).
    pub fn parse_canonical(
        &self,
        s: &str,
        schema: &Schema,
    ) -> Result<AttributeValue, AttributeError> {
        let value = match self.ty {
            AttributeType::String => {
                if looks_composite(s, schema.keys()) {
                    return Err(AttributeError::Composite {
                        key: self.key.clone(),
                    });
                }
                AttributeValue::String(s.to_owned())
            }
            AttributeType::Integer => {
                AttributeValue::Integer(parse_canonical_integer(s).ok_or_else(|| {
                    AttributeError::WrongType {
                        key: self.key.clone(),
                        expected: self.ty,
                    }
                })?)
            }
            AttributeType::Boolean => match s {
                "true" => AttributeValue::Boolean(true),
                "false" => AttributeValue::Boolean(false),
                _ => {
                    return Err(AttributeError::WrongType {
                        key: self.key.clone(),
                        expected: self.ty,
                    });
                }
            },
        };
        self.check_rules(&value)?;
        Ok(value)
    }

    /// Checks pattern, length, range, enum and control characters on a typed value.
    pub(crate) fn check_rules(&self, value: &AttributeValue) -> Result<(), AttributeError> {
        let key = || self.key.clone();
        match value {
            AttributeValue::String(s) => {
                if s.chars().any(char::is_control) {
                    return Err(AttributeError::ControlCharacter { key: key() });
                }
                if let Some(max_len) = self.max_len {
                    let len = s.chars().count();
                    if len > max_len {
                        return Err(AttributeError::TooLong {
                            key: key(),
                            max_len,
                            len,
                        });
                    }
                }
                if let Some((pattern, re)) = &self.pattern
                    && !re.is_match(s)
                {
                    return Err(AttributeError::Pattern {
                        key: key(),
                        pattern: pattern.clone(),
                    });
                }
            }
            AttributeValue::Integer(i) => {
                let min = self.min.unwrap_or(i64::MIN);
                let max = self.max.unwrap_or(i64::MAX);
                if !(min..=max).contains(i) {
                    return Err(AttributeError::OutOfRange {
                        key: key(),
                        min,
                        max,
                    });
                }
            }
            AttributeValue::Boolean(_) => {}
        }
        if let Some(allowed) = &self.allowed {
            let canonical = value.canonical();
            if !allowed.iter().any(|a| *a == canonical) {
                return Err(AttributeError::NotAllowed {
                    key: key(),
                    allowed: allowed.join(", "),
                });
            }
        }
        Ok(())
    }
}

fn json_integer(n: &serde_json::Number) -> Option<i64> {
    if let Some(i) = n.as_i64() {
        return Some(i);
    }
    // `2.0` is the integer 2 written as a float: accept it, since the conversion is lossless.
    let f = n.as_f64()?;
    // i64::MAX as f64 rounds up to 2^63, so the upper bound is exclusive.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if f.fract() == 0.0 && (-LIMIT..LIMIT).contains(&f) {
        #[allow(clippy::cast_possible_truncation)] // range and integrality checked above
        Some(f as i64)
    } else {
        None
    }
}

/// Everything an attribute's value can come from, for one initiation.
#[derive(Debug, Clone, Copy)]
pub struct AttributeInputs<'a> {
    /// Claims of the verified session JWT.
    pub claims: &'a serde_json::Map<String, Value>,
    /// The browser's request fields, already checked against the schema's allowed names.
    pub request: &'a BTreeMap<String, Value>,
    /// The minted session hash.
    pub session_hash: &'a str,
    /// The caller's IP from the API Gateway request context.
    pub client_ip: Option<&'a str>,
    /// The risk scorer's score.
    pub risk_score: Option<i64>,
}

/// The validated attributes of one session, in schema order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeSet {
    entries: Vec<(String, AttributeValue)>,
}

impl AttributeSet {
    /// Builds and validates every attribute of `schema` from `inputs`. Returns every problem
    /// found, not just the first, so a client can fix them all at once.
    pub fn build(
        schema: &Schema,
        inputs: &AttributeInputs<'_>,
    ) -> Result<Self, Vec<AttributeError>> {
        Self::assemble(schema, inputs, None)
    }

    /// Builds the attributes of a refreshed ticket: everything from `inputs` (the presented
    /// session token's claims, a fresh risk score, this request's context) as [`Self::build`]
    /// does, except the attributes the browser requested at initiation, which keep their
    /// canonical values from `previous` (a refresh request carries no fields).
    pub fn build_refreshed(
        schema: &Schema,
        inputs: &AttributeInputs<'_>,
        previous: &BTreeMap<String, String>,
    ) -> Result<Self, Vec<AttributeError>> {
        Self::assemble(schema, inputs, Some(previous))
    }

    fn assemble(
        schema: &Schema,
        inputs: &AttributeInputs<'_>,
        requested: Option<&BTreeMap<String, String>>,
    ) -> Result<Self, Vec<AttributeError>> {
        let mut entries = Vec::with_capacity(schema.attributes().len());
        let mut errors = Vec::new();
        for def in schema.attributes() {
            if let (Source::Request(_), Some(previous)) = (def.source(), requested) {
                match previous.get(def.key()) {
                    Some(s) => match def.parse_canonical(s, schema) {
                        Ok(v) => entries.push((def.key().to_owned(), v)),
                        Err(e) => errors.push(e),
                    },
                    None if def.required() => errors.push(AttributeError::Missing {
                        key: def.key().to_owned(),
                    }),
                    None => {}
                }
                continue;
            }
            if let Source::Static(v) = def.source() {
                entries.push((def.key().to_owned(), v.clone()));
                continue;
            }
            match raw_input(def.source(), inputs).as_deref() {
                None | Some(Value::Null) => {
                    if def.required() {
                        errors.push(AttributeError::Missing {
                            key: def.key().to_owned(),
                        });
                    }
                }
                Some(raw) => match def.parse_json(raw, schema) {
                    Ok(v) => entries.push((def.key().to_owned(), v)),
                    Err(e) => errors.push(e),
                },
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let set = Self { entries };
        set.check_budget(schema).map_err(|e| vec![e])?;
        Ok(set)
    }

    /// Re-validates a stored map of canonical strings (a session record's snapshot).
    pub fn from_canonical(
        schema: &Schema,
        stored: &BTreeMap<String, String>,
    ) -> Result<Self, Vec<AttributeError>> {
        let mut errors: Vec<AttributeError> = stored
            .keys()
            .filter(|k| schema.attribute(k).is_none())
            .map(|k| AttributeError::Unknown { key: k.clone() })
            .collect();
        let mut entries = Vec::with_capacity(stored.len());
        for def in schema.attributes() {
            match stored.get(def.key()) {
                None if def.required() => errors.push(AttributeError::Missing {
                    key: def.key().to_owned(),
                }),
                None => {}
                Some(s) => match def.parse_canonical(s, schema) {
                    Ok(v) => entries.push((def.key().to_owned(), v)),
                    Err(e) => errors.push(e),
                },
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let set = Self { entries };
        set.check_budget(schema).map_err(|e| vec![e])?;
        Ok(set)
    }

    fn check_budget(&self, schema: &Schema) -> Result<(), AttributeError> {
        let total = self.total_bytes();
        let limit = schema.limits().max_custom_data_bytes;
        if total > limit {
            return Err(AttributeError::Budget { total, limit });
        }
        Ok(())
    }

    /// UTF-8 bytes of every key plus its canonical value: what Genesys counts.
    pub fn total_bytes(&self) -> usize {
        self.entries
            .iter()
            .map(|(k, v)| k.len() + v.canonical().len())
            .sum()
    }

    /// Entries in schema order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &AttributeValue)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The value of `key`, if present.
    pub fn get(&self, key: &str) -> Option<&AttributeValue> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Canonical strings, for storage.
    pub fn to_canonical_map(&self) -> BTreeMap<String, String> {
        self.entries
            .iter()
            .map(|(k, v)| (k.clone(), v.canonical().into_owned()))
            .collect()
    }

    /// A view that serialises only the given keys (in schema order) as a JSON string map.
    pub fn only<'a>(&'a self, keep: impl Fn(&str) -> bool + 'a) -> impl Serialize + 'a {
        Filtered { set: self, keep }
    }

    /// Number of attributes present.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no attribute is present.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// The raw value `source` takes from `inputs` (`None` for a static value, which needs none).
fn raw_input<'a>(source: &'a Source, inputs: &AttributeInputs<'a>) -> Option<Cow<'a, Value>> {
    match source {
        Source::Claim(c) => inputs.claims.get(c).map(Cow::Borrowed),
        Source::Request(f) => inputs.request.get(f).map(Cow::Borrowed),
        Source::Computed(Computed::SessionHash) => {
            Some(Cow::Owned(Value::String(inputs.session_hash.to_owned())))
        }
        Source::Context(ContextField::ClientIp) => inputs
            .client_ip
            .map(|ip| Cow::Owned(Value::String(ip.to_owned()))),
        Source::Risk(RiskField::Score) => inputs.risk_score.map(|s| Cow::Owned(Value::from(s))),
        Source::Static(_) => None,
    }
}

/// Serialises as a JSON object of canonical strings, in schema order.
impl Serialize for AttributeSet {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.entries.len()))?;
        for (k, v) in &self.entries {
            map.serialize_entry(k, &v.canonical())?;
        }
        map.end()
    }
}

struct Filtered<'a, F> {
    set: &'a AttributeSet,
    keep: F,
}

impl<F: Fn(&str) -> bool> Serialize for Filtered<'_, F> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for (k, v) in self.set.entries.iter().filter(|(k, _)| (self.keep)(k)) {
            map.serialize_entry(k, &v.canonical())?;
        }
        map.end()
    }
}
