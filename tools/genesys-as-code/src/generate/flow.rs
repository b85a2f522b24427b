//! The Archy inbound message flow, generated from the attribute schema and the routing rules.
//!
//! In order, the flow:
//! 1. reads `session_hash` with Get Participant Data;
//! 2. sends a missing or empty hash to the default queue;
//! 3. calls the validate-session data action by category and action name, with
//!    `conversationId` = `Message.ConversationId`; its Failure and Timeout paths go to the
//!    default queue;
//! 4. branches on `valid`: false goes to the default queue;
//! 5. sets every exposed attribute with Set Participant Data, before any transfer (WEM takes
//!    its snapshot when the agent connects: the guide's Edge Case 3);
//! 6. routes on the routing rules, first match wins, with typed expressions (string literals
//!    for the data action's string outputs, `ToInt(...)` for integer ranges: Edge Case 1);
//! 7. transfers to ACD: the rule's queue, or the default queue.
//!
//! Names that differ per deployment are `{{...}}` substitutions, filled by the
//! `genesyscloud_flow` resource (infra/genesys/terraform/flow.tf) or, locally, by the
//! interpreter: see [`substitution_names`].

use std::collections::BTreeMap;

use secure_initiation::attributes::{AttributeType, Schema};

use super::data_actions::{ACTION_NAME, DATA_ACTION_TIMEOUT_SECS};
use crate::archy::expr::quote;
use crate::routing::{Condition, Op, Routing, RuleValue};

use super::yaml_writer::{Y, emit, exp, lit, map, no_value, one, raw, s};

/// Path of the generated flow, relative to the repository root.
pub const FLOW_PATH: &str = "infra/genesys/flows/secure-inbound-message.yaml";

/// The flow's name substitution.
pub const FLOW_NAME: &str = "flow_name";
/// The flow's division substitution.
pub const DIVISION: &str = "division";
/// The flow's language substitution.
pub const DEFAULT_LANGUAGE: &str = "default_language";
/// The data action's category (its integration's name).
pub const INTEGRATION_CATEGORY: &str = "integration_category";
/// The data action's name.
pub const DATA_ACTION_NAME: &str = "data_action_name";

/// Default flow name (Terraform's `flow_name` default and the local stack's).
pub const DEFAULT_FLOW_NAME: &str = "Secure inbound message";
/// Default division.
pub const DEFAULT_DIVISION: &str = "Home";
/// Default language.
pub const DEFAULT_LANGUAGE_VALUE: &str = "en-us";
/// Default integration category: the Web Services integration's default name
/// (infra/genesys/terraform/variables.tf).
pub const DEFAULT_CATEGORY: &str = "Secure initiation (Web Services)";

/// Flow variable holding an attribute or output (`State.<key>`).
pub fn variable(key: &str) -> String {
    format!("State.{key}")
}

/// The state's reference id (`startUpRef` points at it).
const STATE_REF: &str = "Secure initiation_10";

/// Every substitution the flow uses, in the order they first appear.
pub fn substitution_names(routing: &Routing) -> Vec<String> {
    let mut names: Vec<String> = [
        FLOW_NAME,
        DIVISION,
        DEFAULT_LANGUAGE,
        INTEGRATION_CATEGORY,
        DATA_ACTION_NAME,
    ]
    .map(str::to_owned)
    .to_vec();
    names.extend(routing.queues.iter().map(|q| q.substitution()));
    names
}

/// The values the local stack fills the substitutions with (the same as Terraform's defaults).
pub fn default_substitutions(routing: &Routing) -> BTreeMap<String, String> {
    let mut subs: BTreeMap<String, String> = [
        (FLOW_NAME, DEFAULT_FLOW_NAME),
        (DIVISION, DEFAULT_DIVISION),
        (DEFAULT_LANGUAGE, DEFAULT_LANGUAGE_VALUE),
        (INTEGRATION_CATEGORY, DEFAULT_CATEGORY),
        (DATA_ACTION_NAME, ACTION_NAME),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    for q in &routing.queues {
        subs.insert(q.substitution(), q.name.clone());
    }
    subs
}

fn placeholder(name: &str) -> String {
    format!("{{{{{name}}}}}")
}

fn action(kind: &str, name: &str, mut body: Vec<(&str, Y)>) -> Y {
    body.insert(0, ("name", s(name)));
    one(kind, map(body))
}

fn actions(list: Vec<Y>) -> Y {
    one("actions", Y::Seq(list))
}

fn transfer(name: &str, queue_substitution: &str) -> Y {
    action(
        "transferToAcd",
        name,
        vec![
            (
                "targetQueue",
                one("lit", one("name", s(&placeholder(queue_substitution)))),
            ),
            ("priority", one("lit", raw("0"))),
            ("preferredAgents", no_value()),
            ("languageSkill", no_value()),
        ],
    )
}

/// The Architect expression of one routing condition, typed for the data action's string
/// outputs: string equality for strings, booleans and integer equality (the canonical
/// spelling is the contract), `ToInt(...)` for integer ranges.
pub fn condition_expression(c: &Condition) -> String {
    let var = variable(&c.attribute);
    let one_value = |v: &RuleValue| -> String {
        match (c.ty, c.op, v) {
            (AttributeType::Integer, op, RuleValue::Int(i)) if op.is_range() => {
                format!("ToInt({var}) {} {i}", op.symbol())
            }
            (_, op, v) => format!("{var} {} {}", op.symbol(), quote(&v.canonical())),
        }
    };
    match c.op {
        Op::In if c.values.len() > 1 => {
            let parts: Vec<String> = c.values.iter().map(one_value).collect();
            format!("({})", parts.join(" or "))
        }
        _ => c
            .values
            .iter()
            .map(one_value)
            .collect::<Vec<_>>()
            .join(" or "),
    }
}

/// The flow's Archy YAML.
pub fn inbound_message_flow(schema: &Schema, routing: &Routing) -> String {
    let hash_key = schema.session_hash_key();
    let hash_var = variable(hash_key);
    let default_sub = routing.default_queue.substitution();

    let mut variables = vec![
        one(
            "stringVariable",
            map(vec![("name", s(&hash_var)), ("initialValue", no_value())]),
        ),
        one(
            "booleanVariable",
            map(vec![
                ("name", s(&variable("valid"))),
                ("initialValue", no_value()),
            ]),
        ),
        one(
            "stringVariable",
            map(vec![
                ("name", s(&variable("reason"))),
                ("initialValue", no_value()),
            ]),
        ),
    ];
    for def in schema.exposed() {
        variables.push(one(
            "stringVariable",
            map(vec![
                ("name", s(&variable(def.key()))),
                ("initialValue", no_value()),
            ]),
        ));
    }

    let mut success_outputs = vec![
        ("valid".to_owned(), one("var", s(&variable("valid")))),
        ("reason".to_owned(), one("var", s(&variable("reason")))),
        ("participant_update".to_owned(), no_value()),
    ];
    for def in schema.exposed() {
        success_outputs.push((def.key().to_owned(), one("var", s(&variable(def.key())))));
    }
    let failure_outputs = [
        "errorCode",
        "status",
        "correlationId",
        "entityId",
        "entityName",
        "userMessage",
        "userParamsMessage",
        "userParams.key",
        "userParams.value",
        "details.errorCode",
        "details.fieldName",
        "details.entityId",
        "details.entityName",
    ]
    .iter()
    .map(|k| ((*k).to_owned(), no_value()))
    .collect();

    let set_data = action(
        "setParticipantData",
        "Set the verified attributes",
        vec![(
            "attributes",
            Y::Seq(
                schema
                    .exposed()
                    .map(|def| {
                        one(
                            "attribute",
                            map(vec![
                                ("name", lit(def.key())),
                                ("value", exp(&variable(def.key()))),
                            ]),
                        )
                    })
                    .collect(),
            ),
        )],
    );
    let cases: Vec<Y> = routing
        .rules
        .iter()
        .map(|rule| {
            let condition: Vec<String> = rule.when.iter().map(condition_expression).collect();
            one(
                "case",
                map(vec![
                    ("value", exp(&condition.join(" and "))),
                    (
                        "actions",
                        Y::Seq(vec![transfer(
                            &format!("Transfer: {}", rule.name),
                            &rule.queue.substitution(),
                        )]),
                    ),
                ]),
            )
        })
        .collect();
    let route = action(
        "switch",
        "Route on the verified attributes",
        vec![(
            "evaluate",
            one(
                "firstTrue",
                map(vec![
                    ("cases", Y::Seq(cases)),
                    (
                        "default",
                        actions(vec![transfer("Transfer: no rule matched", &default_sub)]),
                    ),
                ]),
            ),
        )],
    );
    let valid = action(
        "decision",
        "Is the session valid?",
        vec![
            ("condition", exp(&variable("valid"))),
            (
                "outputs",
                map(vec![
                    ("yes", actions(vec![set_data, route])),
                    (
                        "no",
                        actions(vec![transfer("Transfer: session not valid", &default_sub)]),
                    ),
                ]),
            ),
        ],
    );
    let call = action(
        "callData",
        "Validate the session",
        vec![
            (
                "timeout",
                one(
                    "lit",
                    one("seconds", raw(&DATA_ACTION_TIMEOUT_SECS.to_string())),
                ),
            ),
            (
                "category",
                Y::Map(vec![(
                    placeholder(INTEGRATION_CATEGORY),
                    one(
                        "dataAction",
                        Y::Map(vec![(
                            placeholder(DATA_ACTION_NAME),
                            map(vec![
                                (
                                    "inputs",
                                    map(vec![
                                        ("sessionHash", exp(&hash_var)),
                                        ("conversationId", exp("Message.ConversationId")),
                                        ("participantId", no_value()),
                                    ]),
                                ),
                                ("successOutputs", Y::Map(success_outputs)),
                                ("failureOutputs", Y::Map(failure_outputs)),
                            ]),
                        )]),
                    ),
                )]),
            ),
            (
                "outputs",
                map(vec![
                    ("success", actions(vec![valid])),
                    (
                        "failure",
                        actions(vec![transfer("Transfer: validation failed", &default_sub)]),
                    ),
                    (
                        "timeout",
                        actions(vec![transfer(
                            "Transfer: validation timed out",
                            &default_sub,
                        )]),
                    ),
                ]),
            ),
        ],
    );
    let state_actions = vec![
        action(
            "getParticipantData",
            "Get the session hash",
            vec![(
                "attributes",
                Y::Seq(vec![one(
                    "attribute",
                    map(vec![("name", lit(hash_key)), ("variable", s(&hash_var))]),
                )]),
            )],
        ),
        action(
            "decision",
            "Is there a session hash?",
            vec![
                ("condition", exp(&format!("IsNotSetOrEmpty({hash_var})"))),
                (
                    "outputs",
                    map(vec![(
                        "yes",
                        actions(vec![transfer("Transfer: no session hash", &default_sub)]),
                    )]),
                ),
            ],
        ),
        call,
        action("disconnect", "Disconnect", vec![]),
    ];

    let flow = one(
        "inboundShortMessage",
        Y::Map(vec![
            ("name".to_owned(), Y::Str(placeholder(FLOW_NAME))),
            (
                "description".to_owned(),
                s(
                    "Validates the session hash with validate-session, sets the verified attributes, then routes on them (generated by genesys-as-code).",
                ),
            ),
            ("division".to_owned(), Y::Str(placeholder(DIVISION))),
            (
                "startUpRef".to_owned(),
                Y::Str(format!("/inboundShortMessage/states/state[{STATE_REF}]")),
            ),
            (
                "defaultLanguage".to_owned(),
                Y::Str(placeholder(DEFAULT_LANGUAGE)),
            ),
            (
                "supportedLanguages".to_owned(),
                Y::Map(vec![(
                    placeholder(DEFAULT_LANGUAGE),
                    one("defaultLanguageSkill", no_value()),
                )]),
            ),
            (
                "settingsErrorHandling".to_owned(),
                one("errorHandling", one("disconnect", one("none", raw("true")))),
            ),
            (
                "states".to_owned(),
                Y::Seq(vec![one(
                    "state",
                    map(vec![
                        ("name", s("Secure initiation")),
                        ("refId", s(STATE_REF)),
                        ("variables", Y::Seq(variables)),
                        ("actions", Y::Seq(state_actions)),
                    ]),
                )]),
            ),
        ]),
    );

    let mut out = String::from(
        "# Generated from config/attributes.toml and config/routing.toml by\n\
         # `cargo run -p genesys-as-code --bin generate-artifacts`; do not edit by hand.\n\
         #\n\
         # Deployed by infra/genesys/terraform/flow.tf (genesyscloud_flow), which fills the\n\
         # double-brace substitutions; the local stack runs this file with its own values.\n\
         # Lint a flow of your own against the same rules:\n\
         #   cargo run -p genesys-as-code --bin lint-flow -- FLOW.yaml\n",
    );
    emit(&flow, 0, &mut out);
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::archy::{flow, template};

    #[test]
    fn the_flow_uses_exactly_the_declared_substitutions() {
        let schema = Schema::default_schema().unwrap();
        let routing = Routing::default_routing(&schema).unwrap();
        let text = inbound_message_flow(&schema, &routing);
        let mut used: Vec<String> = template::placeholders(&text)
            .unwrap()
            .into_iter()
            .map(|p| p.name)
            .collect();
        used.sort();
        used.dedup();
        let mut declared = substitution_names(&routing);
        declared.sort();
        assert_eq!(used, declared);
        let read = flow::read(
            &text,
            &default_substitutions(&routing),
            template::Unfilled::Refuse,
        )
        .unwrap();
        assert_eq!(read.kind, "inboundShortMessage");
        assert_eq!(read.name.as_deref(), Some(DEFAULT_FLOW_NAME));
    }

    #[test]
    fn conditions_are_typed_for_string_outputs() {
        let c = |attribute: &str, ty, op, values| Condition {
            attribute: attribute.to_owned(),
            ty,
            op,
            values,
        };
        assert_eq!(
            condition_expression(&c(
                "priority_tier",
                AttributeType::Integer,
                Op::Eq,
                vec![RuleValue::Int(3)]
            )),
            r#"State.priority_tier == "3""#
        );
        assert_eq!(
            condition_expression(&c(
                "risk_score",
                AttributeType::Integer,
                Op::Ge,
                vec![RuleValue::Int(50)]
            )),
            "ToInt(State.risk_score) >= 50"
        );
        assert_eq!(
            condition_expression(&c(
                "geo_segment",
                AttributeType::String,
                Op::In,
                vec![RuleValue::Str("emea".into()), RuleValue::Str("apac".into())]
            )),
            r#"(State.geo_segment == "emea" or State.geo_segment == "apac")"#
        );
        assert_eq!(
            condition_expression(&c(
                "authenticated",
                AttributeType::Boolean,
                Op::Eq,
                vec![RuleValue::Bool(true)]
            )),
            r#"State.authenticated == "true""#
        );
    }
}
