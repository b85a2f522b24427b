//! An Archy flow read into actions. Reading is lenient: an action this crate does not know is
//! kept as [`ActionKind::Other`] (with the action lists and variables found inside it) so the
//! linter can read any flow; [`Flow::subset_refusals`] lists what the interpreter refuses.

use std::time::Duration;

use super::expr::{self, Expr};
use super::template;
use super::yaml::{Entry, Node, Value};

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

struct Reader {
    notes: Vec<Note>,
    variables: Vec<Variable>,
}

impl Reader {
    fn note(&mut self, line: usize, message: impl Into<String>) {
        self.notes.push(Note {
            line,
            message: message.into(),
        });
    }

    fn variables(&mut self, node: Option<&Node>) {
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
                self.variables.push(Variable {
                    name: name.to_owned(),
                    ty,
                    line: entry.line,
                });
            }
        }
    }

    fn actions(&mut self, node: Option<&Node>) -> Vec<Action> {
        let Some(node) = node else {
            return Vec::new();
        };
        let Some(items) = node.as_seq() else {
            self.note(node.line, "`actions` is not a list; skipped");
            return Vec::new();
        };
        items.iter().filter_map(|item| self.action(item)).collect()
    }

    fn path(&mut self, node: Option<&Node>) -> Option<Vec<Action>> {
        let node = node?;
        Some(self.actions(node.get("actions")))
    }

    fn action(&mut self, item: &Node) -> Option<Action> {
        let Some(entry) = item.single_entry() else {
            self.note(item.line, "an action must be a map with one key; skipped");
            return None;
        };
        let body = &entry.value;
        let name = body
            .get("name")
            .and_then(Node::as_str)
            .unwrap_or(&entry.key)
            .to_owned();
        let kind = match entry.key.as_str() {
            "getParticipantData" => ActionKind::GetParticipantData(self.reads(body)),
            "setParticipantData" => ActionKind::SetParticipantData(self.writes(body)),
            "decision" => {
                let outputs = body.get("outputs");
                ActionKind::Decision {
                    condition: operand(body.get("condition")),
                    yes: self
                        .path(outputs.and_then(|o| o.get("yes")))
                        .unwrap_or_default(),
                    no: self
                        .path(outputs.and_then(|o| o.get("no")))
                        .unwrap_or_default(),
                }
            }
            "switch" => match body.get("evaluate").and_then(|e| e.get("firstTrue")) {
                Some(first) => ActionKind::Switch {
                    cases: self.cases(first.get("cases")),
                    default: self.path(first.get("default")).unwrap_or_default(),
                },
                None => self.other(body),
            },
            "callData" => match self.call_data(body) {
                Some(call) => ActionKind::CallData(Box::new(call)),
                None => self.other(body),
            },
            "updateData" => ActionKind::UpdateData(self.statements(body)),
            "transferToAcd" => ActionKind::TransferToAcd {
                queue: queue_ref(body.get("targetQueue")),
            },
            "disconnect" => ActionKind::Disconnect,
            _ => self.other(body),
        };
        Some(Action {
            kind_name: entry.key.clone(),
            name,
            line: entry.line,
            kind,
        })
    }

    fn reads(&mut self, body: &Node) -> Vec<ReadAttribute> {
        let mut out = Vec::new();
        for item in body
            .get("attributes")
            .and_then(Node::as_seq)
            .unwrap_or_default()
        {
            let Some(attribute) = item.get("attribute") else {
                continue;
            };
            match attribute.get("variable").and_then(Node::as_str) {
                Some(variable) => out.push(ReadAttribute {
                    key: operand(attribute.get("name")),
                    variable: variable.to_owned(),
                    line: attribute.line,
                }),
                None => self.note(attribute.line, "attribute without a `variable`; skipped"),
            }
        }
        out
    }

    fn writes(&mut self, body: &Node) -> Vec<WriteAttribute> {
        body.get("attributes")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(|item| item.get("attribute"))
            .map(|attribute| WriteAttribute {
                key: operand(attribute.get("name")),
                value: operand(attribute.get("value")),
                line: attribute.line,
            })
            .collect()
    }

    fn cases(&mut self, node: Option<&Node>) -> Vec<Case> {
        let mut out = Vec::new();
        for item in node.and_then(Node::as_seq).unwrap_or_default() {
            let Some(case) = item.get("case") else {
                continue;
            };
            out.push(Case {
                value: operand(case.get("value")),
                actions: self.actions(case.get("actions")),
                line: case.line,
            });
        }
        out
    }

    fn statements(&mut self, body: &Node) -> Vec<Statement> {
        let mut out = Vec::new();
        for item in body
            .get("statements")
            .and_then(Node::as_seq)
            .unwrap_or_default()
        {
            let Some(entry) = item.single_entry() else {
                continue;
            };
            let ty = match entry.key.as_str() {
                "string" => VarType::String,
                "boolean" => VarType::Boolean,
                "integer" => VarType::Integer,
                _ => VarType::Other,
            };
            if let Some(variable) = entry.value.get("variable").and_then(Node::as_str) {
                out.push(Statement {
                    ty,
                    variable: variable.to_owned(),
                    value: operand(entry.value.get("value")),
                    line: entry.line,
                });
            }
        }
        out
    }

    fn call_data(&mut self, body: &Node) -> Option<CallData> {
        let category_node = body.get("category")?;
        let Some(category) = category_node.single_entry() else {
            self.note(
                category_node.line,
                "`category` must name one integration; skipped",
            );
            return None;
        };
        let action = category.value.get("dataAction")?.single_entry()?;
        let io = &action.value;
        let inputs = io
            .get("inputs")
            .and_then(Node::as_map)
            .unwrap_or_default()
            .iter()
            .map(|e| (e.key.clone(), operand(Some(&e.value)), e.line))
            .collect();
        let success_outputs = io
            .get("successOutputs")
            .and_then(Node::as_map)
            .unwrap_or_default()
            .iter()
            .map(|e| {
                let var = e.value.get("var").and_then(Node::as_str).map(str::to_owned);
                (e.key.clone(), var, e.line)
            })
            .collect();
        let outputs = body.get("outputs");
        Some(CallData {
            category: category.key.clone(),
            action: action.key.clone(),
            action_line: action.line,
            timeout: body.get("timeout").map(|t| (timeout(t), t.line)),
            inputs,
            success_outputs,
            success: self.path(outputs.and_then(|o| o.get("success"))),
            failure: self.path(outputs.and_then(|o| o.get("failure"))),
            on_timeout: self.path(outputs.and_then(|o| o.get("timeout"))),
        })
    }

    /// An action this reader does not know: its nested `actions` lists (under any key), its
    /// assignments and its expressions.
    fn other(&mut self, body: &Node) -> ActionKind {
        let mut branches = Vec::new();
        let mut writes = Vec::new();
        let mut expressions = Vec::new();
        self.scan(body, &mut branches, &mut writes, &mut expressions);
        ActionKind::Other {
            branches,
            writes,
            expressions,
        }
    }

    fn scan(
        &mut self,
        node: &Node,
        branches: &mut Vec<Vec<Action>>,
        writes: &mut Vec<String>,
        expressions: &mut Vec<(Operand, usize)>,
    ) {
        match &node.value {
            Value::Scalar { .. } => {}
            Value::Seq(items) => {
                for i in items {
                    self.scan(i, branches, writes, expressions);
                }
            }
            Value::Map(entries) => {
                for Entry { key, line, value } in entries {
                    match key.as_str() {
                        "actions" => branches.push(self.actions(Some(value))),
                        "var" | "variable" => {
                            if let Some(v) = value.as_str() {
                                writes.push(v.to_owned());
                            }
                        }
                        "exp" => expressions.push((operand(Some(node)), *line)),
                        _ => self.scan(value, branches, writes, expressions),
                    }
                }
            }
        }
    }
}

/// Reads a `{lit: ..}` / `{exp: ..}` / `{noValue: true}` map.
pub fn operand(node: Option<&Node>) -> Operand {
    let Some(node) = node else {
        return Operand::Other;
    };
    if let Some(lit) = node.get("lit").and_then(Node::as_str) {
        return Operand::Lit(lit.to_owned());
    }
    if let Some(src) = node.get("exp").and_then(Node::as_str) {
        return match expr::parse(src) {
            Ok(e) => Operand::Exp(e, src.to_owned()),
            Err(e) => Operand::BadExp(src.to_owned(), e.to_string()),
        };
    }
    if node.get("noValue").is_some() {
        return Operand::NoValue;
    }
    Operand::Other
}

fn queue_ref(node: Option<&Node>) -> QueueRef {
    let Some(node) = node else {
        return QueueRef::Unknown;
    };
    if let Some(name) = node
        .get("lit")
        .and_then(|l| l.get("name"))
        .and_then(Node::as_str)
    {
        return QueueRef::Name(name.to_owned());
    }
    match operand(Some(node)) {
        op @ (Operand::Exp(..) | Operand::BadExp(..)) => QueueRef::Exp(op),
        _ => QueueRef::Unknown,
    }
}

fn timeout(node: &Node) -> Timeout {
    let Some(lit) = node.get("lit") else {
        return Timeout::Unknown;
    };
    let Some(parts) = lit.as_map() else {
        return Timeout::Unknown;
    };
    let mut total = Duration::ZERO;
    for e in parts {
        let Some(n) = e.value.as_str().and_then(|s| s.parse::<u64>().ok()) else {
            return Timeout::Unknown;
        };
        let unit = match e.key.as_str() {
            "milliseconds" => Duration::from_millis(n),
            "seconds" => Duration::from_secs(n),
            "minutes" => Duration::from_secs(n.saturating_mul(60)),
            "hours" => Duration::from_secs(n.saturating_mul(3600)),
            _ => return Timeout::Unknown,
        };
        total = total.saturating_add(unit);
    }
    Timeout::Duration(total)
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
