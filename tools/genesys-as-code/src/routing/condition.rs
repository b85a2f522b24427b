//! One condition of a rule, checked against the schema: the attribute may be routed on and is
//! returned by the data action, the operator fits its type, and every value is one it can
//! take.

use secure_initiation::attributes::{AttributeDef, AttributeType, Schema};
use serde::Deserialize;

use super::model::{Condition, Op, RuleValue};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCondition {
    attribute: String,
    op: String,
    value: toml::Value,
}

fn show(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => format!("{s:?}"),
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Float(f) => f.to_string(),
        toml::Value::Boolean(b) => b.to_string(),
        other => other.type_str().to_owned(),
    }
}

fn article(ty: AttributeType) -> &'static str {
    match ty {
        AttributeType::Integer => "an integer",
        AttributeType::String => "a string",
        AttributeType::Boolean => "a boolean",
    }
}

/// Checks one condition against the schema.
pub(super) fn check_condition(raw: &RawCondition, schema: &Schema) -> Result<Condition, String> {
    let key = &raw.attribute;
    let def = routable(schema, key)?;
    let op = operator(raw, def)?;
    let raw_values: Vec<&toml::Value> = match (&raw.value, op) {
        (toml::Value::Array(items), Op::In) if !items.is_empty() => items.iter().collect(),
        (_, Op::In) => return Err("`in` takes a non-empty list of values".to_owned()),
        (toml::Value::Array(_), _) => {
            return Err(format!(
                "`{}` takes one value (use `in` for a list)",
                raw.op
            ));
        }
        (v, _) => vec![v],
    };
    let values = raw_values
        .into_iter()
        .map(|v| value(def, op, v))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Condition {
        attribute: key.clone(),
        ty: def.ty(),
        op,
        values,
    })
}

/// The attribute, if the flow may route on it.
fn routable<'s>(schema: &'s Schema, key: &str) -> Result<&'s AttributeDef, String> {
    let def = schema
        .attribute(key)
        .ok_or_else(|| format!("`{key}` is not an attribute of config/attributes.toml"))?;
    if !def.routing() {
        return Err(format!(
            "`{key}` is not a routing attribute (set `routing = true` in config/attributes.toml)"
        ));
    }
    if !def.expose() {
        return Err(format!(
            "`{key}` is not returned by the data action (`expose = false`): the flow can only route on what validate-session returns"
        ));
    }
    Ok(def)
}

/// The operator, if it fits the attribute's type.
fn operator(raw: &RawCondition, def: &AttributeDef) -> Result<Op, String> {
    let key = def.key();
    let op = Op::parse(&raw.op).ok_or_else(|| {
        format!(
            "operator `{}` is not one of ==, !=, <, <=, >, >=, in",
            raw.op
        )
    })?;
    let ty = def.ty();
    if op.is_range() && ty != AttributeType::Integer {
        return Err(format!(
            "`{}` orders values, but `{key}` is {} attribute: only integers have ranges",
            raw.op,
            article(ty)
        ));
    }
    if op.is_range() && !def.required() {
        return Err(format!(
            "a range on `{key}` needs `required = true`: the flow converts it with ToInt, which fails on an empty value"
        ));
    }
    Ok(op)
}

/// One value, if it has the attribute's type and is one the attribute can take.
fn value(def: &AttributeDef, op: Op, v: &toml::Value) -> Result<RuleValue, String> {
    let (key, ty) = (def.key(), def.ty());
    let value = match (ty, v) {
        (AttributeType::String, toml::Value::String(s)) => RuleValue::Str(s.clone()),
        (AttributeType::Integer, toml::Value::Integer(i)) => RuleValue::Int(*i),
        (AttributeType::Boolean, toml::Value::Boolean(b)) => RuleValue::Bool(*b),
        (_, other) => {
            return Err(format!(
                "`{key}` is {} attribute, compared with the {} {}",
                article(ty),
                other.type_str(),
                show(other)
            ));
        }
    };
    match &value {
        RuleValue::Str(s) => {
            if let Some(allowed) = def.allowed()
                && !allowed.contains(s)
            {
                return Err(format!(
                    "`{key}` is one of {}; \"{s}\" can never match",
                    allowed.join(", ")
                ));
            }
            if s.contains(['"', '\\', '\n']) {
                return Err(format!(
                    "the value for `{key}` holds a quote, backslash or line break"
                ));
            }
        }
        RuleValue::Int(i) => {
            let (lo, hi) = (def.min().unwrap_or(i64::MIN), def.max().unwrap_or(i64::MAX));
            if !(lo..=hi).contains(i) {
                return Err(format!(
                    "`{key}` ranges over {}..={}; {i} is outside it",
                    def.min().map_or_else(String::new, |v| v.to_string()),
                    def.max().map_or_else(String::new, |v| v.to_string()),
                ));
            }
        }
        RuleValue::Bool(_) if !matches!(op, Op::Eq | Op::Ne) => {
            return Err(format!("`{key}` is a boolean: compare it with == or !="));
        }
        RuleValue::Bool(_) => {}
    }
    Ok(value)
}
