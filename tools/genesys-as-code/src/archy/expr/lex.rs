//! Expression text into tokens, each with its character offset.

use super::ast::{BinOp, ParseError};

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    Str(String),
    Int(i64),
    Ident(String),
    Op(BinOp),
    Not,
    LParen,
    RParen,
    Comma,
}

fn err(message: &str, at: usize) -> ParseError {
    ParseError {
        message: message.to_owned(),
        at,
    }
}

struct Lexer {
    chars: Vec<char>,
    i: usize,
}

/// The tokens of `src`.
pub(super) fn lex(src: &str) -> Result<Vec<(Tok, usize)>, ParseError> {
    let mut lexer = Lexer {
        chars: src.chars().collect(),
        i: 0,
    };
    let mut out = Vec::new();
    while let Some(&c) = lexer.chars.get(lexer.i) {
        let start = lexer.i;
        let tok = match c {
            c if c.is_whitespace() => {
                lexer.i += 1;
                continue;
            }
            '"' => lexer.string()?,
            '0'..='9' => lexer.integer()?,
            c if c.is_alphabetic() || c == '_' => lexer.word(),
            _ => lexer.punctuation(c)?,
        };
        out.push((tok, start));
    }
    Ok(out)
}

impl Lexer {
    fn string(&mut self) -> Result<Tok, ParseError> {
        let start = self.i;
        let mut s = String::new();
        self.i += 1;
        loop {
            match self.chars.get(self.i) {
                None => return Err(err("unterminated string", start)),
                Some('"') => break,
                Some('\\') => {
                    let next = self
                        .chars
                        .get(self.i + 1)
                        .ok_or_else(|| err("unterminated string", start))?;
                    s.push(match next {
                        'n' => '\n',
                        't' => '\t',
                        other => *other,
                    });
                    self.i += 2;
                }
                Some(ch) => {
                    s.push(*ch);
                    self.i += 1;
                }
            }
        }
        self.i += 1;
        Ok(Tok::Str(s))
    }

    fn integer(&mut self) -> Result<Tok, ParseError> {
        let start = self.i;
        while self.chars.get(self.i).is_some_and(char::is_ascii_digit) {
            self.i += 1;
        }
        if self.chars.get(self.i) == Some(&'.') {
            return Err(err("decimal numbers are outside the subset", start));
        }
        let text: String = self.chars[start..self.i].iter().collect();
        let n = text
            .parse()
            .map_err(|_| err("integer out of range", start))?;
        Ok(Tok::Int(n))
    }

    fn word(&mut self) -> Tok {
        let start = self.i;
        while self
            .chars
            .get(self.i)
            .is_some_and(|ch| ch.is_alphanumeric() || matches!(ch, '_' | '.'))
        {
            self.i += 1;
        }
        let word: String = self.chars[start..self.i].iter().collect();
        match word.to_ascii_lowercase().as_str() {
            "and" => Tok::Op(BinOp::And),
            "or" => Tok::Op(BinOp::Or),
            "not" => Tok::Not,
            _ => Tok::Ident(word),
        }
    }

    fn punctuation(&mut self, c: char) -> Result<Tok, ParseError> {
        let start = self.i;
        let two: String = self.chars[self.i..self.chars.len().min(self.i + 2)]
            .iter()
            .collect();
        let (tok, len) = match (two.as_str(), c) {
            ("==", _) => (Tok::Op(BinOp::Eq), 2),
            ("!=" | "<>", _) => (Tok::Op(BinOp::Ne), 2),
            ("<=", _) => (Tok::Op(BinOp::Le), 2),
            (">=", _) => (Tok::Op(BinOp::Ge), 2),
            (_, '(') => (Tok::LParen, 1),
            (_, ')') => (Tok::RParen, 1),
            (_, ',') => (Tok::Comma, 1),
            (_, '<') => (Tok::Op(BinOp::Lt), 1),
            (_, '>') => (Tok::Op(BinOp::Gt), 1),
            (_, '+') => (Tok::Op(BinOp::Add), 1),
            (_, '-') => (Tok::Op(BinOp::Sub), 1),
            (_, '*') => (Tok::Op(BinOp::Mul), 1),
            (_, '/') => (Tok::Op(BinOp::Div), 1),
            (_, '=') => (Tok::Op(BinOp::Eq), 1),
            (_, '!') => (Tok::Not, 1),
            _ => return Err(err(&format!("unexpected `{c}`"), start)),
        };
        self.i += len;
        Ok(tok)
    }
}
