//! Reading a flow out of the YAML tree, leniently: what is not understood becomes a note (its
//! actions: `read_action.rs`).

use super::super::template;
use super::super::yaml::Node;
use super::model::{FLOW_TYPES, Flow, FlowError, Settings, State, VarType, Variable};
use super::read_action::{Reader, operand, text};

fn err(line: usize, message: impl Into<String>) -> FlowError {
    FlowError {
        line,
        message: message.into(),
    }
}

/// Reads a flow from a YAML tree (placeholders already filled or stood in for).
pub fn from_yaml(root: &Node) -> Result<Flow, FlowError> {
    let Some(top) = root.as_map() else {
        return Err(err(root.line, "the file is not a map"));
    };
    let Some(entry) = top.iter().find(|e| FLOW_TYPES.contains(&e.key.as_str())) else {
        let keys: Vec<&str> = top.iter().map(|e| e.key.as_str()).collect();
        return Err(err(
            root.line,
            format!(
                "no flow with states here (top-level keys: {}; expected one of {})",
                keys.join(", "),
                FLOW_TYPES.join(", ")
            ),
        ));
    };
    let body = &entry.value;
    let mut reader = Reader { notes: Vec::new() };
    let variables = variables(body.get("variables"));
    let states_node = body
        .get("states")
        .ok_or_else(|| err(entry.line, format!("`{}` has no `states`", entry.key)))?;
    let mut states = states(&mut reader, states_node);
    if states.is_empty() {
        return Err(err(states_node.line, "`states` holds no state"));
    }
    if let Some(start) = body.get("startUpRef") {
        start_first(&mut reader, start, &mut states);
    }
    Ok(Flow {
        kind: entry.key.clone(),
        line: entry.line,
        name: text(body.get("name")),
        settings: settings(body),
        variables,
        states,
        notes: reader.notes,
    })
}

fn settings(body: &Node) -> Settings {
    let languages = body.get("supportedLanguages").and_then(Node::as_map);
    Settings {
        description: text(body.get("description")),
        division: text(body.get("division")),
        default_language: text(body.get("defaultLanguage")),
        supported_languages: languages
            .unwrap_or_default()
            .iter()
            .map(|e| e.key.clone())
            .collect(),
        disconnect_on_error: body
            .get("settingsErrorHandling")
            .and_then(|s| s.get("errorHandling"))
            .and_then(|h| h.get("disconnect"))
            .is_some(),
    }
}

fn states(reader: &mut Reader, node: &Node) -> Vec<State> {
    let mut states = Vec::new();
    for item in node.as_seq().unwrap_or_default() {
        let Some(state) = item.get("state") else {
            reader.note(item.line, "a `states` item without `state`; skipped");
            continue;
        };
        let variables = variables(state.get("variables"));
        states.push(State {
            name: text(state.get("name")).unwrap_or_else(|| "state".to_owned()),
            ref_id: text(state.get("refId")),
            line: state.line,
            variables,
            actions: reader.actions(state.get("actions")),
        });
    }
    states
}

/// Puts the state `startUpRef` names first.
fn start_first(reader: &mut Reader, start_node: &Node, states: &mut [State]) {
    let Some(start) = start_node.as_str() else {
        return;
    };
    let wanted = start
        .rsplit_once("state[")
        .and_then(|(_, rest)| rest.strip_suffix(']'));
    match states
        .iter()
        .position(|s| s.ref_id.as_deref() == wanted && wanted.is_some())
    {
        Some(i) => states.swap(0, i),
        None => reader.note(
            start_node.line,
            format!(
                "`startUpRef` `{}` names no state; the first state is taken as the start",
                template::display(start)
            ),
        ),
    }
}

fn variables(node: Option<&Node>) -> Vec<Variable> {
    let mut out = Vec::new();
    for item in node.and_then(Node::as_seq).unwrap_or_default() {
        let Some(entry) = item.single_entry() else {
            continue;
        };
        let ty = match entry.key.as_str() {
            "stringVariable" => VarType::String,
            "booleanVariable" => VarType::Boolean,
            "integerVariable" => VarType::Integer,
            _ => VarType::Other,
        };
        if let Some(name) = entry.value.get("name").and_then(Node::as_str) {
            out.push(Variable {
                name: name.to_owned(),
                ty,
                initial: operand(entry.value.get("initialValue")),
                line: entry.line,
            });
        }
    }
    out
}
