//! The interpreter's values and types: what a variable holds at run time, the type the subset
//! check gives an expression, and the evaluation of an expression.

use serde_json::{Value, json};

use crate::archy::expr::{BinOp, Expr};
use crate::archy::flow::VarType;

/// A run-time value; `None` inside a typed value is NOT_SET of that type.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Val {
    Str(Option<String>),
    Int(Option<i64>),
    Bool(Option<bool>),
    NotSet,
}

impl Val {
    /// The value as a step shows it (`null` when NOT_SET).
    pub(super) fn show(&self) -> Value {
        match self {
            Self::Str(Some(s)) => json!(s),
            Self::Int(Some(i)) => json!(i),
            Self::Bool(Some(b)) => json!(b),
            _ => Value::Null,
        }
    }

    pub(super) fn is_set(&self) -> bool {
        !matches!(
            self,
            Self::NotSet | Self::Str(None) | Self::Int(None) | Self::Bool(None)
        )
    }

    /// The value's type.
    pub(super) fn ty(&self) -> Ty {
        match self {
            Self::Str(_) => Ty::Str,
            Self::Int(_) => Ty::Int,
            Self::Bool(_) => Ty::Bool,
            Self::NotSet => Ty::Any,
        }
    }

    /// NOT_SET typed as a declared variable holds it.
    pub(super) fn typed(self, declared: Option<VarType>) -> Self {
        match (declared, self) {
            (Some(VarType::String), Self::NotSet) => Self::Str(None),
            (Some(VarType::Integer), Self::NotSet) => Self::Int(None),
            (Some(VarType::Boolean), Self::NotSet) => Self::Bool(None),
            (_, v) => v,
        }
    }
}

/// The types of the subset.
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

    pub(super) fn name(self) -> &'static str {
        match self {
            Self::Str => "a string",
            Self::Int => "an integer",
            Self::Bool => "a boolean",
            Self::Any => "NOT_SET",
        }
    }
}

/// Evaluates `e`, reading variables through `get`; an error is a run error (the flow's error
/// handling takes over).
pub(super) fn eval(e: &Expr, get: &dyn Fn(&str) -> Val) -> Result<Val, String> {
    Ok(match e {
        Expr::Str(s) => Val::Str(Some(s.clone())),
        Expr::Int(i) => Val::Int(Some(*i)),
        Expr::Bool(b) => Val::Bool(Some(*b)),
        Expr::NotSet => Val::NotSet,
        Expr::Var(v) => get(v),
        Expr::Call(name, args) => call(name, eval(args.first().ok_or("missing argument")?, get)?)?,
        Expr::Not(inner) => match eval(inner, get)? {
            Val::Bool(Some(b)) => Val::Bool(Some(!b)),
            _ => return Err("`not` of NOT_SET".to_owned()),
        },
        Expr::Bin(op, a, b) => binary(e, *op, eval(a, get)?, eval(b, get)?)?,
    })
}

fn call(name: &str, arg: Val) -> Result<Val, String> {
    Ok(match name {
        "IsNotSetOrEmpty" => Val::Bool(Some(match &arg {
            Val::Str(Some(s)) => s.is_empty(),
            other => !other.is_set(),
        })),
        "IsSet" => Val::Bool(Some(arg.is_set())),
        "ToInt" => match arg {
            Val::Int(Some(i)) => Val::Int(Some(i)),
            Val::Str(Some(s)) => {
                Val::Int(Some(s.trim().parse().map_err(|_| {
                    format!("ToInt of \"{s}\", which is not an integer")
                })?))
            }
            _ => return Err("ToInt of NOT_SET".to_owned()),
        },
        "ToString" => match arg {
            Val::Str(s) => Val::Str(s),
            Val::Int(i) => Val::Str(i.map(|i| i.to_string())),
            Val::Bool(b) => Val::Str(b.map(|b| b.to_string())),
            Val::NotSet => Val::Str(None),
        },
        other => return Err(format!("function `{other}` is outside the subset")),
    })
}

fn binary(e: &Expr, op: BinOp, va: Val, vb: Val) -> Result<Val, String> {
    let as_bool = |v: &Val| match v {
        Val::Bool(Some(b)) => Ok(*b),
        _ => Err(format!("`{e}`: a NOT_SET boolean")),
    };
    Ok(Val::Bool(Some(match op {
        BinOp::And => as_bool(&va)? && as_bool(&vb)?,
        BinOp::Or => as_bool(&va)? || as_bool(&vb)?,
        BinOp::Eq => same(&va, &vb),
        BinOp::Ne => !same(&va, &vb),
        op => {
            let (Val::Int(Some(x)), Val::Int(Some(y))) = (&va, &vb) else {
                return Err(format!("`{e}` orders a NOT_SET value"));
            };
            match op {
                BinOp::Lt => x < y,
                BinOp::Le => x <= y,
                BinOp::Gt => x > y,
                _ => x >= y,
            }
        }
    })))
}

/// Equality as Architect compares: two NOT_SET values are equal, NOT_SET equals nothing else.
fn same(a: &Val, b: &Val) -> bool {
    let unset = |v: &Val| !v.is_set();
    match (a, b) {
        (x, y) if unset(x) || unset(y) => unset(x) && unset(y),
        (x, y) => x == y,
    }
}
