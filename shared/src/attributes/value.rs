//! Typed attribute values: the types Architect sees, the values, their canonical string form
//! and what counts as several facts packed into one string.

use std::borrow::Cow;
use std::fmt;

use serde_json::Value;

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

/// A validated value. Genesys stores every custom attribute as a string; [`canonical`] gives
/// the one string each value maps to, so that Architect's string comparisons are deterministic.
///
/// [`canonical`]: AttributeValue::canonical
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttributeValue {
    /// Held as given; canonical as is.
    String(String),
    /// Canonical in plain decimal: `2`, `-7`.
    Integer(i64),
    /// Canonical as `true` or `false`.
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
