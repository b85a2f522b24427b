//! `unvalidated-session-hash`: `session_hash` never reaches validate-session, so nothing in
//! the flow tells a genuine context from a forged one. The whole rule is here: the variables
//! that hold the hash (read by Get Participant Data, or copied by Update Data), where it was
//! first read, and whether one of them is passed as validate-session's `sessionHash`.

use std::collections::BTreeSet;

use super::super::context::Cx;
use super::super::diagnostic::Code;
use crate::archy::flow::walk::Visit;
use crate::archy::flow::{Action, Flow, Input, Operand, ReadAttribute};

/// What the flow does with the session hash.
#[derive(Debug, Default)]
pub(in crate::lint) struct SessionHash {
    /// The variables holding it (so a presence check of one is not routing).
    pub(in crate::lint) vars: BTreeSet<String>,
    read_line: Option<usize>,
    validated: bool,
}

/// Collects the variables the start state reads the hash into.
struct HashVars<'k> {
    key: &'k str,
    vars: BTreeSet<String>,
}

impl<'a> Visit<'a> for HashVars<'_> {
    type State = ();

    fn visit_get_participant_data(
        &mut self,
        _: &'a Action,
        reads: &'a [ReadAttribute],
        _: &mut (),
    ) {
        for r in reads {
            if matches!(&r.key, Operand::Lit(k) if k == self.key) {
                self.vars.insert(r.variable.clone());
            }
        }
    }
}

impl SessionHash {
    /// Starts with the variables the start state reads the hash into.
    pub(in crate::lint) fn new(flow: &Flow, key: &str) -> Self {
        let mut collect = HashVars {
            key,
            vars: BTreeSet::new(),
        };
        collect.visit_actions(&flow.start().actions, &mut ());
        Self {
            vars: collect.vars,
            ..Self::default()
        }
    }

    /// The hash was read at `line`.
    pub(in crate::lint) fn read(&mut self, line: usize) {
        self.read_line.get_or_insert(line);
    }

    /// `variable` now holds the hash too.
    pub(in crate::lint) fn copied(&mut self, variable: &str) {
        self.vars.insert(variable.to_owned());
    }

    /// An input of a validate-session call.
    pub(in crate::lint) fn passed(&mut self, input: &Input) {
        if input.name == "sessionHash"
            && let Operand::Exp(e, _) = &input.value
            && e.variables().iter().any(|v| self.vars.contains(*v))
        {
            self.validated = true;
        }
    }

    /// The finding, once the whole flow is walked.
    pub(in crate::lint) fn finish(&self, cx: &mut Cx<'_>) {
        if self.validated {
            return;
        }
        let hash_key = cx.config.schema.session_hash_key().to_owned();
        let line = self.read_line.unwrap_or(cx.flow.line);
        let read = if self.read_line.is_some() {
            "is read but never passed"
        } else {
            "is never read nor passed"
        };
        let action = cx.config.action_name.clone();
        cx.finding(
            Code::UnvalidatedSessionHash,
            line,
            format!("`{hash_key}` {read} to validate-session: nothing in this flow tells a genuine context from a forged one"),
            format!("read `{hash_key}` with Get Participant Data and pass it as `sessionHash` to the validate-session data action (`{action}`), as the generated flow does"),
        );
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::tests::findings;

    #[test]
    fn a_hash_read_but_never_passed_is_found_where_it_is_read() {
        let text =
            include_str!("../../../../../tests/architect/fixtures/unvalidated-session-hash.yaml");

        let found = findings(text);

        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(
            (found[0].code, found[0].line),
            ("unvalidated-session-hash", 31)
        );
        assert!(found[0].message.contains("is read but never passed"));
    }
}
