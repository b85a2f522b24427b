//! A small block-style YAML writer, the flow serialiser's back end: maps keep their order,
//! keys are written as they are (so a `{{...}}` placeholder can stand in key position, the way
//! Genesys's blueprints write it), strings are quoted only where YAML needs it, and `Raw` values
//! (numbers, booleans) are written as they are.

use std::fmt::Write as _;

/// A YAML value to write.
#[derive(Debug)]
pub(crate) enum Y {
    Map(Vec<(String, Y)>),
    Seq(Vec<Y>),
    /// A string, quoted when YAML needs it.
    Str(String),
    /// Written as is (numbers, booleans, placeholders).
    Raw(String),
}

pub(crate) fn one(key: &str, value: Y) -> Y {
    Y::Map(vec![(key.to_owned(), value)])
}

pub(crate) fn raw(text: &str) -> Y {
    Y::Raw(text.to_owned())
}

pub(crate) fn no_value() -> Y {
    one("noValue", raw("true"))
}

fn plain_ok(text: &str) -> bool {
    let reserved = [
        "true", "false", "yes", "no", "on", "off", "null", "y", "n", "~",
    ];
    let first_ok = text.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
    first_ok
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '_' | '.' | '-' | '/'))
        && !text.ends_with(' ')
        && !reserved.contains(&text.to_ascii_lowercase().as_str())
}

fn scalar(text: &str) -> String {
    if plain_ok(text) {
        text.to_owned()
    } else {
        let escaped = text
            .replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('\n', "\\n")
            .replace('\t', "\\t");
        format!("\"{escaped}\"")
    }
}

pub(crate) fn emit(y: &Y, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match y {
        Y::Map(entries) => {
            for (k, v) in entries {
                match v {
                    Y::Str(t) => {
                        let _ = writeln!(out, "{pad}{k}: {}", scalar(t));
                    }
                    Y::Raw(t) => {
                        let _ = writeln!(out, "{pad}{k}: {t}");
                    }
                    Y::Map(e) if e.is_empty() => {
                        let _ = writeln!(out, "{pad}{k}: {{}}");
                    }
                    Y::Seq(items) if items.is_empty() => {
                        let _ = writeln!(out, "{pad}{k}: []");
                    }
                    _ => {
                        let _ = writeln!(out, "{pad}{k}:");
                        emit(v, indent + 2, out);
                    }
                }
            }
        }
        Y::Seq(items) => {
            for item in items {
                match item {
                    Y::Str(t) => {
                        let _ = writeln!(out, "{pad}- {}", scalar(t));
                    }
                    Y::Raw(t) => {
                        let _ = writeln!(out, "{pad}- {t}");
                    }
                    _ => {
                        let mut inner = String::new();
                        emit(item, indent + 2, &mut inner);
                        let inner_pad = " ".repeat(indent + 2);
                        let first = inner.strip_prefix(&inner_pad).unwrap_or(&inner);
                        let _ = write!(out, "{pad}- {first}");
                    }
                }
            }
        }
        Y::Str(t) => {
            let _ = writeln!(out, "{pad}{}", scalar(t));
        }
        Y::Raw(t) => {
            let _ = writeln!(out, "{pad}{t}");
        }
    }
}
