//! The linter's rules, one file each, as rust-analyzer keeps one diagnostic per file
//! (rust-lang/rust-analyzer, `crates/ide-diagnostics/src/handlers/unresolved_module.rs`: the
//! code, the message, the fixes and the tests side by side, the tests through one shared
//! helper): the rule's code ([`super::diagnostic::Code`]), when it fires, its message, its fix and
//! its test on its fixture flow (`tests/architect/fixtures/<code>.yaml`). The driver (`lint.rs`)
//! walks the flow and calls them. Unlike rust-analyzer's handlers, which import the diagnostic
//! types from their crate root, the rules take them from sibling modules (`diagnostic.rs`,
//! `context.rs`): a folder's own file sits above its children (`shared/tests/layers.rs`).

pub(super) mod forgeable_routing;
pub(super) mod number_comparison;
pub(super) mod set_after_transfer;
pub(super) mod short_timeout;
pub(super) mod unhandled_data_action;
pub(super) mod unknown_key;
pub(super) mod unvalidated_session_hash;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::BTreeMap;
    use std::time::Duration;

    use secure_initiation::attributes::Schema;

    use crate::generate::data_actions::ACTION_NAME;
    use crate::lint::{Diagnostic, LintConfig, Severity, lint};

    /// The findings of a fixture, linted with the committed schema and the default deadline.
    pub(super) fn findings(text: &str) -> Vec<Diagnostic> {
        let config = LintConfig {
            schema: Schema::default_schema().unwrap(),
            action_name: ACTION_NAME.to_owned(),
            deadline: Duration::from_millis(2500),
        };
        lint(text, &BTreeMap::new(), &config)
            .unwrap()
            .into_iter()
            .filter(|d| d.severity == Severity::Finding)
            .collect()
    }
}
