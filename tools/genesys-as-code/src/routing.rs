//! The routing rules (`config/routing.toml`): which verified attributes send a conversation
//! to which queue. The generated inbound message flow evaluates them in order, first match
//! wins, on the validate-session outputs only; every conversation that matches none, and every
//! one that is not validated, goes to the default queue.
//!
//! The rules are checked against the attribute schema when they are loaded: a rule may only
//! compare an attribute the schema marks `routing` and `expose` (so the data action returns
//! it), with a value of the attribute's type that the schema allows (its `enum`, its
//! `min..=max`). A range on an integer attribute needs it `required`: the flow converts it with
//! `ToInt`, which fails on an empty value.

use std::collections::BTreeMap;

use secure_initiation::attributes::{AttributeType, Schema};
use serde::Deserialize;

/// Path of the routing rules, relative to the repository root.
pub const ROUTING_PATH: &str = "config/routing.toml";

/// The committed routing rules.
pub const DEFAULT_ROUTING_TOML: &str = include_str!("../../../config/routing.toml");

/// A queue the flow may transfer to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queue {
    /// The id used in rules and in the flow's substitution (`queue_<id>`).
    pub id: String,
    /// The Genesys Cloud queue name the deployment uses unless told otherwise.
    pub name: String,
}

impl Queue {
    /// The Archy substitution that carries this queue's name.
    pub fn substitution(&self) -> String {
        format!("queue_{}", self.id)
    }
}

/// A comparison operator of a rule condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `in`: one of a list.
    In,
}

impl Op {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "==" => Self::Eq,
            "!=" => Self::Ne,
            "<" => Self::Lt,
            "<=" => Self::Le,
            ">" => Self::Gt,
            ">=" => Self::Ge,
            "in" => Self::In,
            _ => return None,
        })
    }

    /// The Architect spelling (`in` has none: it becomes `or`ed equalities).
    pub fn symbol(self) -> &'static str {
        match self {
            Self::Eq | Self::In => "==",
            Self::Ne => "!=",
            Self::Lt => "<",
            Self::Le => "<=",
            Self::Gt => ">",
            Self::Ge => ">=",
        }
    }

    /// Whether this orders values (only integers are ordered).
    pub fn is_range(self) -> bool {
        matches!(self, Self::Lt | Self::Le | Self::Gt | Self::Ge)
    }
}

/// A checked value of a condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleValue {
    /// A string attribute's value.
    Str(String),
    /// An integer attribute's value.
    Int(i64),
    /// A boolean attribute's value.
    Bool(bool),
}

impl RuleValue {
    /// The canonical string the data action returns for this value (`2`, `true`, `emea`).
    pub fn canonical(&self) -> String {
        match self {
            Self::Str(s) => s.clone(),
            Self::Int(i) => i.to_string(),
            Self::Bool(b) => b.to_string(),
        }
    }
}

/// One checked condition: `attribute op value(s)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// The schema attribute.
    pub attribute: String,
    /// Its type.
    pub ty: AttributeType,
    /// The operator.
    pub op: Op,
    /// One value, or several for `in`.
    pub values: Vec<RuleValue>,
}

/// One checked rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// Its name (the flow's case is named after it).
    pub name: String,
    /// Where it sends a match.
    pub queue: Queue,
    /// All must hold.
    pub when: Vec<Condition>,
}

/// The checked routing rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routing {
    /// Every queue, in file order.
    pub queues: Vec<Queue>,
    /// The default queue.
    pub default_queue: Queue,
    /// The rules, in order.
    pub rules: Vec<Rule>,
}

/// Why the routing rules were refused. Every message names the rule or queue at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoutingError {
    /// Not TOML, or not the expected shape.
    #[error("config/routing.toml: {0}")]
    Parse(String),
    /// A queue is wrong.
    #[error("queue `{queue}`: {message}")]
    Queue {
        /// The queue id.
        queue: String,
        /// What is wrong.
        message: String,
    },
    /// A rule is wrong.
    #[error("rule `{rule}`: {message}")]
    Rule {
        /// The rule's name.
        rule: String,
        /// What is wrong.
        message: String,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRouting {
    default_queue: String,
    queues: BTreeMap<String, RawQueue>,
    #[serde(default, rename = "rule")]
    rules: Vec<RawRule>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQueue {
    name: String,
    #[serde(default)]
    order: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    name: String,
    queue: String,
    when: Vec<RawCondition>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCondition {
    attribute: String,
    op: String,
    value: toml::Value,
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

impl Routing {
    /// The committed rules, checked against the committed schema.
    pub fn default_routing(schema: &Schema) -> Result<Self, RoutingError> {
        Self::from_toml(DEFAULT_ROUTING_TOML, schema)
    }

    /// Parses and checks routing rules against `schema`.
    pub fn from_toml(text: &str, schema: &Schema) -> Result<Self, RoutingError> {
        let raw: RawRouting =
            toml::from_str(text).map_err(|e| RoutingError::Parse(e.to_string()))?;
        let mut queues: Vec<(i64, Queue)> = Vec::new();
        for (id, q) in raw.queues {
            let bad = |message: &str| RoutingError::Queue {
                queue: id.clone(),
                message: message.to_owned(),
            };
            if !valid_id(&id) {
                return Err(bad(
                    "ids are lowercase letters, digits and `_` (the flow's substitution is `queue_<id>`)",
                ));
            }
            let name = q.name.trim();
            if name.is_empty() || name.contains(['\n', '\r', '"', '{', '}']) {
                return Err(bad(
                    "the name must be a non-empty Genesys queue name without quotes, braces or line breaks",
                ));
            }
            queues.push((
                q.order.unwrap_or(i64::MAX),
                Queue {
                    id: id.clone(),
                    name: name.to_owned(),
                },
            ));
        }
        queues.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.id.cmp(&b.1.id)));
        let queues: Vec<Queue> = queues.into_iter().map(|(_, q)| q).collect();
        let find = |id: &str| queues.iter().find(|q| q.id == id).cloned();
        let default_queue = find(&raw.default_queue).ok_or_else(|| RoutingError::Queue {
            queue: raw.default_queue.clone(),
            message: "`default_queue` names no queue under [queues]".to_owned(),
        })?;
        let mut rules = Vec::new();
        for raw_rule in raw.rules {
            let rule_err = |message: String| RoutingError::Rule {
                rule: raw_rule.name.clone(),
                message,
            };
            if raw_rule.name.trim().is_empty() {
                return Err(rule_err("a rule needs a name".to_owned()));
            }
            if rules.iter().any(|r: &Rule| r.name == raw_rule.name) {
                return Err(rule_err("two rules have this name".to_owned()));
            }
            let queue = find(&raw_rule.queue).ok_or_else(|| {
                rule_err(format!(
                    "queue `{}` is not declared under [queues]",
                    raw_rule.queue
                ))
            })?;
            if raw_rule.when.is_empty() {
                return Err(rule_err(
                    "`when` is empty: a rule that always matches is the default queue's job"
                        .to_owned(),
                ));
            }
            let when = raw_rule
                .when
                .iter()
                .map(|c| check_condition(c, schema).map_err(&rule_err))
                .collect::<Result<Vec<_>, _>>()?;
            rules.push(Rule {
                name: raw_rule.name.clone(),
                queue,
                when,
            });
        }
        Ok(Self {
            queues,
            default_queue,
            rules,
        })
    }
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

fn check_condition(raw: &RawCondition, schema: &Schema) -> Result<Condition, String> {
    let key = &raw.attribute;
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
    let mut values = Vec::new();
    for v in raw_values {
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
            RuleValue::Bool(_) => {
                if !matches!(op, Op::Eq | Op::Ne) {
                    return Err(format!("`{key}` is a boolean: compare it with == or !="));
                }
            }
        }
        values.push(value);
    }
    Ok(Condition {
        attribute: key.clone(),
        ty,
        op,
        values,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn schema() -> Schema {
        Schema::default_schema().unwrap()
    }

    fn with_rule(when: &str) -> Result<Routing, RoutingError> {
        Routing::from_toml(
            &format!(
                "default_queue = \"general\"\n[queues]\ngeneral = {{ name = \"General\" }}\nvip = {{ name = \"VIP\" }}\n\n[[rule]]\nname = \"the rule\"\nqueue = \"vip\"\nwhen = [{when}]\n"
            ),
            &schema(),
        )
    }

    #[test]
    fn the_committed_rules_pass_the_committed_schema() {
        let routing = Routing::default_routing(&schema()).unwrap();
        assert!(!routing.rules.is_empty());
        assert!(routing.queues.contains(&routing.default_queue));
    }

    #[test]
    fn an_integer_attribute_compared_with_a_string_names_the_rule() {
        let err =
            with_rule(r#"{ attribute = "priority_tier", op = "==", value = "3" }"#).unwrap_err();
        assert_eq!(
            err.to_string(),
            "rule `the rule`: `priority_tier` is an integer attribute, compared with the string \"3\""
        );
    }

    #[test]
    fn keys_the_schema_does_not_expose_or_route_on_are_errors() {
        let unknown = with_rule(r#"{ attribute = "vip", op = "==", value = "yes" }"#).unwrap_err();
        assert!(
            unknown.to_string().contains("`vip` is not an attribute"),
            "{unknown}"
        );
        let not_routing =
            with_rule(r#"{ attribute = "order_id", op = "==", value = "1" }"#).unwrap_err();
        assert!(
            not_routing.to_string().contains("not a routing attribute"),
            "{not_routing}"
        );
        let hidden =
            with_rule(r#"{ attribute = "session_hash", op = "==", value = "x" }"#).unwrap_err();
        assert!(
            hidden.to_string().starts_with("rule `the rule`"),
            "{hidden}"
        );
    }

    #[test]
    fn enums_and_ranges_of_the_schema_bound_the_values() {
        assert!(
            with_rule(r#"{ attribute = "geo_segment", op = "==", value = "mars" }"#)
                .unwrap_err()
                .to_string()
                .contains("can never match")
        );
        assert!(
            with_rule(r#"{ attribute = "priority_tier", op = ">=", value = 9 }"#)
                .unwrap_err()
                .to_string()
                .contains("outside")
        );
        assert!(
            with_rule(r#"{ attribute = "geo_segment", op = ">", value = "emea" }"#)
                .unwrap_err()
                .to_string()
                .contains("only integers")
        );
        assert!(
            with_rule(r#"{ attribute = "authenticated", op = "==", value = "true" }"#).is_err()
        );
        let ok = with_rule(r#"{ attribute = "geo_segment", op = "in", value = ["emea", "apac"] }, { attribute = "authenticated", op = "==", value = true }"#).unwrap();
        assert_eq!(ok.rules[0].when[0].values.len(), 2);
    }

    #[test]
    fn queues_must_exist_and_be_well_named() {
        let err = Routing::from_toml(
            "default_queue = \"x\"\n[queues]\ngeneral = { name = \"G\" }\n",
            &schema(),
        )
        .unwrap_err();
        assert!(err.to_string().starts_with("queue `x`"), "{err}");
        let err = Routing::from_toml("default_queue = \"general\"\n[queues]\ngeneral = { name = \"G\" }\n[[rule]]\nname = \"r\"\nqueue = \"nowhere\"\nwhen = [{ attribute = \"priority_tier\", op = \"==\", value = 3 }]\n", &schema()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "rule `r`: queue `nowhere` is not declared under [queues]"
        );
        assert!(
            Routing::from_toml(
                "default_queue = \"General\"\n[queues]\nGeneral = { name = \"G\" }\n",
                &schema()
            )
            .is_err()
        );
    }
}
