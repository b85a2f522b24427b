//! A linter for inbound message flows people already have (exported or hand-written Archy
//! YAML), against the attribute schema. It walks every path of the flow and reports, each with
//! its line and a fix, the traps of `lint/rules/` (one file per rule):
//!
//! - `forgeable-routing`: a decision, switch case or transfer that routes on a participant
//!   attribute read by Get Participant Data, which the browser can set, instead of on a
//!   validate-session output after `valid`;
//! - `number-comparison`: a data-action string output or a schema attribute compared with a
//!   number literal (the guide's Edge Case 1);
//! - `set-after-transfer`: Set Participant Data of a schema attribute after Transfer to ACD on
//!   the same path (Edge Case 3: WEM's snapshot misses it);
//! - `unhandled-data-action`: a Call Data Action whose Failure or Timeout path is missing or
//!   empty (the flow then carries on as if the call had succeeded);
//! - `short-timeout`: a validate-session call that waits less than the function's deadline;
//! - `unknown-key`: Get Participant Data of a key the schema does not define;
//! - `unvalidated-session-hash`: `session_hash` never reaches validate-session.
//!
//! What it cannot judge (actions it does not know, expressions it cannot parse, values given as
//! expressions) is reported as a note, never as a failure.
//!
//! This file is the driver: a visitor over the flow ([`crate::archy::flow::walk`]) that keeps
//! the per-path state (`lint/state.rs`) and hands each action to the rules that judge it.

mod context;
mod diagnostic;
mod rules;
mod state;

use std::collections::BTreeMap;

pub use context::LintConfig;
pub use diagnostic::{Code, Diagnostic, Severity};

use context::{Cx, show};
use rules::unvalidated_session_hash::SessionHash;
use rules::{
    forgeable_routing, number_comparison, set_after_transfer, short_timeout, unhandled_data_action,
    unknown_key,
};
use state::{Origin, PathState};

use crate::archy::expr::Expr;
use crate::archy::flow::walk::{self, Visit};
use crate::archy::flow::{
    self, Action, CallData, Case, Decision, Operand, QueueRef, ReadAttribute, ReadError, Statement,
    Transfer, Unknown, WriteAttribute,
};
use crate::archy::template::{Unfilled, has_unfilled};

/// Lints a flow file's text. `substitutions` fill placeholders; the others are accepted.
pub fn lint(
    text: &str,
    substitutions: &BTreeMap<String, String>,
    config: &LintConfig,
) -> Result<Vec<Diagnostic>, ReadError> {
    let flow = flow::read(text, substitutions, Unfilled::StandIn)?;
    let mut linter = Linter {
        cx: Cx {
            config,
            flow: &flow,
            out: Vec::new(),
        },
        unknown: BTreeMap::new(),
        hash: SessionHash::new(&flow, config.schema.session_hash_key()),
    };
    for note in &flow.notes {
        linter
            .cx
            .note(Code::Unread, note.line, note.message.clone());
    }
    if flow.kind != "inboundShortMessage" {
        let message = format!(
            "this is an `{}` flow; the rules are written for inbound message flows",
            flow.kind
        );
        linter.cx.note(Code::FlowType, flow.line, message);
    }
    for state in &flow.states {
        linter.visit_actions(&state.actions, &mut PathState::default());
    }
    linter.hash.finish(&mut linter.cx);
    for (kind, lines) in std::mem::take(&mut linter.unknown) {
        let shown: Vec<String> = lines.iter().map(usize::to_string).collect();
        linter.cx.note(
            Code::UnknownAction,
            lines[0],
            format!("`{kind}` (line {}) is outside what lint-flow judges: its actions are walked, the variables it writes are taken as neither participant data nor validated", shown.join(", ")),
        );
    }
    let mut out = linter.cx.out;
    out.sort_by(|a, b| a.line.cmp(&b.line).then(a.severity.cmp(&b.severity)));
    out.dedup();
    Ok(out)
}

struct Linter<'a> {
    cx: Cx<'a>,
    /// Unknown action kinds and the lines they stand on.
    unknown: BTreeMap<String, Vec<usize>>,
    hash: SessionHash,
}

fn label(a: &Action) -> String {
    format!("{} \"{}\"", a.kind_name, show(&a.name))
}

impl Linter<'_> {
    /// Checks one expression: comparisons with numbers everywhere; participant data when it
    /// routes (`routes` names what routes on it).
    fn expression(&mut self, op: &Operand, line: usize, routes: Option<&str>, state: &PathState) {
        match op {
            Operand::Exp(e, src) => {
                number_comparison::check(&mut self.cx, (e, src), line, state);
                if let Some(what) = routes {
                    let vars = &self.hash.vars;
                    forgeable_routing::check(&mut self.cx, vars, (e, src), line, what, state);
                }
            }
            Operand::BadExp(src, err) => self.cx.note(
                Code::UnparsedExpression,
                line,
                format!(
                    "the expression `{}` does not parse ({err}); it is not judged",
                    show(src)
                ),
            ),
            _ => {}
        }
    }

    /// Where an assigned value comes from: participant data if any variable it reads holds
    /// some, else what the variable it copies holds.
    fn origin_of(value: &Operand, state: &PathState) -> Origin {
        let Operand::Exp(e, _) = value else {
            return Origin::Other;
        };
        e.variables()
            .iter()
            .filter_map(|v| state.origin.get(*v))
            .find(|o| matches!(o, Origin::Participant { .. }))
            .or_else(|| match e {
                Expr::Var(v) => state.origin.get(v),
                _ => None,
            })
            .cloned()
            .unwrap_or(Origin::Other)
    }
}

impl<'a> Visit<'a> for Linter<'_> {
    type State = PathState;

    fn visit_action(&mut self, action: &'a Action, state: &mut PathState) {
        // A transfer ended the path before; what follows runs only if it failed, and after
        // the agent's snapshot: keep walking to catch late writes.
        state.ended = false;
        walk::walk_action(self, action, state);
    }

    fn visit_get_participant_data(
        &mut self,
        _: &'a Action,
        reads: &'a [ReadAttribute],
        state: &mut PathState,
    ) {
        for r in reads {
            unknown_key::check(&mut self.cx, r);
            let key = match &r.key {
                Operand::Lit(key) if has_unfilled(key) => continue,
                Operand::Lit(key) => key.clone(),
                _ => "(expression)".to_owned(),
            };
            if key == self.cx.config.schema.session_hash_key() {
                self.hash.read(r.line);
            }
            let origin = Origin::Participant { key, line: r.line };
            state.origin.insert(r.variable.clone(), origin);
        }
    }

    fn visit_set_participant_data(
        &mut self,
        _: &'a Action,
        writes: &'a [WriteAttribute],
        state: &mut PathState,
    ) {
        for w in writes {
            self.expression(&w.value, w.line, None, state);
            set_after_transfer::check(&mut self.cx, w, state);
        }
    }

    fn visit_decision(&mut self, a: &'a Action, decision: &'a Decision, state: &mut PathState) {
        self.expression(&decision.condition, a.line, Some(&label(a)), state);
        walk::walk_decision(self, decision, state);
    }

    fn visit_case(&mut self, a: &'a Action, case: &'a Case, state: &mut PathState) {
        let what = format!("{} case", label(a));
        self.expression(&case.value, case.line, Some(&what), state);
        self.visit_actions(&case.actions, state);
    }

    fn visit_call_data(&mut self, a: &'a Action, call: &'a CallData, state: &mut PathState) {
        let validate = self.cx.is_validate(call);
        for input in &call.inputs {
            self.expression(&input.value, input.line, None, state);
            if validate {
                self.hash.passed(input);
            }
        }
        unhandled_data_action::check(&mut self.cx, a, call);
        if validate {
            short_timeout::check(&mut self.cx, a, call);
        }
        for output in &call.success_outputs {
            let Some(var) = &output.variable else {
                continue;
            };
            let origin = if validate {
                let field = output.name.clone();
                let string = field != "valid";
                Origin::Output { field, string }
            } else {
                Origin::Other
            };
            state.origin.insert(var.clone(), origin);
        }
        walk::walk_call_data(self, call, state);
    }

    fn visit_update_data(
        &mut self,
        _: &'a Action,
        statements: &'a [Statement],
        state: &mut PathState,
    ) {
        for s in statements {
            self.expression(&s.value, s.line, None, state);
            let origin = Self::origin_of(&s.value, state);
            if let Origin::Participant { key, .. } = &origin
                && key == self.cx.config.schema.session_hash_key()
            {
                self.hash.copied(&s.variable);
            }
            state.origin.insert(s.variable.clone(), origin);
        }
    }

    fn visit_transfer(&mut self, a: &'a Action, transfer: &'a Transfer, state: &mut PathState) {
        match &transfer.queue {
            QueueRef::Exp(op) => self.expression(op, a.line, Some(&label(a)), state),
            QueueRef::Unknown => self.cx.note(
                Code::UnjudgedQueue,
                a.line,
                format!(
                    "{}: the target queue has a shape lint-flow does not know",
                    label(a)
                ),
            ),
            QueueRef::Name(_) => {}
        }
        state.transferred.get_or_insert(a.line);
        state.ended = true;
    }

    fn visit_disconnect(&mut self, _: &'a Action, state: &mut PathState) {
        state.ended = true;
    }

    fn visit_other(&mut self, a: &'a Action, unknown: &'a Unknown, state: &mut PathState) {
        self.unknown
            .entry(a.kind_name.clone())
            .or_default()
            .push(a.line);
        for (op, line) in &unknown.expressions {
            self.expression(op, *line, None, state);
        }
        for w in &unknown.writes {
            state.origin.insert(w.clone(), Origin::Other);
        }
        walk::walk_other(self, unknown, state);
        // The action may also go on without taking any of its branches.
        state.ended = false;
    }
}
