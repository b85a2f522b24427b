//! An attribute's `source` table (a `claim` source in the `claim` module), and the TOML scalars
//! of `static` and `enum` values.

use super::claim;
use super::error::SchemaError;
use super::schema::{Computed, ContextField, MAX_KEY_LEN, RiskField, Source};
use super::value::AttributeType;
use super::value::{AttributeValue, parse_canonical_integer};

/// Parses `source = { <kind> = <value> }` for an attribute of type `ty`.
pub(super) fn parse_source(
    key: &str,
    ty: AttributeType,
    raw: Option<toml::Value>,
) -> Result<Source, SchemaError> {
    let table = source_table(key, raw)?;
    if table.contains_key("claim") {
        return claim::parse(key, ty, &table).map(Source::Claim);
    }
    let (kind, value) = source_entry(key, table)?;
    let name = || source_name(key, &kind, &value);
    match kind.as_str() {
        "request" => request_field(key, name()?),
        "computed" => known(key, "computed", name()?, "session_hash", || {
            Source::Computed(Computed::SessionHash)
        }),
        "context" => known(key, "context", name()?, "client_ip", || {
            Source::Context(ContextField::ClientIp)
        }),
        "risk" => known(key, "risk", name()?, "score", || {
            Source::Risk(RiskField::Score)
        }),
        "static" => Ok(Source::Static(toml_scalar(key, ty, &value, "static")?)),
        other => Err(bad(
            key,
            format!(
                "unknown source `{other}` (known: claim, request, computed, context, static, risk)"
            ),
        )),
    }
}

fn bad(key: &str, reason: impl Into<String>) -> SchemaError {
    SchemaError::BadSource {
        key: key.to_owned(),
        reason: reason.into(),
    }
}

/// The `source` table.
fn source_table(key: &str, raw: Option<toml::Value>) -> Result<toml::Table, SchemaError> {
    let Some(raw) = raw else {
        return Err(SchemaError::MissingSetting {
            key: key.to_owned(),
            setting: "source",
        });
    };
    let toml::Value::Table(table) = raw else {
        return Err(bad(
            key,
            "`source` is a table such as `{ claim = \"tier\" }`",
        ));
    };
    Ok(table)
}

/// The one entry of a `source` table other than a claim's: its kind and value.
fn source_entry(key: &str, table: toml::Table) -> Result<(String, toml::Value), SchemaError> {
    if table.len() != 1 {
        return Err(bad(
            key,
            "`source` names exactly one of claim, request, computed, context, static, risk",
        ));
    }
    table
        .into_iter()
        .next()
        .ok_or_else(|| bad(key, "`source` is empty"))
}

fn source_name<'v>(key: &str, kind: &str, value: &'v toml::Value) -> Result<&'v str, SchemaError> {
    match value {
        toml::Value::String(s) if !s.is_empty() => Ok(s),
        _ => Err(bad(key, format!("`source.{kind}` is a non-empty string"))),
    }
}

fn request_field(key: &str, field: &str) -> Result<Source, SchemaError> {
    let mut chars = field.chars();
    let identifier = matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
        && field.len() <= MAX_KEY_LEN
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !identifier {
        return Err(bad(
            key,
            format!(
                "request field `{field}` is not an identifier (letters, digits, `_`; at most 64)"
            ),
        ));
    }
    Ok(Source::Request(field.to_owned()))
}

/// A kind with one known value so far (`computed`, `context`, `risk`).
fn known(
    key: &str,
    kind: &str,
    name: &str,
    expected: &str,
    source: impl FnOnce() -> Source,
) -> Result<Source, SchemaError> {
    if name == expected {
        Ok(source())
    } else {
        Err(bad(
            key,
            format!("unknown {kind} value `{name}` (known: {expected})"),
        ))
    }
}

/// A `static` or `enum` value of type `ty`; an integer may be written as its canonical string.
pub(super) fn toml_scalar(
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
        (AttributeType::Integer, toml::Value::String(s)) => parse_canonical_integer(s)
            .map(AttributeValue::Integer)
            .ok_or_else(mismatch),
        (AttributeType::Boolean, toml::Value::Boolean(b)) => Ok(AttributeValue::Boolean(*b)),
        _ => Err(mismatch()),
    }
}
