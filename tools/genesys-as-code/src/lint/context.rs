//! What every rule works with: the configuration, the flow, and the diagnostics so far.

use std::time::Duration;

use secure_initiation::attributes::Schema;

use super::diagnostic::{Code, Diagnostic, Severity};
use crate::archy::flow::{CallData, Flow};
use crate::archy::template;

/// What the linter checks against.
#[derive(Debug, Clone)]
pub struct LintConfig {
    /// The attribute schema.
    pub schema: Schema,
    /// The validate-session action's name in Genesys.
    pub action_name: String,
    /// validate-session's answer deadline (`VALIDATION_DEADLINE_MS`).
    pub deadline: Duration,
}

/// The rules' shared context.
pub(super) struct Cx<'a> {
    pub(super) config: &'a LintConfig,
    pub(super) flow: &'a Flow,
    pub(super) out: Vec<Diagnostic>,
}

/// A flow text as messages show it: stand-ins as the placeholders they replace.
pub(super) fn show(s: &str) -> String {
    template::display(s)
}

impl Cx<'_> {
    pub(super) fn finding(&mut self, code: Code, line: usize, message: String, fix: String) {
        self.out.push(Diagnostic {
            severity: Severity::Finding,
            code: code.as_str(),
            line,
            message,
            fix: Some(fix),
        });
    }

    pub(super) fn note(&mut self, code: Code, line: usize, message: String) {
        self.out.push(Diagnostic {
            severity: Severity::Note,
            code: code.as_str(),
            line,
            message,
            fix: None,
        });
    }

    pub(super) fn is_schema_key(&self, key: &str) -> bool {
        self.config.schema.attribute(key).is_some()
    }

    /// Whether a Call Data Action calls validate-session: by name, or by its `sessionHash`
    /// input.
    pub(super) fn is_validate(&self, call: &CallData) -> bool {
        call.action == self.config.action_name
            || call.inputs.iter().any(|i| i.name == "sessionHash")
    }
}
