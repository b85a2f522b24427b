//! The rules one value must obey: a raw value converted into its attribute's type, losslessly
//! or not at all, then checked against the attribute's rules.

use serde_json::Value;

use super::error::AttributeError;
use super::schema::{AttributeDef, Schema};
use super::value::{AttributeType, AttributeValue, looks_composite, parse_canonical_integer};

impl AttributeDef {
    /// Converts a raw JSON value into this attribute's type, losslessly or not at all, then
    /// checks every rule. `null` is the caller's business (treated as absent).
    pub fn parse_json(
        &self,
        raw: &Value,
        schema: &Schema,
    ) -> Result<AttributeValue, AttributeError> {
        let key = || self.key.clone();
        if let Value::String(s) = raw
            && looks_composite(s, schema.keys())
        {
            return Err(AttributeError::Composite { key: key() });
        }
        let value = match (self.ty, raw) {
            (_, Value::Object(_) | Value::Array(_)) => {
                return Err(AttributeError::Nested { key: key() });
            }
            (AttributeType::String, Value::String(s)) => AttributeValue::String(s.clone()),
            (AttributeType::String, Value::Number(n)) if n.is_i64() || n.is_u64() => {
                // An integer has exactly one decimal spelling: converting it is lossless.
                AttributeValue::String(n.to_string())
            }
            (AttributeType::Integer, Value::Number(n)) => {
                AttributeValue::Integer(json_integer(n).ok_or_else(|| {
                    AttributeError::WrongType {
                        key: key(),
                        expected: self.ty,
                    }
                })?)
            }
            (AttributeType::Integer, Value::String(s)) => {
                AttributeValue::Integer(parse_canonical_integer(s).ok_or_else(|| {
                    AttributeError::WrongType {
                        key: key(),
                        expected: self.ty,
                    }
                })?)
            }
            (AttributeType::Boolean, Value::Bool(b)) => AttributeValue::Boolean(*b),
            (AttributeType::Boolean, Value::String(s)) if s == "true" || s == "false" => {
                AttributeValue::Boolean(s == "true")
            }
            _ => {
                return Err(AttributeError::WrongType {
                    key: key(),
                    expected: self.ty,
                });
            }
        };
        self.check_rules(&value)?;
        Ok(value)
    }

    /// Re-validates a canonical string (as stored in a session record or sent by Genesys).
    pub fn parse_canonical(
        &self,
        s: &str,
        schema: &Schema,
    ) -> Result<AttributeValue, AttributeError> {
        let value = match self.ty {
            AttributeType::String => {
                if looks_composite(s, schema.keys()) {
                    return Err(AttributeError::Composite {
                        key: self.key.clone(),
                    });
                }
                AttributeValue::String(s.to_owned())
            }
            AttributeType::Integer => {
                AttributeValue::Integer(parse_canonical_integer(s).ok_or_else(|| {
                    AttributeError::WrongType {
                        key: self.key.clone(),
                        expected: self.ty,
                    }
                })?)
            }
            AttributeType::Boolean => match s {
                "true" => AttributeValue::Boolean(true),
                "false" => AttributeValue::Boolean(false),
                _ => {
                    return Err(AttributeError::WrongType {
                        key: self.key.clone(),
                        expected: self.ty,
                    });
                }
            },
        };
        self.check_rules(&value)?;
        Ok(value)
    }

    /// Checks pattern, length, range, enum and control characters on a typed value.
    pub(crate) fn check_rules(&self, value: &AttributeValue) -> Result<(), AttributeError> {
        let key = || self.key.clone();
        match value {
            AttributeValue::String(s) => {
                if s.chars().any(char::is_control) {
                    return Err(AttributeError::ControlCharacter { key: key() });
                }
                if let Some(max_len) = self.max_len {
                    let len = s.chars().count();
                    if len > max_len {
                        return Err(AttributeError::TooLong {
                            key: key(),
                            max_len,
                            len,
                        });
                    }
                }
                if let Some((pattern, re)) = &self.pattern
                    && !re.is_match(s)
                {
                    return Err(AttributeError::Pattern {
                        key: key(),
                        pattern: pattern.clone(),
                    });
                }
            }
            AttributeValue::Integer(i) => {
                let min = self.min.unwrap_or(i64::MIN);
                let max = self.max.unwrap_or(i64::MAX);
                if !(min..=max).contains(i) {
                    return Err(AttributeError::OutOfRange {
                        key: key(),
                        min,
                        max,
                    });
                }
            }
            AttributeValue::Boolean(_) => {}
        }
        if let Some(allowed) = &self.allowed {
            let canonical = value.canonical();
            if !allowed.iter().any(|a| *a == canonical) {
                return Err(AttributeError::NotAllowed {
                    key: key(),
                    allowed: allowed.join(", "),
                });
            }
        }
        Ok(())
    }
}

fn json_integer(n: &serde_json::Number) -> Option<i64> {
    if let Some(i) = n.as_i64() {
        return Some(i);
    }
    // `2.0` is the integer 2 written as a float: accept it, since the conversion is lossless.
    let f = n.as_f64()?;
    // i64::MAX as f64 rounds up to 2^63, so the upper bound is exclusive.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if f.fract() == 0.0 && (-LIMIT..LIMIT).contains(&f) {
        #[allow(clippy::cast_possible_truncation)] // range and integrality checked above
        Some(f as i64)
    } else {
        None
    }
}
