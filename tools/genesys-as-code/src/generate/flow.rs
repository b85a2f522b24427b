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
use std::time::Duration;

use secure_initiation::attributes::{AttributeType, Schema};

use super::data_actions::{ACTION_NAME, DATA_ACTION_TIMEOUT_SECS};
use crate::archy::expr::quote;
use crate::archy::flow::{
    Action, ActionKind, CallData, Case, Decision, Flow, Input, Operand, Output, QueueRef,
    ReadAttribute, Settings, State, Switch, Timeout, Transfer, VarType, Variable, WriteAttribute,
    to_yaml,
};
use crate::routing::{Condition, Op, Routing, RuleValue};

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

/// The flow's Archy YAML: the typed flow of [`inbound_message_flow_model`], written by the
/// flow serialiser under a header.
pub fn inbound_message_flow(schema: &Schema, routing: &Routing) -> String {
    let mut out = String::from(
        "# Generated from config/attributes.toml and config/routing.toml by\n\
         # `cargo run -p genesys-as-code --bin generate-artifacts`; do not edit by hand.\n\
         #\n\
         # Deployed by infra/genesys/terraform/flow.tf (genesyscloud_flow), which fills the\n\
         # double-brace substitutions; the local stack runs this file with its own values.\n\
         # Lint a flow of your own against the same rules:\n\
         #   cargo run -p genesys-as-code --bin lint-flow -- FLOW.yaml\n",
    );
    out.push_str(&to_yaml(&inbound_message_flow_model(schema, routing)));
    out
}

/// The flow as typed values, with its `{{...}}` substitutions in place.
pub fn inbound_message_flow_model(schema: &Schema, routing: &Routing) -> Flow {
    let hash_var = variable(schema.session_hash_key());
    let mut variables = vec![string_var(&hash_var)];
    variables.push(Variable {
        ty: VarType::Boolean,
        ..string_var(&variable("valid"))
    });
    variables.push(string_var(&variable("reason")));
    variables.extend(schema.exposed().map(|d| string_var(&variable(d.key()))));
    let default_queue = routing.default_queue.substitution();
    let actions = vec![
        Action::new(
            "Get the session hash",
            ActionKind::GetParticipantData(vec![ReadAttribute {
                key: Operand::Lit(schema.session_hash_key().to_owned()),
                variable: hash_var.clone(),
                line: 0,
            }]),
        ),
        decision(
            "Is there a session hash?",
            &format!("IsNotSetOrEmpty({hash_var})"),
            vec![transfer("Transfer: no session hash", &default_queue)],
            vec![],
        ),
        validate_session(schema, routing, &hash_var),
        Action::new("Disconnect", ActionKind::Disconnect),
    ];
    Flow {
        kind: "inboundShortMessage".to_owned(),
        name: Some(placeholder(FLOW_NAME)),
        settings: Settings {
            description: Some("Validates the session hash with validate-session, sets the verified attributes, then routes on them (generated by genesys-as-code).".to_owned()),
            division: Some(placeholder(DIVISION)),
            default_language: Some(placeholder(DEFAULT_LANGUAGE)),
            supported_languages: vec![placeholder(DEFAULT_LANGUAGE)],
            disconnect_on_error: true,
        },
        states: vec![State {
            name: "Secure initiation".to_owned(),
            ref_id: Some(STATE_REF.to_owned()),
            variables,
            actions,
            ..State::default()
        }],
        ..Flow::default()
    }
}

fn string_var(name: &str) -> Variable {
    Variable {
        name: name.to_owned(),
        ty: VarType::String,
        initial: Operand::NoValue,
        line: 0,
    }
}

fn transfer(name: &str, queue_substitution: &str) -> Action {
    Action::new(
        name,
        ActionKind::TransferToAcd(Transfer {
            queue: QueueRef::Name(placeholder(queue_substitution)),
            priority: Operand::Lit("0".to_owned()),
            preferred_agents: Operand::NoValue,
            language_skill: Operand::NoValue,
        }),
    )
}

fn decision(name: &str, condition: &str, yes: Vec<Action>, no: Vec<Action>) -> Action {
    let condition = Operand::exp(condition);
    Action::new(name, ActionKind::Decision(Decision { condition, yes, no }))
}

fn output(name: &str, variable: Option<String>) -> Output {
    Output {
        name: name.to_owned(),
        variable,
        line: 0,
    }
}

/// The Call Data Action of validate-session, by category and name, and what follows it.
fn validate_session(schema: &Schema, routing: &Routing, hash_var: &str) -> Action {
    let input = |name: &str, value: Operand| Input {
        name: name.to_owned(),
        value,
        line: 0,
    };
    let mut success_outputs = vec![
        output("valid", Some(variable("valid"))),
        output("reason", Some(variable("reason"))),
        output("participant_update", None),
    ];
    success_outputs.extend(
        schema
            .exposed()
            .map(|d| output(d.key(), Some(variable(d.key())))),
    );
    let default_queue = routing.default_queue.substitution();
    let valid = decision(
        "Is the session valid?",
        &variable("valid"),
        vec![set_verified_attributes(schema), route(routing)],
        vec![transfer("Transfer: session not valid", &default_queue)],
    );
    let call = CallData {
        category: placeholder(INTEGRATION_CATEGORY),
        action: placeholder(DATA_ACTION_NAME),
        action_line: 0,
        timeout: Some((
            Timeout::Duration(Duration::from_secs(DATA_ACTION_TIMEOUT_SECS.into())),
            0,
        )),
        inputs: vec![
            input("sessionHash", Operand::exp(hash_var)),
            input("conversationId", Operand::exp("Message.ConversationId")),
            input("participantId", Operand::NoValue),
        ],
        success_outputs,
        failure_outputs: FAILURE_OUTPUTS.iter().map(|k| output(k, None)).collect(),
        success: Some(vec![valid]),
        failure: Some(vec![transfer(
            "Transfer: validation failed",
            &default_queue,
        )]),
        on_timeout: Some(vec![transfer(
            "Transfer: validation timed out",
            &default_queue,
        )]),
    };
    Action::new("Validate the session", ActionKind::CallData(Box::new(call)))
}

/// The failure outputs of a Call Data Action, none of them mapped.
const FAILURE_OUTPUTS: &[&str] = &[
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
];

fn set_verified_attributes(schema: &Schema) -> Action {
    let writes = schema
        .exposed()
        .map(|def| WriteAttribute {
            key: Operand::Lit(def.key().to_owned()),
            value: Operand::exp(&variable(def.key())),
            line: 0,
        })
        .collect();
    Action::new(
        "Set the verified attributes",
        ActionKind::SetParticipantData(writes),
    )
}

/// The routing rules, first match wins, then the default queue.
fn route(routing: &Routing) -> Action {
    let cases = routing
        .rules
        .iter()
        .map(|rule| {
            let condition: Vec<String> = rule.when.iter().map(condition_expression).collect();
            Case {
                value: Operand::exp(&condition.join(" and ")),
                actions: vec![transfer(
                    &format!("Transfer: {}", rule.name),
                    &rule.queue.substitution(),
                )],
                line: 0,
            }
        })
        .collect();
    let default = vec![transfer(
        "Transfer: no rule matched",
        &routing.default_queue.substitution(),
    )];
    Action::new(
        "Route on the verified attributes",
        ActionKind::Switch(Switch { cases, default }),
    )
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
