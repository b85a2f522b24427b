//! What the linter reports: a diagnostic, its severity and its code.

use serde::Serialize;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// A trap: the exit code is 1.
    Finding,
    /// Something the linter could not judge.
    Note,
}

/// Every code the linter reports: one per rule (a finding, in `lint/rules/`), then the notes
/// for what it could not judge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Code {
    /// Routing on participant data the browser can set.
    ForgeableRouting,
    /// A string compared with a number.
    NumberComparison,
    /// Set Participant Data after Transfer to ACD.
    SetAfterTransfer,
    /// A Call Data Action without a Failure or Timeout path.
    UnhandledDataAction,
    /// A validate-session call that gives up before the function's deadline.
    ShortTimeout,
    /// Get Participant Data of a key the schema does not define.
    UnknownKey,
    /// `session_hash` never reaches validate-session.
    UnvalidatedSessionHash,
    /// An expression that does not parse.
    UnparsedExpression,
    /// A participant-data key given as a placeholder or an expression.
    UnjudgedKey,
    /// A transfer's queue in a shape the linter does not know.
    UnjudgedQueue,
    /// A validate-session timeout that is not a literal duration, or none.
    UnjudgedTimeout,
    /// A data action named by a placeholder.
    UnjudgedAction,
    /// Something the reader skipped.
    Unread,
    /// A flow of another type than an inbound message flow.
    FlowType,
    /// An action outside what the linter judges.
    UnknownAction,
}

impl Code {
    /// The stable name (`forgeable-routing`, ...), as the command line and its JSON show it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ForgeableRouting => "forgeable-routing",
            Self::NumberComparison => "number-comparison",
            Self::SetAfterTransfer => "set-after-transfer",
            Self::UnhandledDataAction => "unhandled-data-action",
            Self::ShortTimeout => "short-timeout",
            Self::UnknownKey => "unknown-key",
            Self::UnvalidatedSessionHash => "unvalidated-session-hash",
            Self::UnparsedExpression => "unparsed-expression",
            Self::UnjudgedKey => "unjudged-key",
            Self::UnjudgedQueue => "unjudged-queue",
            Self::UnjudgedTimeout => "unjudged-timeout",
            Self::UnjudgedAction => "unjudged-action",
            Self::Unread => "unread",
            Self::FlowType => "flow-type",
            Self::UnknownAction => "unknown-action",
        }
    }
}

/// One diagnostic. Its `code` is the stable name of a [`Code`] (only a `Code` makes one, so no
/// bare string can appear); it stays a string because that is what the command line, its JSON
/// and every caller compare.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Finding or note.
    pub severity: Severity,
    /// The code's stable name ([`Code::as_str`]).
    pub code: &'static str,
    /// The line it is about.
    pub line: usize,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}
