//! The routing rules as checked values, and why rules are refused.

use secure_initiation::attributes::AttributeType;

/// Path of the routing rules, relative to the repository root.
pub const ROUTING_PATH: &str = "config/routing.toml";

/// The committed routing rules.
pub const DEFAULT_ROUTING_TOML: &str = include_str!("../../../../config/routing.toml");

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
    /// An operator as the rules write it.
    pub(super) fn parse(s: &str) -> Option<Self> {
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
