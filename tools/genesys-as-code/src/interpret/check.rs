//! The subset check the interpreter runs before a flow is accepted: action kinds, expression
//! functions and variables, and the types every comparison and assignment needs. A small
//! visitor over the flow; the first refusal in walking order is the one reported.

use super::value::Ty;
use crate::archy::expr::{BUILT_IN_VARIABLES, BinOp, Expr, SUBSET_FUNCTIONS};
use crate::archy::flow::walk::{self, Visit};
use crate::archy::flow::{
    Action, CallData, Case, Decision, Flow, Operand, QueueRef, ReadAttribute, Statement, Timeout,
    Transfer, Unknown, WriteAttribute,
};

/// An action outside the subset, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Refusal {
    pub(super) action: String,
    pub(super) name: String,
    pub(super) line: usize,
    pub(super) reason: String,
}

/// Checks the start state's actions.
pub(super) fn check(flow: &Flow) -> Result<(), Refusal> {
    let mut checker = Check { flow, first: None };
    checker.visit_actions(&flow.start().actions, &mut ());
    checker.first.map_or(Ok(()), Err)
}

struct Check<'f> {
    flow: &'f Flow,
    first: Option<Refusal>,
}

impl Check<'_> {
    fn refuse(&mut self, a: &Action, reason: impl Into<String>) {
        self.first.get_or_insert_with(|| Refusal {
            action: a.kind_name.clone(),
            name: a.name.clone(),
            line: a.line,
            reason: reason.into(),
        });
    }

    fn operand(&mut self, a: &Action, op: &Operand, want: Option<Ty>, what: &str) {
        let refusal = match op {
            Operand::Exp(e, src) => match type_of(self.flow, e) {
                Err(r) => Some(format!("{what} `{src}`: {r}")),
                Ok(t) => want
                    .filter(|w| t != *w && t != Ty::Any)
                    .map(|w| format!("{what} `{src}` is {}, not {}", t.name(), w.name())),
            },
            Operand::BadExp(src, e) => Some(format!("{what} `{src}` does not parse: {e}")),
            Operand::Lit(_) if want != Some(Ty::Bool) => None,
            Operand::NoValue if what == "input" => None,
            _ => Some(format!("{what} must be an `exp:` or `lit:` value")),
        };
        if let Some(reason) = refusal {
            self.refuse(a, reason);
        }
    }

    fn var(&mut self, a: &Action, var: &str, want: Ty) {
        match self.flow.variable(var).and_then(Ty::of) {
            Some(t) if t == want => {}
            Some(t) => self.refuse(a, format!("`{var}` is {}, not {}", t.name(), want.name())),
            None => self.refuse(
                a,
                format!("variable `{var}` is not declared (or has another type)"),
            ),
        }
    }

    fn literal_key(&mut self, a: &Action, key: &Operand) {
        if !matches!(key, Operand::Lit(_)) {
            self.refuse(a, "attribute names must be `lit:`");
        }
    }
}

impl<'a> Visit<'a> for Check<'_> {
    type State = ();

    fn visit_get_participant_data(
        &mut self,
        a: &'a Action,
        reads: &'a [ReadAttribute],
        _: &mut (),
    ) {
        for r in reads {
            self.literal_key(a, &r.key);
            self.var(a, &r.variable, Ty::Str);
        }
    }

    fn visit_set_participant_data(
        &mut self,
        a: &'a Action,
        writes: &'a [WriteAttribute],
        _: &mut (),
    ) {
        for w in writes {
            self.literal_key(a, &w.key);
            self.operand(a, &w.value, Some(Ty::Str), "value");
        }
    }

    fn visit_decision(&mut self, a: &'a Action, decision: &'a Decision, state: &mut ()) {
        self.operand(a, &decision.condition, Some(Ty::Bool), "condition");
        walk::walk_decision(self, decision, state);
    }

    fn visit_case(&mut self, a: &'a Action, case: &'a Case, state: &mut ()) {
        self.operand(a, &case.value, Some(Ty::Bool), "case");
        self.visit_actions(&case.actions, state);
    }

    fn visit_call_data(&mut self, a: &'a Action, call: &'a CallData, state: &mut ()) {
        if let Some((Timeout::Unknown, _)) = call.timeout {
            self.refuse(a, "the timeout must be a literal duration");
        }
        for input in &call.inputs {
            self.operand(a, &input.value, Some(Ty::Str), "input");
        }
        for output in &call.success_outputs {
            if let Some(var) = &output.variable
                && self.flow.variable(var).and_then(Ty::of).is_none()
            {
                self.refuse(a, format!("output variable `{var}` is not declared"));
            }
        }
        walk::walk_call_data(self, call, state);
    }

    fn visit_update_data(&mut self, a: &'a Action, statements: &'a [Statement], _: &mut ()) {
        for s in statements {
            let Some(want) = Ty::of(s.ty) else {
                self.refuse(a, "statement type outside the subset");
                continue;
            };
            self.var(a, &s.variable, want);
            self.operand(a, &s.value, Some(want), "value");
        }
    }

    fn visit_transfer(&mut self, a: &'a Action, transfer: &'a Transfer, _: &mut ()) {
        match &transfer.queue {
            QueueRef::Name(_) => {}
            QueueRef::Exp(op) => self.operand(a, op, Some(Ty::Str), "queue"),
            QueueRef::Unknown => {
                self.refuse(a, "the target queue must be `lit: {name: ...}` or `exp:`");
            }
        }
    }

    fn visit_other(&mut self, a: &'a Action, _: &'a Unknown, _: &mut ()) {
        self.refuse(a, "this action is outside the subset the interpreter runs");
    }
}

/// The type of an expression of the subset, or why it is outside.
fn type_of(flow: &Flow, e: &Expr) -> Result<Ty, String> {
    Ok(match e {
        Expr::Str(_) => Ty::Str,
        Expr::Int(_) => Ty::Int,
        Expr::Bool(_) => Ty::Bool,
        Expr::NotSet => Ty::Any,
        Expr::Var(v) if BUILT_IN_VARIABLES.contains(&v.as_str()) => Ty::Str,
        Expr::Var(v) => {
            if !(v.starts_with("State.") || v.starts_with("Flow.")) {
                return Err(format!("variable `{v}` is outside the subset"));
            }
            let declared = flow
                .variable(v)
                .ok_or_else(|| format!("variable `{v}` is not declared"))?;
            Ty::of(declared)
                .ok_or_else(|| format!("variable `{v}` has a type outside the subset"))?
        }
        Expr::Call(name, args) => call_type(flow, name, args)?,
        Expr::Not(inner) => match type_of(flow, inner)? {
            Ty::Bool => Ty::Bool,
            t => return Err(format!("`not` of {}", t.name())),
        },
        Expr::Bin(op, a, b) => binary_type(e, *op, type_of(flow, a)?, type_of(flow, b)?)?,
    })
}

fn call_type(flow: &Flow, name: &str, args: &[Expr]) -> Result<Ty, String> {
    if !SUBSET_FUNCTIONS.contains(&name) {
        return Err(format!("function `{name}` is outside the subset"));
    }
    let [arg] = args else {
        return Err(format!("`{name}` takes one argument"));
    };
    Ok(match (name, type_of(flow, arg)?) {
        ("IsNotSetOrEmpty", Ty::Str | Ty::Any) => Ty::Bool,
        ("IsSet", _) => Ty::Bool,
        ("ToInt", Ty::Str | Ty::Int) => Ty::Int,
        ("ToString", _) => Ty::Str,
        (_, t) => return Err(format!("`{name}` does not take {}", t.name())),
    })
}

fn binary_type(e: &Expr, op: BinOp, ta: Ty, tb: Ty) -> Result<Ty, String> {
    match op {
        BinOp::And | BinOp::Or if ta != Ty::Bool || tb != Ty::Bool => {
            Err(format!("`{e}` combines values that are not booleans"))
        }
        BinOp::And | BinOp::Or => Ok(Ty::Bool),
        op if op.is_comparison() => {
            if ta != tb && ta != Ty::Any && tb != Ty::Any {
                return Err(format!(
                    "`{e}` compares {} with {} (a data action's string output needs a string literal, or ToInt(...) for a number)",
                    ta.name(),
                    tb.name()
                ));
            }
            if ta != Ty::Int && !matches!(op, BinOp::Eq | BinOp::Ne) {
                return Err(format!(
                    "`{e}` orders {}: only integers are ordered",
                    ta.name()
                ));
            }
            Ok(Ty::Bool)
        }
        _ => Err(format!("arithmetic (`{e}`) is outside the subset")),
    }
}
