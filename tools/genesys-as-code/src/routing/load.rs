//! Reading `config/routing.toml`: its queues, in their order, and its rules.

use std::collections::BTreeMap;

use secure_initiation::attributes::Schema;
use serde::Deserialize;

use super::condition::{RawCondition, check_condition};
use super::model::{DEFAULT_ROUTING_TOML, Queue, Routing, RoutingError, Rule};

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
        let queues = queues(raw.queues)?;
        let find = |id: &str| queues.iter().find(|q| q.id == id).cloned();
        let default_queue = find(&raw.default_queue).ok_or_else(|| RoutingError::Queue {
            queue: raw.default_queue.clone(),
            message: "`default_queue` names no queue under [queues]".to_owned(),
        })?;
        let mut rules: Vec<Rule> = Vec::new();
        for raw_rule in raw.rules {
            let rule = rule(raw_rule, &rules, &find, schema)?;
            rules.push(rule);
        }
        Ok(Self {
            queues,
            default_queue,
            rules,
        })
    }
}

/// The queues, in their `order` (then by id).
fn queues(raw: BTreeMap<String, RawQueue>) -> Result<Vec<Queue>, RoutingError> {
    let mut queues: Vec<(i64, Queue)> = Vec::new();
    for (id, q) in raw {
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
        let queue = Queue {
            id: id.clone(),
            name: name.to_owned(),
        };
        queues.push((q.order.unwrap_or(i64::MAX), queue));
    }
    queues.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.id.cmp(&b.1.id)));
    Ok(queues.into_iter().map(|(_, q)| q).collect())
}

/// One rule, checked against the rules before it, the queues and the schema.
fn rule(
    raw: RawRule,
    before: &[Rule],
    find: &dyn Fn(&str) -> Option<Queue>,
    schema: &Schema,
) -> Result<Rule, RoutingError> {
    let rule_err = |message: String| RoutingError::Rule {
        rule: raw.name.clone(),
        message,
    };
    if raw.name.trim().is_empty() {
        return Err(rule_err("a rule needs a name".to_owned()));
    }
    if before.iter().any(|r| r.name == raw.name) {
        return Err(rule_err("two rules have this name".to_owned()));
    }
    let queue = find(&raw.queue).ok_or_else(|| {
        rule_err(format!(
            "queue `{}` is not declared under [queues]",
            raw.queue
        ))
    })?;
    if raw.when.is_empty() {
        return Err(rule_err(
            "`when` is empty: a rule that always matches is the default queue's job".to_owned(),
        ));
    }
    let when = raw
        .when
        .iter()
        .map(|c| check_condition(c, schema).map_err(&rule_err))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Rule {
        name: raw.name.clone(),
        queue,
        when,
    })
}
