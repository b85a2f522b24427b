//! The expression tree, its printing and its parse error.

use std::fmt;

/// A parsed expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    /// `"text"`.
    Str(String),
    /// `42`.
    Int(i64),
    /// `true` / `false`.
    Bool(bool),
    /// `NOT_SET`.
    NotSet,
    /// `State.x`, `Flow.x`, `Message.ConversationId`, ...
    Var(String),
    /// `Name(args)`.
    Call(String, Vec<Expr>),
    /// `not x`.
    Not(Box<Expr>),
    /// `a op b`.
    Bin(BinOp, Box<Expr>, Box<Expr>),
}

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    /// `or`
    Or,
    /// `and`
    And,
    /// `==`
    Eq,
    /// `!=` or `<>`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
}

impl BinOp {
    /// Whether this compares two values.
    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            Self::Eq | Self::Ne | Self::Lt | Self::Le | Self::Gt | Self::Ge
        )
    }

    /// How Architect writes the operator.
    pub fn symbol(self) -> &'static str {
        match self {
            Self::Or => "or",
            Self::And => "and",
            Self::Eq => "==",
            Self::Ne => "!=",
            Self::Lt => "<",
            Self::Le => "<=",
            Self::Gt => ">",
            Self::Ge => ">=",
            Self::Add => "+",
            Self::Sub => "-",
            Self::Mul => "*",
            Self::Div => "/",
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Str(s) => write!(f, "{}", quote(s)),
            Self::Int(i) => write!(f, "{i}"),
            Self::Bool(b) => write!(f, "{b}"),
            Self::NotSet => f.write_str("NOT_SET"),
            Self::Var(v) => f.write_str(v),
            Self::Call(name, args) => {
                write!(f, "{name}(")?;
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{a}")?;
                }
                f.write_str(")")
            }
            Self::Not(e) => write!(f, "not ({e})"),
            Self::Bin(op, a, b) => {
                let side = |e: &Expr, f: &mut fmt::Formatter<'_>| match e {
                    Self::Bin(inner, ..) if precedence(*inner) < precedence(*op) => {
                        write!(f, "({e})")
                    }
                    _ => write!(f, "{e}"),
                };
                side(a, f)?;
                write!(f, " {} ", op.symbol())?;
                side(b, f)
            }
        }
    }
}

/// An Architect string literal: double quotes, `\"` and `\\` escaped.
pub fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

pub(super) fn precedence(op: BinOp) -> u8 {
    match op {
        BinOp::Or => 1,
        BinOp::And => 2,
        BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => 3,
        BinOp::Add | BinOp::Sub => 4,
        BinOp::Mul | BinOp::Div => 5,
    }
}

/// Why an expression could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} at character {at}")]
pub struct ParseError {
    /// What went wrong.
    pub message: String,
    /// Character offset in the expression.
    pub at: usize,
}

impl Expr {
    /// Every variable the expression reads.
    pub fn variables(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.visit(&mut |e| {
            if let Expr::Var(v) = e {
                out.push(v.as_str());
            }
        });
        out
    }

    /// Every function the expression calls.
    pub fn functions(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.visit(&mut |e| {
            if let Expr::Call(name, _) = e {
                out.push(name.as_str());
            }
        });
        out
    }

    /// Calls `f` on this node and every node below it.
    pub fn visit<'a>(&'a self, f: &mut dyn FnMut(&'a Expr)) {
        f(self);
        match self {
            Self::Call(_, args) => args.iter().for_each(|a| a.visit(f)),
            Self::Not(e) => e.visit(f),
            Self::Bin(_, a, b) => {
                a.visit(f);
                b.visit(f);
            }
            _ => {}
        }
    }
}

/// The functions the interpreter evaluates.
pub const SUBSET_FUNCTIONS: &[&str] = &["IsNotSetOrEmpty", "IsSet", "ToInt", "ToString"];

/// Variables outside `Flow.`/`State.` the interpreter knows.
pub const BUILT_IN_VARIABLES: &[&str] = &["Message.ConversationId"];
