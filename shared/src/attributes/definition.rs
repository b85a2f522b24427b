//! One `[[attribute]]` table into an [`AttributeDef`]: each rule is a small named check, run in
//! the order the errors are documented (key, settings, type, rules, source, consistency).

use std::collections::BTreeMap;

use regex_lite::Regex;
use serde::Deserialize;

use super::error::SchemaError;
use super::schema::{
    AttributeDef, Computed, ContextField, MAX_KEY_LEN, RESERVED_KEYS, RiskField, Source, Verify,
    Visibility,
};
use super::source::{parse_source, toml_scalar};
use super::value::AttributeType;

#[derive(Deserialize)]
pub(super) struct RawAttribute {
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
    verify: Option<String>,
    #[serde(flatten)]
    unknown: BTreeMap<String, toml::Value>,
}

pub(super) fn parse_attribute(raw: RawAttribute) -> Result<AttributeDef, SchemaError> {
    let key = raw.key;
    check_key(&key)?;
    if let Some(setting) = raw.unknown.keys().next() {
        return Err(SchemaError::UnknownSetting {
            key,
            setting: setting.clone(),
        });
    }
    check_entity(&key, raw.entity.as_deref())?;
    let ty = parse_type(&key, raw.ty.as_deref())?;
    let visibility = parse_visibility(&key, raw.visibility.as_deref())?;
    check_rules_fit_type(
        &key,
        ty,
        raw.pattern.as_deref(),
        raw.max_len,
        raw.min,
        raw.max,
    )?;
    let max_len = parse_max_len(&key, raw.max_len)?;
    let pattern = compile_pattern(&key, raw.pattern)?;
    let source = parse_source(&key, ty, raw.source)?;
    let verify = parse_verify(&key, &source, raw.verify.as_deref())?;
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
        verify,
    };
    if let Some(values) = raw.allowed {
        def.allowed = Some(parse_enum(&def, &values)?);
    }
    check_static(&def)?;
    check_source_type(&def)?;
    check_bounded(def)
}

/// `verify = "ownership"`: only a request field can be vouched for by the site.
fn parse_verify(
    key: &str,
    source: &Source,
    verify: Option<&str>,
) -> Result<Option<Verify>, SchemaError> {
    match (verify, source) {
        (None, _) => Ok(None),
        (Some("ownership"), Source::Request(_)) => Ok(Some(Verify::Ownership)),
        (Some("ownership"), _) => Err(contradiction(
            key,
            "verify",
            "only an attribute sourced from a request field is verified; the others are the server's own",
        )),
        (Some(other), _) => Err(contradiction(
            key,
            "verify",
            format!("`{other}` is not a check; the one check is `ownership`"),
        )),
    }
}

fn contradiction(key: &str, rule: &'static str, detail: impl Into<String>) -> SchemaError {
    SchemaError::Contradiction {
        key: key.to_owned(),
        rule,
        detail: detail.into(),
    }
}

fn check_key(key: &str) -> Result<(), SchemaError> {
    if let Err(reason) = valid_key(key) {
        return Err(SchemaError::BadKey {
            key: key.to_owned(),
            reason,
        });
    }
    if RESERVED_KEYS.contains(&key) {
        return Err(SchemaError::ReservedKey {
            key: key.to_owned(),
        });
    }
    Ok(())
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

/// A setting without a default: its value, or which one is missing.
fn required<'a>(
    key: &str,
    setting: &'static str,
    value: Option<&'a str>,
) -> Result<&'a str, SchemaError> {
    value.ok_or_else(|| SchemaError::MissingSetting {
        key: key.to_owned(),
        setting,
    })
}

fn check_entity(key: &str, entity: Option<&str>) -> Result<(), SchemaError> {
    match required(key, "entity", entity)? {
        "participant" => Ok(()),
        other => Err(SchemaError::Entity {
            key: key.to_owned(),
            entity: other.to_owned(),
        }),
    }
}

fn parse_type(key: &str, ty: Option<&str>) -> Result<AttributeType, SchemaError> {
    match required(key, "type", ty)? {
        "string" => Ok(AttributeType::String),
        "integer" => Ok(AttributeType::Integer),
        "boolean" => Ok(AttributeType::Boolean),
        other => Err(SchemaError::UnknownType {
            key: key.to_owned(),
            found: other.to_owned(),
        }),
    }
}

fn parse_visibility(key: &str, visibility: Option<&str>) -> Result<Visibility, SchemaError> {
    match visibility {
        Some("visible") => Ok(Visibility::Visible),
        Some("hidden") | None => Ok(Visibility::Hidden),
        Some(other) => Err(SchemaError::BadVisibility {
            key: key.to_owned(),
            found: other.to_owned(),
        }),
    }
}

/// `pattern` and `max_len` apply to strings, `min` and `max` to integers, and a range is not
/// upside down.
fn check_rules_fit_type(
    key: &str,
    ty: AttributeType,
    pattern: Option<&str>,
    max_len: Option<i64>,
    min: Option<i64>,
    max: Option<i64>,
) -> Result<(), SchemaError> {
    if ty != AttributeType::String {
        if pattern.is_some() {
            let detail = format!("`pattern` applies to strings, not {ty}");
            return Err(contradiction(key, "pattern", detail));
        }
        if max_len.is_some() {
            let detail = format!("`max_len` applies to strings, not {ty}");
            return Err(contradiction(key, "max_len", detail));
        }
    }
    if ty != AttributeType::Integer && (min.is_some() || max.is_some()) {
        let detail = format!("`min`/`max` apply to integers, not {ty}");
        return Err(contradiction(key, "range", detail));
    }
    if let (Some(lo), Some(hi)) = (min, max)
        && lo > hi
    {
        return Err(contradiction(
            key,
            "range",
            format!("`min` {lo} is above `max` {hi}"),
        ));
    }
    Ok(())
}

fn parse_max_len(key: &str, max_len: Option<i64>) -> Result<Option<usize>, SchemaError> {
    match max_len {
        None => Ok(None),
        Some(n) if (1..=1024).contains(&n) => Ok(usize::try_from(n).ok()),
        Some(n) => {
            let detail = format!("`max_len` {n} is outside 1..=1024");
            Err(contradiction(key, "max_len", detail))
        }
    }
}

/// The pattern as written, and compiled to match the whole value.
fn compile_pattern(
    key: &str,
    pattern: Option<String>,
) -> Result<Option<(String, Regex)>, SchemaError> {
    let Some(p) = pattern else { return Ok(None) };
    match Regex::new(&format!("^(?:{p})$")) {
        Ok(re) => Ok(Some((p, re))),
        Err(e) => Err(SchemaError::BadPattern {
            key: key.to_owned(),
            pattern: p,
            message: e.to_string(),
        }),
    }
}

/// The `enum` values in canonical form: at least one, each obeying the attribute's other rules,
/// none twice.
fn parse_enum(def: &AttributeDef, values: &[toml::Value]) -> Result<Vec<String>, SchemaError> {
    if values.is_empty() {
        return Err(contradiction(&def.key, "enum", "`enum` lists no value"));
    }
    let mut allowed = Vec::with_capacity(values.len());
    for v in values {
        let value = toml_scalar(&def.key, def.ty, v, "enum")?;
        if let Err(e) = def.check_rules(&value) {
            let detail = format!(
                "enum value `{}` breaks rule `{}`",
                value.canonical(),
                e.rule()
            );
            return Err(contradiction(&def.key, "enum", detail));
        }
        let canonical = value.canonical().into_owned();
        if allowed.contains(&canonical) {
            let detail = format!("enum value `{canonical}` is listed twice");
            return Err(contradiction(&def.key, "enum", detail));
        }
        allowed.push(canonical);
    }
    Ok(allowed)
}

fn check_static(def: &AttributeDef) -> Result<(), SchemaError> {
    if let Source::Static(value) = &def.source
        && let Err(e) = def.check_rules(value)
    {
        let detail = format!("the static value breaks rule `{}`", e.rule());
        return Err(contradiction(&def.key, "static", detail));
    }
    Ok(())
}

/// A value the backend supplies has one type, and the attribute must declare it.
fn check_source_type(def: &AttributeDef) -> Result<(), SchemaError> {
    let (needed, detail) = match def.source {
        Source::Computed(Computed::SessionHash) => {
            (AttributeType::String, "`session_hash` is a string")
        }
        Source::Context(ContextField::ClientIp) => {
            (AttributeType::String, "`client_ip` is a string")
        }
        Source::Risk(RiskField::Score) => {
            (AttributeType::Integer, "the risk `score` is an integer")
        }
        _ => return Ok(()),
    };
    if def.ty == needed {
        Ok(())
    } else {
        Err(contradiction(&def.key, "source", detail))
    }
}

/// A string that is not static needs an upper bound, or the byte budget cannot be checked.
fn check_bounded(def: AttributeDef) -> Result<AttributeDef, SchemaError> {
    if def.ty == AttributeType::String
        && def.max_len.is_none()
        && def.allowed.is_none()
        && !matches!(def.source, Source::Static(_))
    {
        return Err(SchemaError::Unbounded { key: def.key });
    }
    Ok(def)
}
