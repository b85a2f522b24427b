//! The subset check the interpreter runs before a flow is accepted: action kinds, expression
//! functions and variables, and the types every comparison and assignment needs.

use super::LoadError;
use crate::archy::expr::{BUILT_IN_VARIABLES, BinOp, Expr, SUBSET_FUNCTIONS};
use crate::archy::flow::{Action, ActionKind, Flow, Operand, QueueRef, Timeout, VarType};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ty {
    Str,
    Int,
    Bool,
    Any,
}

impl Ty {
    pub(super) fn of(v: VarType) -> Option<Self> {
        match v {
            VarType::String => Some(Self::Str),
            VarType::Integer => Some(Self::Int),
            VarType::Boolean => Some(Self::Bool),
            VarType::Other => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Str => "a string",
            Self::Int => "an integer",
            Self::Bool => "a boolean",
            Self::Any => "NOT_SET",
        }
    }
}

fn refuse(a: &Action, reason: impl Into<String>) -> LoadError {
    LoadError::Refused {
        action: a.kind_name.clone(),
        name: a.name.clone(),
        line: a.line,
        reason: reason.into(),
    }
}

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
        Expr::Call(name, args) => {
            if !SUBSET_FUNCTIONS.contains(&name.as_str()) {
                return Err(format!("function `{name}` is outside the subset"));
            }
            let [arg] = args.as_slice() else {
                return Err(format!("`{name}` takes one argument"));
            };
            let t = type_of(flow, arg)?;
            match (name.as_str(), t) {
                ("IsNotSetOrEmpty", Ty::Str | Ty::Any) => Ty::Bool,
                ("IsSet", _) => Ty::Bool,
                ("ToInt", Ty::Str | Ty::Int) => Ty::Int,
                ("ToString", _) => Ty::Str,
                (_, t) => return Err(format!("`{name}` does not take {}", t.name())),
            }
        }
        Expr::Not(inner) => match type_of(flow, inner)? {
            Ty::Bool => Ty::Bool,
            t => return Err(format!("`not` of {}", t.name())),
        },
        Expr::Bin(op, a, b) => {
            let (ta, tb) = (type_of(flow, a)?, type_of(flow, b)?);
            match op {
                BinOp::And | BinOp::Or => {
                    if ta != Ty::Bool || tb != Ty::Bool {
                        return Err(format!("`{e}` combines values that are not booleans"));
                    }
                    Ty::Bool
                }
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
                    Ty::Bool
                }
                _ => return Err(format!("arithmetic (`{e}`) is outside the subset")),
            }
        }
    })
}

fn check_operand(
    flow: &Flow,
    a: &Action,
    op: &Operand,
    want: Option<Ty>,
    what: &str,
) -> Result<(), LoadError> {
    match op {
        Operand::Exp(e, src) => {
            let t = type_of(flow, e).map_err(|r| refuse(a, format!("{what} `{src}`: {r}")))?;
            if let Some(w) = want
                && t != w
                && t != Ty::Any
            {
                return Err(refuse(
                    a,
                    format!("{what} `{src}` is {}, not {}", t.name(), w.name()),
                ));
            }
            Ok(())
        }
        Operand::BadExp(src, e) => Err(refuse(a, format!("{what} `{src}` does not parse: {e}"))),
        Operand::Lit(_) if want != Some(Ty::Bool) => Ok(()),
        Operand::NoValue if what == "input" => Ok(()),
        _ => Err(refuse(
            a,
            format!("{what} must be an `exp:` or `lit:` value"),
        )),
    }
}

fn check_var(flow: &Flow, a: &Action, var: &str, want: Ty) -> Result<(), LoadError> {
    match flow.variable(var).and_then(Ty::of) {
        Some(t) if t == want => Ok(()),
        Some(t) => Err(refuse(
            a,
            format!("`{var}` is {}, not {}", t.name(), want.name()),
        )),
        None => Err(refuse(
            a,
            format!("variable `{var}` is not declared (or has another type)"),
        )),
    }
}

pub(super) fn check(flow: &Flow, actions: &[Action]) -> Result<(), LoadError> {
    for a in actions {
        match &a.kind {
            ActionKind::GetParticipantData(reads) => {
                for r in reads {
                    if !matches!(r.key, Operand::Lit(_)) {
                        return Err(refuse(a, "attribute names must be `lit:`"));
                    }
                    check_var(flow, a, &r.variable, Ty::Str)?;
                }
            }
            ActionKind::SetParticipantData(writes) => {
                for w in writes {
                    if !matches!(w.key, Operand::Lit(_)) {
                        return Err(refuse(a, "attribute names must be `lit:`"));
                    }
                    check_operand(flow, a, &w.value, Some(Ty::Str), "value")?;
                }
            }
            ActionKind::Decision { condition, yes, no } => {
                check_operand(flow, a, condition, Some(Ty::Bool), "condition")?;
                check(flow, yes)?;
                check(flow, no)?;
            }
            ActionKind::Switch { cases, default } => {
                for c in cases {
                    check_operand(flow, a, &c.value, Some(Ty::Bool), "case")?;
                    check(flow, &c.actions)?;
                }
                check(flow, default)?;
            }
            ActionKind::CallData(call) => {
                if let Some((Timeout::Unknown, _)) = call.timeout {
                    return Err(refuse(a, "the timeout must be a literal duration"));
                }
                for (_, input, _) in &call.inputs {
                    check_operand(flow, a, input, Some(Ty::Str), "input")?;
                }
                for (_, var, _) in &call.success_outputs {
                    if let Some(var) = var
                        && flow.variable(var).and_then(Ty::of).is_none()
                    {
                        return Err(refuse(
                            a,
                            format!("output variable `{var}` is not declared"),
                        ));
                    }
                }
                for path in [&call.success, &call.failure, &call.on_timeout]
                    .into_iter()
                    .flatten()
                {
                    check(flow, path)?;
                }
            }
            ActionKind::UpdateData(statements) => {
                for s in statements {
                    let want = Ty::of(s.ty)
                        .ok_or_else(|| refuse(a, "statement type outside the subset"))?;
                    check_var(flow, a, &s.variable, want)?;
                    check_operand(flow, a, &s.value, Some(want), "value")?;
                }
            }
            ActionKind::TransferToAcd { queue } => match queue {
                QueueRef::Name(_) => {}
                QueueRef::Exp(op) => check_operand(flow, a, op, Some(Ty::Str), "queue")?,
                QueueRef::Unknown => {
                    return Err(refuse(
                        a,
                        "the target queue must be `lit: {name: ...}` or `exp:`",
                    ));
                }
            },
            ActionKind::Disconnect => {}
            ActionKind::Other { .. } => {
                return Err(refuse(
                    a,
                    "this action is outside the subset the interpreter runs",
                ));
            }
        }
    }
    Ok(())
}
