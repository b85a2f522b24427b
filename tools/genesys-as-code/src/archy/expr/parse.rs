//! A precedence-climbing parser over the lexer's tokens.

use super::ast::{BinOp, Expr, ParseError, precedence};
use super::lex::{Tok, lex};

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
