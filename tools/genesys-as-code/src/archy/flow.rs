//! An Archy flow read into actions. Reading is lenient: an action this crate does not know is
//! kept as [`ActionKind::Other`] (with the action lists and variables found inside it) so the
//! linter can read any flow; [`Flow::subset_refusals`] lists what the interpreter refuses.

use std::time::Duration;

use super::expr::Expr;
use super::template;
use super::yaml::Node;

mod read;

use read::Reader;
pub use read::operand;

/// The flow types whose states hold actions the way an inbound message flow's do.
pub const FLOW_TYPES: &[&str] = &[
    "inboundShortMessage",
    "inboundChat",
    "inboundCall",
    "inboundEmail",
    "commonModule",
    "workflow",
];

/// A flow.
#[derive(Debug, Clone)]
pub struct Flow {
    /// `inboundShortMessage`, ...
    pub kind: String,
    /// The line of the flow type key.
    pub line: usize,
    /// `name`, if given.
    pub name: Option<String>,
    /// Declared variables (flow and state), in file order.
    pub variables: Vec<Variable>,
    /// The states, in file order; the start-up state first when `startUpRef` names one.
    pub states: Vec<State>,
    /// What could not be read but did not stop reading.
    pub notes: Vec<Note>,
}

/// One state.
#[derive(Debug, Clone)]
pub struct State {
    /// Its name.
    pub name: String,
    /// Its `refId`.
    pub ref_id: Option<String>,
    /// Its line.
    pub line: usize,
    /// Its actions.
    pub actions: Vec<Action>,
}

/// A note about something the reader skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// Where.
    pub line: usize,
    /// What.
    pub message: String,
}

/// A declared variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variable {
    /// `State.x` or `Flow.x`.
    pub name: String,
    /// Its type.
    pub ty: VarType,
    /// Its line.
    pub line: usize,
}

/// Variable and value types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VarType {
    /// `stringVariable`
    String,
    /// `booleanVariable`
    Boolean,
    /// `integerVariable`
    Integer,
    /// Any other kind (`decimalVariable`, collections, ...).
    Other,
}

impl VarType {
    /// The Archy spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Boolean => "boolean",
            Self::Integer => "integer",
            Self::Other => "other",
        }
    }
}

/// A value given as `lit:`, `exp:` or `noValue: true`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operand {
    /// `lit: text` (the text as written; its type depends on where it stands).
    Lit(String),
    /// `exp: source`, parsed.
    Exp(Expr, String),
    /// `exp:` that does not parse.
    BadExp(String, String),
    /// `noValue: true`.
    NoValue,
    /// `var: State.x` (outputs) or anything else the reader does not interpret.
    Other,
}

/// One action.
#[derive(Debug, Clone)]
pub struct Action {
    /// The action type key (`decision`, `callData`, ...).
    pub kind_name: String,
    /// Its `name` (what Architect shows), or the type key.
    pub name: String,
    /// Its line.
    pub line: usize,
    /// What it does.
    pub kind: ActionKind,
}

/// `Get Participant Data` of one attribute.
#[derive(Debug, Clone)]
pub struct ReadAttribute {
    /// The key (`lit:`) or an expression.
    pub key: Operand,
    /// The variable it lands in.
    pub variable: String,
    /// Its line.
    pub line: usize,
}

/// `Set Participant Data` of one attribute.
#[derive(Debug, Clone)]
pub struct WriteAttribute {
    /// The key.
    pub key: Operand,
    /// The value.
    pub value: Operand,
    /// Its line.
    pub line: usize,
}

/// One case of a switch.
#[derive(Debug, Clone)]
pub struct Case {
    /// Its condition.
    pub value: Operand,
    /// Its actions.
    pub actions: Vec<Action>,
    /// Its line.
    pub line: usize,
}

/// One `updateData` statement.
#[derive(Debug, Clone)]
pub struct Statement {
    /// The declared type (`string`, `integer`, `boolean`).
    pub ty: VarType,
    /// The variable assigned.
    pub variable: String,
    /// The value.
    pub value: Operand,
    /// Its line.
    pub line: usize,
}

/// How long a Call Data Action waits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Timeout {
    /// A literal duration.
    Duration(Duration),
    /// An expression or a shape the reader does not know.
    Unknown,
}

/// A `callData` action.
#[derive(Debug, Clone)]
pub struct CallData {
    /// The integration category (the integration's name).
    pub category: String,
    /// The data action's name.
    pub action: String,
    /// Line of the action name.
    pub action_line: usize,
    /// `timeout`, if given.
    pub timeout: Option<(Timeout, usize)>,
    /// Inputs by contract name.
    pub inputs: Vec<(String, Operand, usize)>,
    /// Success outputs: contract name → variable (`None` for `noValue`).
    pub success_outputs: Vec<(String, Option<String>, usize)>,
    /// The success path; `None` when absent.
    pub success: Option<Vec<Action>>,
    /// The failure path.
    pub failure: Option<Vec<Action>>,
    /// The timeout path.
    pub on_timeout: Option<Vec<Action>>,
}

/// What an action does.
#[derive(Debug, Clone)]
pub enum ActionKind {
    /// `getParticipantData`.
    GetParticipantData(Vec<ReadAttribute>),
    /// `setParticipantData`.
    SetParticipantData(Vec<WriteAttribute>),
    /// `decision`.
    Decision {
        /// The condition.
        condition: Operand,
        /// The `yes` path.
        yes: Vec<Action>,
        /// The `no` path.
        no: Vec<Action>,
    },
    /// `switch` with `firstTrue`.
    Switch {
        /// The cases, in order.
        cases: Vec<Case>,
        /// The default path.
        default: Vec<Action>,
    },
    /// `callData`.
    CallData(Box<CallData>),
    /// `updateData`.
    UpdateData(Vec<Statement>),
    /// `transferToAcd`.
    TransferToAcd {
        /// The queue: `lit: {name: Q}` is a literal name.
        queue: QueueRef,
    },
    /// `disconnect`.
    Disconnect,
    /// Anything else: the action lists and expressions found inside it, and the variables it
    /// writes (`var:` / `variable:` values).
    Other {
        /// Nested action lists.
        branches: Vec<Vec<Action>>,
        /// Variables it assigns.
        writes: Vec<String>,
        /// Expressions it evaluates.
        expressions: Vec<(Operand, usize)>,
    },
}

/// The target queue of a transfer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueueRef {
    /// `lit: {name: Q}`.
    Name(String),
    /// `exp: ...`.
    Exp(Operand),
    /// Missing or another shape.
    Unknown,
}

/// Why a file is not a flow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct FlowError {
    /// Where.
    pub line: usize,
    /// What.
    pub message: String,
}

fn err(line: usize, message: impl Into<String>) -> FlowError {
    FlowError {
        line,
        message: message.into(),
    }
}

impl Flow {
    /// Reads a flow from a YAML tree (placeholders already filled or stood in for).
    pub fn from_yaml(root: &Node) -> Result<Self, FlowError> {
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
        let mut reader = Reader {
            notes: Vec::new(),
            variables: Vec::new(),
        };
        reader.variables(body.get("variables"));
        let states_node = body
            .get("states")
            .ok_or_else(|| err(entry.line, format!("`{}` has no `states`", entry.key)))?;
        let mut states = Vec::new();
        for item in states_node.as_seq().unwrap_or_default() {
            let Some(state) = item.get("state") else {
                reader.note(item.line, "a `states` item without `state`; skipped");
                continue;
            };
            reader.variables(state.get("variables"));
            states.push(State {
                name: state
                    .get("name")
                    .and_then(Node::as_str)
                    .unwrap_or("state")
                    .to_owned(),
                ref_id: state.get("refId").and_then(Node::as_str).map(str::to_owned),
                line: state.line,
                actions: reader.actions(state.get("actions")),
            });
        }
        if states.is_empty() {
            return Err(err(states_node.line, "`states` holds no state"));
        }
        if let Some(start) = body.get("startUpRef").and_then(Node::as_str) {
            let wanted = start
                .rsplit_once("state[")
                .and_then(|(_, rest)| rest.strip_suffix(']'));
            match states
                .iter()
                .position(|s| s.ref_id.as_deref() == wanted && wanted.is_some())
            {
                Some(i) => states.swap(0, i),
                None => reader.note(
                    body.get("startUpRef").map_or(entry.line, |n| n.line),
                    format!(
                        "`startUpRef` `{}` names no state; the first state is taken as the start",
                        template::display(start)
                    ),
                ),
            }
        }
        Ok(Self {
            kind: entry.key.clone(),
            line: entry.line,
            name: body.get("name").and_then(Node::as_str).map(str::to_owned),
            variables: reader.variables,
            states,
            notes: reader.notes,
        })
    }

    /// The start-up state.
    pub fn start(&self) -> &State {
        // Invariant: `from_yaml` refuses a flow without states.
        &self.states[0]
    }

    /// A declared variable's type.
    pub fn variable(&self, name: &str) -> Option<VarType> {
        self.variables.iter().find(|v| v.name == name).map(|v| v.ty)
    }
}

/// Reads a flow file's text: fills placeholders (`unfilled` decides about the others), then
/// parses the YAML and reads the flow.
pub fn read(
    text: &str,
    substitutions: &std::collections::BTreeMap<String, String>,
    unfilled: template::Unfilled,
) -> Result<Flow, ReadError> {
    let filled = template::fill(text, substitutions, unfilled)?;
    let root = super::yaml::parse(&filled)?;
    Ok(Flow::from_yaml(&root)?)
}

/// Why a flow file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// Its placeholders.
    #[error(transparent)]
    Template(#[from] template::TemplateError),
    /// Its YAML.
    #[error("not YAML: {0}")]
    Yaml(#[from] super::yaml::YamlError),
    /// Its shape.
    #[error("not an Archy flow: {0}")]
    Flow(#[from] FlowError),
}
