//! Architect expressions (`exp:` values): a parser for the general syntax (so the linter can
//! read any flow) and an evaluator for the subset the generated flow uses.
//!
//! The subset: string, integer and boolean literals, `NOT_SET`, `Flow.`/`State.` variables,
//! `Message.ConversationId`, the comparisons `== != < <= > >=`, `and`/`or`/`not`, and the
//! functions `IsNotSetOrEmpty`, `IsSet`, `ToInt` and `ToString`.

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

    fn symbol(self) -> &'static str {
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

fn precedence(op: BinOp) -> u8 {
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

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Str(String),
    Int(i64),
    Ident(String),
    Op(BinOp),
    Not,
    LParen,
    RParen,
    Comma,
}

fn lex(src: &str) -> Result<Vec<(Tok, usize)>, ParseError> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let err = |message: &str, at: usize| ParseError {
        message: message.to_owned(),
        at,
    };
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        match c {
            c if c.is_whitespace() => {
                i += 1;
                continue;
            }
            '"' => {
                let mut s = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err(err("unterminated string", start)),
                        Some('"') => break,
                        Some('\\') => {
                            let next = chars
                                .get(i + 1)
                                .ok_or_else(|| err("unterminated string", start))?;
                            s.push(match next {
                                'n' => '\n',
                                't' => '\t',
                                other => *other,
                            });
                            i += 2;
                        }
                        Some(ch) => {
                            s.push(*ch);
                            i += 1;
                        }
                    }
                }
                i += 1;
                out.push((Tok::Str(s), start));
            }
            '0'..='9' => {
                while chars.get(i).is_some_and(char::is_ascii_digit) {
                    i += 1;
                }
                if chars.get(i) == Some(&'.') {
                    return Err(err("decimal numbers are outside the subset", start));
                }
                let text: String = chars[start..i].iter().collect();
                let n = text
                    .parse()
                    .map_err(|_| err("integer out of range", start))?;
                out.push((Tok::Int(n), start));
            }
            c if c.is_alphabetic() || c == '_' => {
                while chars
                    .get(i)
                    .is_some_and(|ch| ch.is_alphanumeric() || matches!(ch, '_' | '.'))
                {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                let tok = match word.to_ascii_lowercase().as_str() {
                    "and" => Tok::Op(BinOp::And),
                    "or" => Tok::Op(BinOp::Or),
                    "not" => Tok::Not,
                    _ => Tok::Ident(word),
                };
                out.push((tok, start));
            }
            '(' | ')' | ',' => {
                i += 1;
                out.push((
                    match c {
                        '(' => Tok::LParen,
                        ')' => Tok::RParen,
                        _ => Tok::Comma,
                    },
                    start,
                ));
            }
            _ => {
                let two: String = chars[i..chars.len().min(i + 2)].iter().collect();
                let (op, len) = match two.as_str() {
                    "==" => (BinOp::Eq, 2),
                    "!=" | "<>" => (BinOp::Ne, 2),
                    "<=" => (BinOp::Le, 2),
                    ">=" => (BinOp::Ge, 2),
                    _ => match c {
                        '<' => (BinOp::Lt, 1),
                        '>' => (BinOp::Gt, 1),
                        '+' => (BinOp::Add, 1),
                        '-' => (BinOp::Sub, 1),
                        '*' => (BinOp::Mul, 1),
                        '/' => (BinOp::Div, 1),
                        '=' => (BinOp::Eq, 1),
                        '!' => {
                            i += 1;
                            out.push((Tok::Not, start));
                            continue;
                        }
                        _ => return Err(err(&format!("unexpected `{c}`"), start)),
                    },
                };
                i += len;
                out.push((Tok::Op(op), start));
            }
        }
    }
    Ok(out)
}

struct P {
    toks: Vec<(Tok, usize)>,
    pos: usize,
    len: usize,
}

impl P {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|(t, _)| t)
    }

    fn at(&self) -> usize {
        self.toks.get(self.pos).map_or(self.len, |(_, a)| *a)
    }

    fn err(&self, message: &str) -> ParseError {
        ParseError {
            message: message.to_owned(),
            at: self.at(),
        }
    }

    fn expr(&mut self, min: u8) -> Result<Expr, ParseError> {
        let mut left = self.unary()?;
        while let Some(Tok::Op(op)) = self.peek() {
            let op = *op;
            let p = precedence(op);
            if p < min {
                break;
            }
            self.pos += 1;
            let right = self.expr(p + 1)?;
            left = Expr::Bin(op, Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, ParseError> {
        match self.peek() {
            Some(Tok::Not) => {
                self.pos += 1;
                // `not` binds looser than comparisons: `not a == b` is `not (a == b)`.
                Ok(Expr::Not(Box::new(self.expr(3)?)))
            }
            Some(Tok::Op(BinOp::Sub)) => {
                self.pos += 1;
                match self.primary()? {
                    Expr::Int(n) => Ok(Expr::Int(-n)),
                    other => Ok(Expr::Bin(
                        BinOp::Sub,
                        Box::new(Expr::Int(0)),
                        Box::new(other),
                    )),
                }
            }
            _ => self.primary(),
        }
    }

    fn primary(&mut self) -> Result<Expr, ParseError> {
        let Some((tok, _)) = self.toks.get(self.pos).cloned() else {
            return Err(self.err("unexpected end of expression"));
        };
        self.pos += 1;
        match tok {
            Tok::Str(s) => Ok(Expr::Str(s)),
            Tok::Int(n) => Ok(Expr::Int(n)),
            Tok::LParen => {
                let e = self.expr(0)?;
                self.expect_rparen()?;
                Ok(e)
            }
            Tok::Ident(word) => {
                if self.peek() == Some(&Tok::LParen) {
                    self.pos += 1;
                    let mut args = Vec::new();
                    if self.peek() != Some(&Tok::RParen) {
                        loop {
                            args.push(self.expr(0)?);
                            if self.peek() == Some(&Tok::Comma) {
                                self.pos += 1;
                            } else {
                                break;
                            }
                        }
                    }
                    self.expect_rparen()?;
                    return Ok(Expr::Call(word, args));
                }
                Ok(match word.as_str() {
                    "true" | "True" | "TRUE" => Expr::Bool(true),
                    "false" | "False" | "FALSE" => Expr::Bool(false),
                    "NOT_SET" => Expr::NotSet,
                    _ => Expr::Var(word),
                })
            }
            _ => {
                self.pos -= 1;
                Err(self.err("expected a value"))
            }
        }
    }

    fn expect_rparen(&mut self) -> Result<(), ParseError> {
        if self.peek() == Some(&Tok::RParen) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.err("expected `)`"))
        }
    }
}

/// Parses an `exp:` string.
pub fn parse(src: &str) -> Result<Expr, ParseError> {
    let toks = lex(src)?;
    let mut p = P {
        toks,
        pos: 0,
        len: src.chars().count(),
    };
    let e = p.expr(0)?;
    if p.pos != p.toks.len() {
        return Err(p.err("unexpected text after the expression"));
    }
    Ok(e)
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_generated_forms_parse() {
        let e = parse(r#"State.geo_segment == "emea" and ToInt(State.risk_score) >= 50"#).unwrap();
        assert_eq!(e.variables(), vec!["State.geo_segment", "State.risk_score"]);
        assert_eq!(e.functions(), vec!["ToInt"]);
        assert_eq!(
            e.to_string(),
            r#"State.geo_segment == "emea" and ToInt(State.risk_score) >= 50"#
        );
        assert_eq!(
            parse("IsNotSetOrEmpty(State.session_hash)").unwrap(),
            Expr::Call(
                "IsNotSetOrEmpty".into(),
                vec![Expr::Var("State.session_hash".into())]
            )
        );
        assert_eq!(
            parse("not State.valid").unwrap(),
            Expr::Not(Box::new(Expr::Var("State.valid".into())))
        );
    }

    #[test]
    fn blueprint_style_expressions_parse_with_unknown_functions() {
        let src = "Trim(Append(\n    ToDisplayString(Append(\"Hi \", State.Name, \", \")), \n    If(IsNotSetOrEmpty(State.Name), \"\", \" \")))";
        let e = parse(src).unwrap();
        assert!(e.functions().contains(&"Append"));
        assert_eq!(
            parse(r#"State.TheIntent=="Check Order Status""#)
                .unwrap()
                .variables(),
            vec!["State.TheIntent"]
        );
        assert_eq!(
            parse(r#""say \"hi\"""#).unwrap(),
            Expr::Str("say \"hi\"".into())
        );
    }

    #[test]
    fn broken_expressions_are_errors_with_a_position() {
        assert!(parse("State.x ==").is_err());
        assert!(parse("ToInt(State.x").is_err());
        assert!(parse("\"open").is_err());
        assert_eq!(parse("a b").unwrap_err().at, 2);
        assert!(parse("1.5 > 1").is_err());
    }
}
