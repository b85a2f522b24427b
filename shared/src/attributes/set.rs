//! The attribute set of one session: every schema attribute built from its source, validated,
//! within the byte budget.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;

use super::error::AttributeError;
use super::schema::{AttributeDef, Computed, ContextField, RiskField, Schema, Source};
use super::value::AttributeValue;

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
        let mut found = Found::with_capacity(schema.attributes().len());
        for def in schema.attributes() {
            let parsed = match (def.source(), requested) {
                (Source::Request(_), Some(previous)) => previous
                    .get(def.key())
                    .map(|s| def.parse_canonical(s, schema)),
                (Source::Static(v), _) => Some(Ok(v.clone())),
                (source, _) => match raw_input(source, inputs, def.key()) {
                    Err(e) => Some(Err(e)),
                    Ok(None) => None,
                    Ok(Some(raw)) if raw.is_null() => None,
                    Ok(Some(raw)) => Some(def.parse_json(&raw, schema)),
                },
            };
            found.record(def, parsed);
        }
        found.into_set(schema)
    }

    /// Re-validates a stored map of canonical strings (a session record's snapshot).
    pub fn from_canonical(
        schema: &Schema,
        stored: &BTreeMap<String, String>,
    ) -> Result<Self, Vec<AttributeError>> {
        let mut found = Found::with_capacity(stored.len());
        found.errors = stored
            .keys()
            .filter(|k| schema.attribute(k).is_none())
            .map(|k| AttributeError::Unknown { key: k.clone() })
            .collect();
        for def in schema.attributes() {
            let parsed = stored
                .get(def.key())
                .map(|s| def.parse_canonical(s, schema));
            found.record(def, parsed);
        }
        found.into_set(schema)
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

/// The values and the problems found while building a set: every problem is kept, not just the
/// first, so a client can fix them all at once.
struct Found {
    entries: Vec<(String, AttributeValue)>,
    errors: Vec<AttributeError>,
}

impl Found {
    fn with_capacity(n: usize) -> Self {
        Self {
            entries: Vec::with_capacity(n),
            errors: Vec::new(),
        }
    }

    /// Keeps `def`'s value, or its problem; `None` (no value) is a problem only when required.
    fn record(
        &mut self,
        def: &AttributeDef,
        parsed: Option<Result<AttributeValue, AttributeError>>,
    ) {
        match parsed {
            Some(Ok(v)) => self.entries.push((def.key().to_owned(), v)),
            Some(Err(e)) => self.errors.push(e),
            None if def.required() => self.errors.push(AttributeError::Missing {
                key: def.key().to_owned(),
            }),
            None => {}
        }
    }

    fn into_set(self, schema: &Schema) -> Result<AttributeSet, Vec<AttributeError>> {
        if !self.errors.is_empty() {
            return Err(self.errors);
        }
        let set = AttributeSet {
            entries: self.entries,
        };
        set.check_budget(schema).map_err(|e| vec![e])?;
        Ok(set)
    }
}

/// The raw value `source` takes from `inputs` for attribute `key` (`None` for a static value,
/// which needs none); a claim of a shape its source cannot take is refused.
fn raw_input<'a>(
    source: &'a Source,
    inputs: &AttributeInputs<'a>,
    key: &str,
) -> Result<Option<Cow<'a, Value>>, AttributeError> {
    Ok(match source {
        Source::Claim(c) => return c.value(inputs.claims, key),
        Source::Request(f) => inputs.request.get(f).map(Cow::Borrowed),
        Source::Computed(Computed::SessionHash) => {
            Some(Cow::Owned(Value::String(inputs.session_hash.to_owned())))
        }
        Source::Context(ContextField::ClientIp) => inputs
            .client_ip
            .map(|ip| Cow::Owned(Value::String(ip.to_owned()))),
        Source::Risk(RiskField::Score) => inputs.risk_score.map(|s| Cow::Owned(Value::from(s))),
        Source::Static(_) => None,
    })
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
