//! The one serialiser of a typed flow: Archy YAML in the shape Genesys's blueprints and Archy
//! export write (see `archy/flow/model.rs` for what each action holds). What the reader read
//! as missing (an [`Operand::Other`], an empty path) is left out; an unknown action is written
//! back as it was read.

use super::super::emit::{Y, emit, no_value, one, raw};
use super::super::yaml::{Node, Value};
use super::model::{
    Action, ActionKind, CallData, Decision, Flow, Operand, Output, QueueRef, Settings, State,
    Switch, Timeout, Transfer, Variable,
};

/// The flow as Archy YAML.
pub fn to_yaml(flow: &Flow) -> String {
    let mut out = String::new();
    emit(&one(&flow.kind, flow_body(flow)), 0, &mut out);
    out
}

/// A map of the entries that are present.
fn map(entries: Vec<(&str, Option<Y>)>) -> Y {
    Y::Map(
        entries
            .into_iter()
            .filter_map(|(k, v)| Some((k.to_owned(), v?)))
            .collect(),
    )
}

fn text(s: &str) -> Y {
    Y::Str(s.to_owned())
}

fn opt_text(s: Option<&String>) -> Option<Y> {
    s.map(|s| text(s))
}

fn seq<T>(items: &[T], each: impl Fn(&T) -> Y) -> Option<Y> {
    (!items.is_empty()).then(|| Y::Seq(items.iter().map(each).collect()))
}

fn flow_body(flow: &Flow) -> Y {
    let Settings {
        description,
        division,
        default_language,
        supported_languages,
        disconnect_on_error,
    } = &flow.settings;
    let start = flow.states.first().and_then(|s| s.ref_id.as_ref());
    let languages = (!supported_languages.is_empty()).then(|| {
        Y::Map(
            supported_languages
                .iter()
                .map(|l| (l.clone(), one("defaultLanguageSkill", no_value())))
                .collect(),
        )
    });
    let on_error = disconnect_on_error
        .then(|| one("errorHandling", one("disconnect", one("none", raw("true")))));
    map(vec![
        ("name", opt_text(flow.name.as_ref())),
        ("description", opt_text(description.as_ref())),
        ("division", opt_text(division.as_ref())),
        (
            "startUpRef",
            start.map(|r| text(&format!("/{}/states/state[{r}]", flow.kind))),
        ),
        ("defaultLanguage", opt_text(default_language.as_ref())),
        ("supportedLanguages", languages),
        ("settingsErrorHandling", on_error),
        ("variables", seq(&flow.variables, variable)),
        (
            "states",
            Some(Y::Seq(flow.states.iter().map(state).collect())),
        ),
    ])
}

fn state(state: &State) -> Y {
    one(
        "state",
        map(vec![
            ("name", Some(text(&state.name))),
            ("refId", opt_text(state.ref_id.as_ref())),
            ("variables", seq(&state.variables, variable)),
            ("actions", Some(actions(&state.actions))),
        ]),
    )
}

fn variable(v: &Variable) -> Y {
    one(
        &format!("{}Variable", v.ty.as_str()),
        map(vec![
            ("name", Some(text(&v.name))),
            ("initialValue", operand(&v.initial)),
        ]),
    )
}

/// `lit:` (plain when it reads as an integer: Archy types a literal by where it stands),
/// `exp:` or `noValue: true`; nothing for what the reader did not interpret.
fn operand(op: &Operand) -> Option<Y> {
    Some(match op {
        Operand::Lit(t) if t.parse::<i64>().is_ok() => one("lit", raw(t)),
        Operand::Lit(t) => one("lit", text(t)),
        Operand::Exp(_, src) | Operand::BadExp(src, _) => one("exp", text(src)),
        Operand::NoValue => no_value(),
        Operand::Other => return None,
    })
}

fn actions(list: &[Action]) -> Y {
    Y::Seq(list.iter().map(action).collect())
}

/// `{actions: [...]}` for a path that is present.
fn path(list: Option<&Vec<Action>>) -> Option<Y> {
    list.map(|l| one("actions", actions(l)))
}

fn action(a: &Action) -> Y {
    let mut body = vec![("name", Some(text(&a.name)))];
    match &a.kind {
        ActionKind::GetParticipantData(reads) => {
            body.push((
                "attributes",
                Some(Y::Seq(
                    reads
                        .iter()
                        .map(|r| {
                            attribute(vec![
                                ("name", operand(&r.key)),
                                ("variable", Some(text(&r.variable))),
                            ])
                        })
                        .collect(),
                )),
            ));
        }
        ActionKind::SetParticipantData(writes) => {
            body.push((
                "attributes",
                Some(Y::Seq(
                    writes
                        .iter()
                        .map(|w| {
                            attribute(vec![
                                ("name", operand(&w.key)),
                                ("value", operand(&w.value)),
                            ])
                        })
                        .collect(),
                )),
            ));
        }
        ActionKind::Decision(d) => body.extend(decision(d)),
        ActionKind::Switch(s) => body.push(("evaluate", Some(one("firstTrue", switch(s))))),
        ActionKind::CallData(call) => body.extend(call_data(call)),
        ActionKind::UpdateData(statements) => {
            let each = |s: &super::model::Statement| {
                one(
                    s.ty.as_str(),
                    map(vec![
                        ("variable", Some(text(&s.variable))),
                        ("value", operand(&s.value)),
                    ]),
                )
            };
            body.push((
                "statements",
                Some(Y::Seq(statements.iter().map(each).collect())),
            ));
        }
        ActionKind::TransferToAcd(t) => body.extend(transfer(t)),
        ActionKind::Disconnect => {}
        ActionKind::Other(unknown) => return one(&a.kind_name, node(&unknown.body)),
    }
    one(&a.kind_name, map(body))
}

fn attribute(entries: Vec<(&str, Option<Y>)>) -> Y {
    one("attribute", map(entries))
}

fn decision(d: &Decision) -> Vec<(&'static str, Option<Y>)> {
    let yes = (!d.yes.is_empty()).then_some(&d.yes);
    let no = (!d.no.is_empty()).then_some(&d.no);
    let outputs =
        (yes.is_some() || no.is_some()).then(|| map(vec![("yes", path(yes)), ("no", path(no))]));
    vec![("condition", operand(&d.condition)), ("outputs", outputs)]
}

fn switch(s: &Switch) -> Y {
    let case = |c: &super::model::Case| {
        one(
            "case",
            map(vec![
                ("value", operand(&c.value)),
                ("actions", Some(actions(&c.actions))),
            ]),
        )
    };
    let default = (!s.default.is_empty()).then_some(&s.default);
    map(vec![
        ("cases", Some(Y::Seq(s.cases.iter().map(case).collect()))),
        ("default", path(default)),
    ])
}

fn outputs(list: &[Output]) -> Option<Y> {
    (!list.is_empty()).then(|| {
        Y::Map(
            list.iter()
                .map(|o| {
                    let to = match &o.variable {
                        Some(v) => one("var", text(v)),
                        None => no_value(),
                    };
                    (o.name.clone(), to)
                })
                .collect(),
        )
    })
}

fn call_data(call: &CallData) -> Vec<(&'static str, Option<Y>)> {
    let timeout = match &call.timeout {
        Some((Timeout::Duration(d), _)) if d.subsec_nanos() == 0 => {
            Some(one("lit", one("seconds", raw(&d.as_secs().to_string()))))
        }
        Some((Timeout::Duration(d), _)) => Some(one(
            "lit",
            one("milliseconds", raw(&d.as_millis().to_string())),
        )),
        _ => None,
    };
    let inputs = (!call.inputs.is_empty()).then(|| {
        Y::Map(
            call.inputs
                .iter()
                .filter_map(|i| Some((i.name.clone(), operand(&i.value)?)))
                .collect(),
        )
    });
    let io = map(vec![
        ("inputs", inputs),
        ("successOutputs", outputs(&call.success_outputs)),
        ("failureOutputs", outputs(&call.failure_outputs)),
    ]);
    let category = Y::Map(vec![(
        call.category.clone(),
        one("dataAction", Y::Map(vec![(call.action.clone(), io)])),
    )]);
    let paths = map(vec![
        ("success", path(call.success.as_ref())),
        ("failure", path(call.failure.as_ref())),
        ("timeout", path(call.on_timeout.as_ref())),
    ]);
    vec![
        ("timeout", timeout),
        ("category", Some(category)),
        ("outputs", Some(paths)),
    ]
}

fn transfer(t: &Transfer) -> Vec<(&'static str, Option<Y>)> {
    let queue = match &t.queue {
        QueueRef::Name(n) => Some(one("lit", one("name", text(n)))),
        QueueRef::Exp(op) => operand(op),
        QueueRef::Unknown => None,
    };
    vec![
        ("targetQueue", queue),
        ("priority", operand(&t.priority)),
        ("preferredAgents", operand(&t.preferred_agents)),
        ("languageSkill", operand(&t.language_skill)),
    ]
}

/// A YAML node as read: plain scalars as they were, quoted ones quoted where YAML needs it.
fn node(n: &Node) -> Y {
    match &n.value {
        Value::Scalar {
            text: t,
            quoted: false,
        } => raw(t),
        Value::Scalar { text: t, .. } => text(t),
        Value::Seq(items) => Y::Seq(items.iter().map(node).collect()),
        Value::Map(entries) => Y::Map(
            entries
                .iter()
                .map(|e| (e.key.clone(), node(&e.value)))
                .collect(),
        ),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::archy::flow::{from_yaml, read};
    use crate::archy::template::Unfilled;
    use crate::archy::yaml;

    #[test]
    fn the_reader_reads_back_what_the_writer_wrote() {
        let schema = secure_initiation::attributes::Schema::default_schema().unwrap();
        let routing = crate::routing::Routing::default_routing(&schema).unwrap();
        let generated = crate::generate::flow::inbound_message_flow(&schema, &routing);
        for text in [
            generated.as_str(),
            include_str!("../../../../../tests/architect/fixtures/blueprint-shaped.yaml"),
            include_str!("../../../../../tests/architect/fixtures/unhandled-data-action.yaml"),
        ] {
            let flow = read(text, &BTreeMap::new(), Unfilled::StandIn).unwrap();

            let once = to_yaml(&flow);
            let again = to_yaml(&from_yaml(&yaml::parse(&once).unwrap()).unwrap());

            assert_eq!(once, again);
        }
    }
}
