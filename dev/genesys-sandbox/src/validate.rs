//! Checks an initiation body against the guide's schema, the way a strict API gateway would:
//! `widgetId` (UUID, equal to the path's), `customAttributes` (flat string map),
//! `initialMessage` (optional string), `routing.queueId` (UUID) and
//! `routing.routingConfig.skillRequirements` (`[{skillId: UUID, level: integer}]`). Unknown
//! fields are refused, so a client that drifts from the contract is caught in tests.

use std::collections::BTreeMap;

use serde_json::{Map, Value};
use uuid::Uuid;

use crate::conversation::{NewConversation, SkillRequirement};
use crate::errors::FieldProblem;

/// A Genesys id: a hyphenated UUID.
pub(crate) fn is_uuid(s: &str) -> bool {
    s.len() == 36 && Uuid::try_parse(s).is_ok()
}

pub(crate) fn initiation(
    path_widget_id: &str,
    body: &Value,
) -> Result<NewConversation, Vec<FieldProblem>> {
    let mut problems = Vec::new();
    let Some(obj) = body.as_object() else {
        return Err(vec![FieldProblem::new("body", "must be a JSON object")]);
    };
    unknown_fields(
        obj,
        &["widgetId", "customAttributes", "initialMessage", "routing"],
        "",
        &mut problems,
    );

    let widget_id = match obj.get("widgetId") {
        Some(Value::String(w)) if is_uuid(w) => {
            if w != path_widget_id {
                problems.push(FieldProblem::new(
                    "widgetId",
                    "must equal the widget id in the path",
                ));
            }
            w.clone()
        }
        Some(_) => {
            problems.push(FieldProblem::new("widgetId", "must be a UUID string"));
            String::new()
        }
        None => {
            problems.push(FieldProblem::new("widgetId", "is required"));
            String::new()
        }
    };

    let custom_attributes = custom_attributes(obj.get("customAttributes"), &mut problems);

    let initial_message = match obj.get("initialMessage") {
        None | Some(Value::Null) => None,
        Some(Value::String(m)) => Some(m.clone()),
        Some(_) => {
            problems.push(FieldProblem::new("initialMessage", "must be a string"));
            None
        }
    };

    let (queue_id, skills) = routing(obj.get("routing"), &mut problems);

    if problems.is_empty() {
        Ok(NewConversation {
            widget_id,
            queue_id,
            skills,
            initial_message,
            custom_attributes,
        })
    } else {
        Err(problems)
    }
}

/// `customAttributes`: a flat string map (also what Messenger's `Database.set` takes).
pub(crate) fn custom_attributes(
    value: Option<&Value>,
    problems: &mut Vec<FieldProblem>,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    match value {
        Some(Value::Object(map)) => {
            for (k, v) in map {
                match v {
                    Value::String(s) => {
                        out.insert(k.clone(), s.clone());
                    }
                    _ => problems.push(FieldProblem::new(
                        format!("customAttributes.{k}"),
                        "must be a string (custom attributes are a flat string map)",
                    )),
                }
            }
        }
        Some(_) => problems.push(FieldProblem::new(
            "customAttributes",
            "must be an object of string values",
        )),
        None => problems.push(FieldProblem::new("customAttributes", "is required")),
    }
    out
}

fn routing(
    value: Option<&Value>,
    problems: &mut Vec<FieldProblem>,
) -> (String, Vec<SkillRequirement>) {
    let Some(value) = value else {
        problems.push(FieldProblem::new("routing", "is required"));
        return (String::new(), Vec::new());
    };
    let Some(routing) = value.as_object() else {
        problems.push(FieldProblem::new("routing", "must be an object"));
        return (String::new(), Vec::new());
    };
    unknown_fields(routing, &["queueId", "routingConfig"], "routing.", problems);
    let queue_id = match routing.get("queueId") {
        Some(Value::String(q)) if is_uuid(q) => q.clone(),
        Some(_) => {
            problems.push(FieldProblem::new(
                "routing.queueId",
                "must be a UUID string",
            ));
            String::new()
        }
        None => {
            problems.push(FieldProblem::new("routing.queueId", "is required"));
            String::new()
        }
    };
    let mut skills = Vec::new();
    match routing.get("routingConfig") {
        None | Some(Value::Null) => {}
        Some(Value::Object(config)) => {
            unknown_fields(
                config,
                &["skillRequirements"],
                "routing.routingConfig.",
                problems,
            );
            match config.get("skillRequirements") {
                None | Some(Value::Null) => {}
                Some(Value::Array(items)) => {
                    for (i, item) in items.iter().enumerate() {
                        if let Some(skill) = skill(i, item, problems) {
                            skills.push(skill);
                        }
                    }
                }
                Some(_) => problems.push(FieldProblem::new(
                    "routing.routingConfig.skillRequirements",
                    "must be an array",
                )),
            }
        }
        Some(_) => problems.push(FieldProblem::new(
            "routing.routingConfig",
            "must be an object",
        )),
    }
    (queue_id, skills)
}

fn skill(i: usize, item: &Value, problems: &mut Vec<FieldProblem>) -> Option<SkillRequirement> {
    let field = format!("routing.routingConfig.skillRequirements[{i}]");
    let Some(obj) = item.as_object() else {
        problems.push(FieldProblem::new(field, "must be an object"));
        return None;
    };
    unknown_fields(obj, &["skillId", "level"], &format!("{field}."), problems);
    let skill_id = match obj.get("skillId") {
        Some(Value::String(s)) if is_uuid(s) => Some(s.clone()),
        _ => {
            problems.push(FieldProblem::new(
                format!("{field}.skillId"),
                "must be a UUID string",
            ));
            None
        }
    };
    let level = match obj.get("level").and_then(Value::as_i64) {
        Some(l) => Some(l),
        None => {
            problems.push(FieldProblem::new(
                format!("{field}.level"),
                "must be an integer",
            ));
            None
        }
    };
    Some(SkillRequirement {
        skill_id: skill_id?,
        level: level?,
    })
}

fn unknown_fields(
    obj: &Map<String, Value>,
    known: &[&str],
    prefix: &str,
    problems: &mut Vec<FieldProblem>,
) {
    for k in obj.keys() {
        if !known.contains(&k.as_str()) {
            problems.push(FieldProblem::new(
                format!("{prefix}{k}"),
                "is not a known field",
            ));
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    const W: &str = "8f1d2a47-6c1e-4c52-9a51-2f1f0b7b6a10";
    const Q: &str = "0c6f7a1e-2b9d-4a3c-8e5f-1d2c3b4a5e6f";
    const S: &str = "5b4a3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d";

    fn good() -> Value {
        json!({
            "widgetId": W,
            "customAttributes": {"priority_tier": "2", "order_id": "88472"},
            "initialMessage": "I need help with order 88472.",
            "routing": {"queueId": Q, "routingConfig": {"skillRequirements": [{"skillId": S, "level": 1}]}}
        })
    }

    fn fields(problems: Vec<FieldProblem>) -> Vec<String> {
        problems.into_iter().map(|p| p.field).collect()
    }

    #[test]
    fn the_guides_payload_is_accepted() {
        let new = initiation(W, &good()).unwrap();
        assert_eq!(new.queue_id, Q);
        assert_eq!(
            new.skills,
            vec![SkillRequirement {
                skill_id: S.to_owned(),
                level: 1
            }]
        );
        assert_eq!(new.custom_attributes["order_id"], "88472");
    }

    #[test]
    fn a_nested_or_numeric_custom_attribute_is_refused() {
        let mut body = good();
        body["customAttributes"]["tier"] = json!(2);
        body["customAttributes"]["ctx"] = json!({"tier": "2"});
        let problems = fields(initiation(W, &body).unwrap_err());
        assert_eq!(
            problems,
            vec!["customAttributes.ctx", "customAttributes.tier"]
        );
    }

    #[test]
    fn a_widget_id_differing_from_the_path_is_refused() {
        let other = "11111111-2222-4333-8444-555555555555";
        let problems = fields(initiation(other, &good()).unwrap_err());
        assert_eq!(problems, vec!["widgetId"]);
    }

    #[test]
    fn non_uuid_ids_and_fractional_levels_are_refused() {
        let mut body = good();
        body["routing"]["queueId"] = json!("your-default-queue-id");
        body["routing"]["routingConfig"]["skillRequirements"][0]["level"] = json!(1.5);
        body["extra"] = json!(true);
        let problems = fields(initiation(W, &body).unwrap_err());
        assert_eq!(
            problems,
            vec![
                "extra",
                "routing.queueId",
                "routing.routingConfig.skillRequirements[0].level"
            ]
        );
    }
}
