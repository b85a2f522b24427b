//! A linter for inbound message flows people already have (exported or hand-written Archy
//! YAML), against the attribute schema. It walks every path of the flow and reports, each with
//! its line and a fix:
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

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use secure_initiation::attributes::Schema;
use serde::Serialize;

use crate::archy::expr::{BinOp, Expr};
use crate::archy::flow::{
    self, Action, ActionKind, CallData, Flow, Operand, QueueRef, ReadError, Timeout, VarType,
};
use crate::archy::template::{self, Unfilled};

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// A trap: the exit code is 1.
    Finding,
    /// Something the linter could not judge.
    Note,
}

/// One diagnostic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Finding or note.
    pub severity: Severity,
    /// A stable code (`forgeable-routing`, ...).
    pub code: &'static str,
    /// The line it is about.
    pub line: usize,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

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

#[derive(Debug, Clone, PartialEq, Eq)]
enum Origin {
    /// Read by Get Participant Data of `key` at `line`.
    Participant { key: String, line: usize },
    /// A validate-session output; `string` when the contract types it as a string.
    Output { field: String, string: bool },
    /// Anything else.
    Other,
}

#[derive(Debug, Clone, Default)]
struct PathState {
    origin: HashMap<String, Origin>,
    validated: bool,
    /// The line of a transfer earlier on this path.
    transferred: Option<usize>,
    ended: bool,
}

impl PathState {
    /// The state after a branching action: only branches that did not end go on.
    fn merge(branches: Vec<PathState>) -> PathState {
        let open: Vec<&PathState> = branches.iter().filter(|b| !b.ended).collect();
        let mut out = PathState::default();
        if open.is_empty() {
            out.ended = true;
            out.transferred = branches.iter().find_map(|b| b.transferred);
            return out;
        }
        out.validated = open.iter().all(|b| b.validated);
        out.transferred = if open.iter().all(|b| b.transferred.is_some()) {
            open[0].transferred
        } else {
            None
        };
        for b in &open {
            for (k, v) in &b.origin {
                let keep = matches!(out.origin.get(k), Some(Origin::Participant { .. }));
                if !keep {
                    out.origin.insert(k.clone(), v.clone());
                }
            }
        }
        out
    }
}

struct Linter<'a> {
    config: &'a LintConfig,
    flow: &'a Flow,
    out: Vec<Diagnostic>,
    unknown: BTreeMap<String, Vec<usize>>,
    hash_vars: BTreeSet<String>,
    hash_read_line: Option<usize>,
    hash_validated: bool,
}

fn show(s: &str) -> String {
    template::display(s)
}

impl Linter<'_> {
    fn finding(&mut self, code: &'static str, line: usize, message: String, fix: String) {
        self.out.push(Diagnostic {
            severity: Severity::Finding,
            code,
            line,
            message,
            fix: Some(fix),
        });
    }

    fn note(&mut self, code: &'static str, line: usize, message: String) {
        self.out.push(Diagnostic {
            severity: Severity::Note,
            code,
            line,
            message,
            fix: None,
        });
    }

    fn is_schema_key(&self, key: &str) -> bool {
        self.config.schema.attribute(key).is_some()
    }

    fn is_validate(&self, call: &CallData) -> bool {
        call.action == self.config.action_name
            || call.inputs.iter().any(|(name, ..)| name == "sessionHash")
    }

    /// Checks one expression: comparisons with numbers everywhere; participant data when it
    /// routes.
    fn expression(
        &mut self,
        op: &Operand,
        line: usize,
        what: &str,
        routes: bool,
        state: &PathState,
    ) {
        match op {
            Operand::Exp(e, src) => {
                self.numbers(e, src, line, state);
                if routes {
                    self.forgeable(e, src, line, what, state);
                }
            }
            Operand::BadExp(src, err) => self.note(
                "unparsed-expression",
                line,
                format!(
                    "the expression `{}` does not parse ({err}); it is not judged",
                    show(src)
                ),
            ),
            _ => {}
        }
    }

    fn numbers(&mut self, e: &Expr, src: &str, line: usize, state: &PathState) {
        let mut hits = Vec::new();
        e.visit(&mut |node| {
            if let Expr::Bin(op, a, b) = node
                && op.is_comparison()
            {
                let pair = match (a.as_ref(), b.as_ref()) {
                    (Expr::Var(v), Expr::Int(n)) | (Expr::Int(n), Expr::Var(v)) => {
                        Some((v.clone(), *n, *op))
                    }
                    _ => None,
                };
                if let Some(p) = pair {
                    hits.push(p);
                }
            }
        });
        for (var, n, op) in hits {
            let attribute = match state.origin.get(&var) {
                Some(Origin::Output {
                    field,
                    string: true,
                }) => Some(field.clone()),
                Some(Origin::Participant { key, .. }) => Some(key.clone()),
                _ => {
                    let suffix = var.rsplit_once('.').map_or(var.as_str(), |(_, s)| s);
                    let declared_int = self.flow.variable(&var) == Some(VarType::Integer);
                    (self.is_schema_key(suffix) && !declared_int).then(|| suffix.to_owned())
                }
            };
            let Some(attribute) = attribute else { continue };
            let symbol = match op {
                BinOp::Eq => "==",
                BinOp::Ne => "!=",
                BinOp::Lt => "<",
                BinOp::Le => "<=",
                BinOp::Gt => ">",
                _ => ">=",
            };
            let fix = if matches!(op, BinOp::Eq | BinOp::Ne) {
                format!(
                    "compare strings: `{var} {symbol} \"{n}\"` (or `ToInt({var}) {symbol} {n}`)"
                )
            } else {
                format!("convert first: `ToInt({var}) {symbol} {n}`")
            };
            self.finding(
                "number-comparison",
                line,
                format!(
                    "`{}` compares `{var}` (`{attribute}`, a string) with the number {n}: the guide's Edge Case 1, the conversation falls through to the default queue",
                    show(src)
                ),
                fix,
            );
        }
    }

    fn forgeable(&mut self, e: &Expr, src: &str, line: usize, what: &str, state: &PathState) {
        let mut flagged: Vec<(String, String, usize)> = Vec::new();
        fn walk(
            e: &Expr,
            hash_vars: &BTreeSet<String>,
            state: &PathState,
            out: &mut Vec<(String, String, usize)>,
        ) {
            match e {
                Expr::Call(name, args)
                    if matches!(name.as_str(), "IsNotSetOrEmpty" | "IsSet")
                        && matches!(args.as_slice(), [Expr::Var(v)] if hash_vars.contains(v)) => {}
                Expr::Var(v) => {
                    if let Some(Origin::Participant { key, line }) = state.origin.get(v) {
                        out.push((v.clone(), key.clone(), *line));
                    }
                }
                Expr::Call(_, args) => args.iter().for_each(|a| walk(a, hash_vars, state, out)),
                Expr::Not(inner) => walk(inner, hash_vars, state, out),
                Expr::Bin(_, a, b) => {
                    walk(a, hash_vars, state, out);
                    walk(b, hash_vars, state, out);
                }
                _ => {}
            }
        }
        walk(e, &self.hash_vars, state, &mut flagged);
        flagged.dedup();
        for (var, key, read_line) in flagged {
            let through = if self.is_schema_key(&key) {
                format!(
                    "map validate-session's `{key}` output to a variable and route on it after checking `valid`"
                )
            } else {
                format!(
                    "add `{key}` to config/attributes.toml (`expose = true`) so validate-session returns it, and route on that output after checking `valid`"
                )
            };
            self.finding(
                "forgeable-routing",
                line,
                format!(
                    "{what} `{}` routes on `{var}`, read from participant data `{}` (line {read_line}) without validate-session: the browser can set it (forgeable)",
                    show(src),
                    show(&key)
                ),
                through,
            );
        }
    }

    fn actions(&mut self, actions: &[Action], mut state: PathState) -> PathState {
        for a in actions {
            if state.ended {
                // A transfer ended this path; what follows runs only if it failed, and after
                // the agent's snapshot: keep walking to catch late writes.
                state.ended = false;
            }
            state = self.action(a, state);
        }
        state
    }

    fn action(&mut self, a: &Action, mut state: PathState) -> PathState {
        let label = format!("{} \"{}\"", a.kind_name, show(&a.name));
        match &a.kind {
            ActionKind::GetParticipantData(reads) => {
                for r in reads {
                    match &r.key {
                        Operand::Lit(key) if template::has_unfilled(key) => self.note(
                            "unjudged-key",
                            r.line,
                            format!(
                                "the key `{}` is a placeholder; give it with --set to judge it",
                                show(key)
                            ),
                        ),
                        Operand::Lit(key) => {
                            if !self.is_schema_key(key) {
                                self.finding(
                                    "unknown-key",
                                    r.line,
                                    format!("reads participant data `{key}`, which config/attributes.toml does not define: nothing server-side sets it, so only the browser (or a typo) can"),
                                    format!("define `{key}` in config/attributes.toml, or read the attribute the schema has under another name"),
                                );
                            }
                            if key == self.config.schema.session_hash_key() {
                                self.hash_read_line.get_or_insert(r.line);
                            }
                            state.origin.insert(
                                r.variable.clone(),
                                Origin::Participant {
                                    key: key.clone(),
                                    line: r.line,
                                },
                            );
                        }
                        _ => {
                            self.note(
                                "unjudged-key",
                                r.line,
                                "the key is an expression; it is not judged".to_owned(),
                            );
                            state.origin.insert(
                                r.variable.clone(),
                                Origin::Participant {
                                    key: "(expression)".to_owned(),
                                    line: r.line,
                                },
                            );
                        }
                    }
                }
                state
            }
            ActionKind::SetParticipantData(writes) => {
                for w in writes {
                    self.expression(&w.value, w.line, "value", false, &state);
                    if let (Some(t), Operand::Lit(key)) = (state.transferred, &w.key)
                        && self.is_schema_key(key)
                    {
                        self.finding(
                            "set-after-transfer",
                            w.line,
                            format!("sets `{key}` after the Transfer to ACD at line {t}: WEM takes its snapshot when the agent connects, so agents, WEM and analytics miss it (the guide's Edge Case 3)"),
                            "move this Set Participant Data before the transfer".to_owned(),
                        );
                    }
                }
                state
            }
            ActionKind::Decision { condition, yes, no } => {
                self.expression(condition, a.line, &label, true, &state);
                let (yes_state, no_state) = self.split(condition, &state);
                let y = self.actions(yes, yes_state);
                let n = self.actions(no, no_state);
                PathState::merge(vec![y, n])
            }
            ActionKind::Switch { cases, default } => {
                let mut branches = Vec::new();
                for c in cases {
                    self.expression(&c.value, c.line, &format!("{label} case"), true, &state);
                    let (yes_state, _) = self.split(&c.value, &state);
                    branches.push(self.actions(&c.actions, yes_state));
                }
                branches.push(self.actions(default, state.clone()));
                PathState::merge(branches)
            }
            ActionKind::CallData(call) => self.call_data(a, call, state),
            ActionKind::UpdateData(statements) => {
                for s in statements {
                    self.expression(&s.value, s.line, "value", false, &state);
                    let origin = match &s.value {
                        Operand::Exp(e, _) => e
                            .variables()
                            .iter()
                            .filter_map(|v| state.origin.get(*v))
                            .find(|o| matches!(o, Origin::Participant { .. }))
                            .or_else(|| match e {
                                Expr::Var(v) => state.origin.get(v),
                                _ => None,
                            })
                            .cloned()
                            .unwrap_or(Origin::Other),
                        _ => Origin::Other,
                    };
                    if let Origin::Participant { key, .. } = &origin
                        && key == self.config.schema.session_hash_key()
                    {
                        self.hash_vars.insert(s.variable.clone());
                    }
                    state.origin.insert(s.variable.clone(), origin);
                }
                state
            }
            ActionKind::TransferToAcd { queue } => {
                match queue {
                    QueueRef::Exp(op) => self.expression(op, a.line, &label, true, &state),
                    QueueRef::Unknown => self.note(
                        "unjudged-queue",
                        a.line,
                        format!("{label}: the target queue has a shape lint-flow does not know"),
                    ),
                    QueueRef::Name(_) => {}
                }
                state.transferred.get_or_insert(a.line);
                state.ended = true;
                state
            }
            ActionKind::Disconnect => {
                state.ended = true;
                state
            }
            ActionKind::Other {
                branches,
                writes,
                expressions,
            } => {
                self.unknown
                    .entry(a.kind_name.clone())
                    .or_default()
                    .push(a.line);
                for (op, line) in expressions {
                    self.expression(op, *line, "value", false, &state);
                }
                for w in writes {
                    state.origin.insert(w.clone(), Origin::Other);
                }
                let results: Vec<PathState> = branches
                    .iter()
                    .map(|b| self.actions(b, state.clone()))
                    .collect();
                if results.is_empty() {
                    state
                } else {
                    let mut merged = PathState::merge(results);
                    // The action may also go on without taking any of its branches.
                    merged.ended = false;
                    merged
                }
            }
        }
    }

    /// The states on the two sides of a condition: the side where validate-session's `valid`
    /// is true becomes validated.
    fn split(&self, condition: &Operand, state: &PathState) -> (PathState, PathState) {
        let mut yes = state.clone();
        let mut no = state.clone();
        let Operand::Exp(e, _) = condition else {
            return (yes, no);
        };
        let is_valid = |v: &str| matches!(state.origin.get(v), Some(Origin::Output { field, .. }) if field == "valid");
        let (positive, negative) = match e {
            Expr::Var(v) if is_valid(v) => (true, false),
            Expr::Not(inner) if matches!(inner.as_ref(), Expr::Var(v) if is_valid(v)) => {
                (false, true)
            }
            Expr::Bin(BinOp::Eq, a, b) | Expr::Bin(BinOp::Ne, a, b) => {
                let eq = matches!(e, Expr::Bin(BinOp::Eq, ..));
                match (a.as_ref(), b.as_ref()) {
                    (Expr::Var(v), Expr::Bool(t)) | (Expr::Bool(t), Expr::Var(v))
                        if is_valid(v) =>
                    {
                        let when_yes = *t == eq;
                        (when_yes, !when_yes)
                    }
                    _ => (false, false),
                }
            }
            _ => (false, false),
        };
        if positive {
            yes.validated = true;
        }
        if negative {
            no.validated = true;
        }
        (yes, no)
    }

    fn call_data(&mut self, a: &Action, call: &CallData, mut state: PathState) -> PathState {
        let validate = self.is_validate(call);
        let label = format!("Call Data Action \"{}\"", show(&a.name));
        for (name, op, line) in &call.inputs {
            self.expression(op, *line, "input", false, &state);
            if validate
                && name == "sessionHash"
                && let Operand::Exp(e, _) = op
            {
                for v in e.variables() {
                    if self.hash_vars.contains(v) {
                        self.hash_validated = true;
                    }
                }
            }
        }
        for (path, name) in [(&call.failure, "Failure"), (&call.on_timeout, "Timeout")] {
            if path.as_ref().is_none_or(Vec::is_empty) {
                self.finding(
                    "unhandled-data-action",
                    a.line,
                    format!("{label} has no {name} path: when the call {} the flow carries on after it as if it had succeeded", if name == "Failure" { "fails" } else { "times out" }),
                    format!("give `outputs.{}` actions, such as a Transfer to ACD to the default queue", name.to_lowercase()),
                );
            }
        }
        if validate {
            let deadline = self.config.deadline;
            match &call.timeout {
                Some((Timeout::Duration(d), line)) if *d < deadline => self.finding(
                    "short-timeout",
                    *line,
                    format!("{label} waits {} ms, less than validate-session's deadline of {} ms: a slow but correct answer takes the Timeout path", d.as_millis(), deadline.as_millis()),
                    format!("set the timeout above {} ms (the generated flow waits as long as the action's own timeout)", deadline.as_millis()),
                ),
                Some((Timeout::Unknown, line)) => self.note("unjudged-timeout", *line, format!("{label}: the timeout is not a literal duration; it is not judged")),
                None => self.note("unjudged-timeout", a.line, format!("{label} sets no timeout: check that Architect's default is above validate-session's deadline ({} ms)", deadline.as_millis())),
                _ => {}
            }
            if template::has_unfilled(&call.action) {
                self.note("unjudged-action", call.action_line, format!("the data action's name `{}` is a placeholder; it is taken as validate-session because it has a `sessionHash` input", show(&call.action)));
            }
        }
        let mut success_state = state.clone();
        for (field, var, _) in &call.success_outputs {
            let Some(var) = var else { continue };
            let origin = if validate {
                Origin::Output {
                    field: field.clone(),
                    string: field != "valid",
                }
            } else {
                Origin::Other
            };
            success_state.origin.insert(var.clone(), origin.clone());
            state.origin.insert(var.clone(), origin);
        }
        let mut branches = Vec::new();
        let paths = [
            (&call.success, success_state),
            (&call.failure, state.clone()),
            (&call.on_timeout, state.clone()),
        ];
        for (path, s) in paths {
            branches.push(match path {
                Some(actions) => self.actions(actions, s),
                None => s,
            });
        }
        PathState::merge(branches)
    }
}

/// Lints a flow file's text. `substitutions` fill placeholders; the others are accepted.
pub fn lint(
    text: &str,
    substitutions: &BTreeMap<String, String>,
    config: &LintConfig,
) -> Result<Vec<Diagnostic>, ReadError> {
    let flow = flow::read(text, substitutions, Unfilled::StandIn)?;
    let mut linter = Linter {
        config,
        flow: &flow,
        out: Vec::new(),
        unknown: BTreeMap::new(),
        hash_vars: BTreeSet::new(),
        hash_read_line: None,
        hash_validated: false,
    };
    for note in &flow.notes {
        linter.note("unread", note.line, note.message.clone());
    }
    if flow.kind != "inboundShortMessage" {
        linter.note(
            "flow-type",
            flow.line,
            format!(
                "this is an `{}` flow; the rules are written for inbound message flows",
                flow.kind
            ),
        );
    }
    // The variables the session hash is read into, so a presence check of it is not routing.
    let hash_key = config.schema.session_hash_key().to_owned();
    collect_hash_vars(&flow.start().actions, &hash_key, &mut linter.hash_vars);
    for state in &flow.states {
        linter.actions(&state.actions, PathState::default());
    }
    if !linter.hash_validated {
        let line = linter.hash_read_line.unwrap_or(flow.line);
        let read = if linter.hash_read_line.is_some() {
            "is read but never passed"
        } else {
            "is never read nor passed"
        };
        linter.finding(
            "unvalidated-session-hash",
            line,
            format!("`{hash_key}` {read} to validate-session: nothing in this flow tells a genuine context from a forged one"),
            format!("read `{hash_key}` with Get Participant Data and pass it as `sessionHash` to the validate-session data action (`{}`), as the generated flow does", config.action_name),
        );
    }
    for (kind, lines) in std::mem::take(&mut linter.unknown) {
        let shown: Vec<String> = lines.iter().map(usize::to_string).collect();
        linter.note(
            "unknown-action",
            lines[0],
            format!("`{kind}` (line {}) is outside what lint-flow judges: its actions are walked, the variables it writes are taken as neither participant data nor validated", shown.join(", ")),
        );
    }
    let mut out = linter.out;
    out.sort_by(|a, b| a.line.cmp(&b.line).then(a.severity.cmp(&b.severity)));
    out.dedup();
    Ok(out)
}

fn collect_hash_vars(actions: &[Action], key: &str, out: &mut BTreeSet<String>) {
    for a in actions {
        match &a.kind {
            ActionKind::GetParticipantData(reads) => {
                for r in reads {
                    if matches!(&r.key, Operand::Lit(k) if k == key) {
                        out.insert(r.variable.clone());
                    }
                }
            }
            ActionKind::Decision { yes, no, .. } => {
                collect_hash_vars(yes, key, out);
                collect_hash_vars(no, key, out);
            }
            ActionKind::Switch { cases, default } => {
                for c in cases {
                    collect_hash_vars(&c.actions, key, out);
                }
                collect_hash_vars(default, key, out);
            }
            ActionKind::CallData(call) => {
                for p in [&call.success, &call.failure, &call.on_timeout]
                    .into_iter()
                    .flatten()
                {
                    collect_hash_vars(p, key, out);
                }
            }
            ActionKind::Other { branches, .. } => {
                for b in branches {
                    collect_hash_vars(b, key, out);
                }
            }
            _ => {}
        }
    }
}
