//! The typed Archy flow: the one vocabulary the reader fills, the generator builds, the writer
//! serialises, and the linter and the interpreter walk. Lines are those of the file read (the
//! generator leaves them 0).

use std::time::Duration;

use super::super::expr::Expr;
use super::super::yaml::Node;

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
#[derive(Debug, Clone, Default)]
pub struct Flow {
    /// `inboundShortMessage`, ...
    pub kind: String,
    /// The line of the flow type key.
    pub line: usize,
    /// `name`, if given.
    pub name: Option<String>,
    /// The flow's settings besides its states.
    pub settings: Settings,
    /// Flow-level variables, in file order.
    pub variables: Vec<Variable>,
    /// The states, in file order; the start-up state first when `startUpRef` names one.
    pub states: Vec<State>,
    /// What could not be read but did not stop reading.
    pub notes: Vec<Note>,
}

/// What a flow sets besides its states (written as the generator sets them; read when present).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// `description`.
    pub description: Option<String>,
    /// `division`.
    pub division: Option<String>,
    /// `defaultLanguage`.
    pub default_language: Option<String>,
    /// `supportedLanguages`, each without a default language skill.
    pub supported_languages: Vec<String>,
    /// `settingsErrorHandling: {errorHandling: {disconnect: {none: true}}}`.
    pub disconnect_on_error: bool,
}

/// One state.
#[derive(Debug, Clone, Default)]
pub struct State {
    /// Its name.
    pub name: String,
    /// Its `refId`.
    pub ref_id: Option<String>,
    /// Its line.
    pub line: usize,
    /// Its variables, in file order.
    pub variables: Vec<Variable>,
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
    /// Its `initialValue`.
    pub initial: Operand,
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
    /// Missing, `var: State.x` (outputs) or anything else the reader does not interpret.
    Other,
}

impl Operand {
    /// An `exp:` operand from its source (parsed here, so a generated flow holds what a read
    /// one would).
    pub fn exp(source: &str) -> Self {
        match super::super::expr::parse(source) {
            Ok(e) => Self::Exp(e, source.to_owned()),
            Err(e) => Self::BadExp(source.to_owned(), e.to_string()),
        }
    }
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

impl Action {
    /// A new action; its type key follows from `kind` (an unknown action keeps its own).
    pub fn new(name: &str, kind: ActionKind) -> Self {
        Self {
            kind_name: kind.key().to_owned(),
            name: name.to_owned(),
            line: 0,
            kind,
        }
    }
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

/// A `decision`.
#[derive(Debug, Clone)]
pub struct Decision {
    /// The condition.
    pub condition: Operand,
    /// The `yes` path.
    pub yes: Vec<Action>,
    /// The `no` path.
    pub no: Vec<Action>,
}

/// A `switch` with `firstTrue`.
#[derive(Debug, Clone)]
pub struct Switch {
    /// The cases, in order.
    pub cases: Vec<Case>,
    /// The default path.
    pub default: Vec<Action>,
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

/// One input of a Call Data Action.
#[derive(Debug, Clone)]
pub struct Input {
    /// The contract's name for it.
    pub name: String,
    /// Its value.
    pub value: Operand,
    /// Its line.
    pub line: usize,
}

/// One output mapping of a Call Data Action.
#[derive(Debug, Clone)]
pub struct Output {
    /// The contract's name for it.
    pub name: String,
    /// The variable it lands in (`None` for `noValue`).
    pub variable: Option<String>,
    /// Its line.
    pub line: usize,
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
    /// Inputs, in file order.
    pub inputs: Vec<Input>,
    /// Success outputs.
    pub success_outputs: Vec<Output>,
    /// Failure outputs.
    pub failure_outputs: Vec<Output>,
    /// The success path; `None` when absent.
    pub success: Option<Vec<Action>>,
    /// The failure path.
    pub failure: Option<Vec<Action>>,
    /// The timeout path.
    pub on_timeout: Option<Vec<Action>>,
}

/// A `transferToAcd`.
#[derive(Debug, Clone)]
pub struct Transfer {
    /// The queue: `lit: {name: Q}` is a literal name.
    pub queue: QueueRef,
    /// `priority`.
    pub priority: Operand,
    /// `preferredAgents`.
    pub preferred_agents: Operand,
    /// `languageSkill`.
    pub language_skill: Operand,
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

/// An action this crate does not know: what the reader found inside it.
#[derive(Debug, Clone)]
pub struct Unknown {
    /// Nested action lists (under any key).
    pub branches: Vec<Vec<Action>>,
    /// Variables it assigns (`var:` / `variable:` values).
    pub writes: Vec<String>,
    /// Expressions it evaluates.
    pub expressions: Vec<(Operand, usize)>,
    /// Its body as read, so the writer gives it back unchanged.
    pub body: Node,
}

/// What an action does.
#[derive(Debug, Clone)]
pub enum ActionKind {
    /// `getParticipantData`.
    GetParticipantData(Vec<ReadAttribute>),
    /// `setParticipantData`.
    SetParticipantData(Vec<WriteAttribute>),
    /// `decision`.
    Decision(Decision),
    /// `switch` with `firstTrue`.
    Switch(Switch),
    /// `callData`.
    CallData(Box<CallData>),
    /// `updateData`.
    UpdateData(Vec<Statement>),
    /// `transferToAcd`.
    TransferToAcd(Transfer),
    /// `disconnect`.
    Disconnect,
    /// Anything else.
    Other(Unknown),
}

impl ActionKind {
    /// The Archy type key of a known action (`other` for an unknown one).
    pub fn key(&self) -> &'static str {
        match self {
            Self::GetParticipantData(_) => "getParticipantData",
            Self::SetParticipantData(_) => "setParticipantData",
            Self::Decision(_) => "decision",
            Self::Switch(_) => "switch",
            Self::CallData(_) => "callData",
            Self::UpdateData(_) => "updateData",
            Self::TransferToAcd(_) => "transferToAcd",
            Self::Disconnect => "disconnect",
            Self::Other(_) => "other",
        }
    }
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

impl Flow {
    /// The start-up state.
    pub fn start(&self) -> &State {
        // Invariant: the reader refuses a flow without states, and the generator builds one.
        &self.states[0]
    }

    /// Every declared variable, flow-level then each state's, in file order.
    pub fn all_variables(&self) -> impl Iterator<Item = &Variable> {
        let mut states: Vec<&State> = self.states.iter().collect();
        states.sort_by_key(|s| s.line);
        self.variables
            .iter()
            .chain(states.into_iter().flat_map(|s| s.variables.iter()))
    }

    /// A declared variable's type.
    pub fn variable(&self, name: &str) -> Option<VarType> {
        self.all_variables().find(|v| v.name == name).map(|v| v.ty)
    }
}
