//! Loading the schema from TOML: every rule is checked here, once, at cold start. The checks of
//! one `[[attribute]]` table are in `definition`, those of its `source` in `source`.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use super::definition::{RawAttribute, parse_attribute};
use super::error::SchemaError;
use super::schema::{
    AttributeDef, CLAIMED_PREFIX, Computed, DEFAULT_SCHEMA_TOML, INITIAL_MESSAGE_FIELD, Limits,
    Schema, Source,
};

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
        let (attributes, request_fields) = parse_attributes(raw.attributes)?;
        check_one_session_hash(&attributes)?;
        check_budget(&attributes, limits)?;
        check_claims_read_as_claims(&attributes)?;
        Ok(Self {
            attributes,
            limits,
            request_fields,
        })
    }
}

/// The attributes in schema order, and which one each request field feeds.
fn parse_attributes(
    raw: Vec<RawAttribute>,
) -> Result<(Vec<AttributeDef>, BTreeMap<String, usize>), SchemaError> {
    let mut seen = BTreeSet::new();
    let mut attributes = Vec::with_capacity(raw.len());
    let mut request_fields = BTreeMap::new();
    for raw_attr in raw {
        let def = parse_attribute(raw_attr)?;
        if !seen.insert(def.key.clone()) {
            return Err(SchemaError::DuplicateKey { key: def.key });
        }
        if let Source::Request(field) = &def.source {
            claim_request_field(&def.key, field, attributes.len(), &mut request_fields)?;
        }
        attributes.push(def);
    }
    Ok((attributes, request_fields))
}

/// A request field feeds one attribute at most, and never is the first chat message.
fn claim_request_field(
    key: &str,
    field: &str,
    index: usize,
    request_fields: &mut BTreeMap<String, usize>,
) -> Result<(), SchemaError> {
    let contradiction = |detail: String| SchemaError::Contradiction {
        key: key.to_owned(),
        rule: "request-field",
        detail,
    };
    if field == INITIAL_MESSAGE_FIELD {
        return Err(contradiction(format!(
            "`{INITIAL_MESSAGE_FIELD}` is reserved for the first chat message"
        )));
    }
    if request_fields.insert(field.to_owned(), index).is_some() {
        return Err(contradiction(format!(
            "request field `{field}` already feeds another attribute"
        )));
    }
    Ok(())
}

/// An attribute sourced from a request field and not verified is the browser's word: its key
/// must start with [`CLAIMED_PREFIX`], so Architect and agents never mistake it for a fact.
fn check_claims_read_as_claims(attributes: &[AttributeDef]) -> Result<(), SchemaError> {
    let unverified_claim = attributes.iter().find(|a| {
        matches!(a.source, Source::Request(_))
            && a.verify.is_none()
            && !a.key.starts_with(CLAIMED_PREFIX)
    });
    match unverified_claim {
        None => Ok(()),
        Some(a) => Err(SchemaError::Contradiction {
            key: a.key.clone(),
            rule: "verify",
            detail: format!(
                "a request field the site does not verify is the browser's claim: add `verify = \"ownership\"` or name it `{CLAIMED_PREFIX}...`"
            ),
        }),
    }
}

fn check_one_session_hash(attributes: &[AttributeDef]) -> Result<(), SchemaError> {
    let found = attributes
        .iter()
        .filter(|a| a.source == Source::Computed(Computed::SessionHash))
        .count();
    if found == 1 {
        Ok(())
    } else {
        Err(SchemaError::SessionHash { found })
    }
}

/// The largest set the attributes can make must fit Genesys's budget, so no valid request can
/// be refused for its size alone.
fn check_budget(attributes: &[AttributeDef], limits: Limits) -> Result<(), SchemaError> {
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
    Ok(())
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
