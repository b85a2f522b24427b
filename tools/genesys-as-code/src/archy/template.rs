//! `{{name}}` placeholders, the way the CX-as-Code provider's `genesyscloud_flow` fills them
//! from `substitutions`: plain text replacement before the YAML is read. Some sit in key
//! position, unquoted (`{{integration_category}}:`), so a raw file is YAML only once they are
//! replaced: a file read without substitutions gets a stand-in per placeholder that keeps it
//! YAML and keeps every line where it was.

use std::collections::BTreeMap;

/// One `{{name}}` of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder {
    /// The name between the braces, trimmed.
    pub name: String,
    /// Its line (1-based).
    pub line: usize,
}

/// Why a file's placeholders could not be filled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// A placeholder has no substitution (the interpreter needs every value).
    #[error(
        "line {line}: placeholder `{{{{{name}}}}}` has no substitution (give it with --set {name}=VALUE)"
    )]
    Missing {
        /// The placeholder.
        name: String,
        /// Its line.
        line: usize,
    },
    /// A substitution would break the file's lines.
    #[error("substitution `{name}` holds a line break")]
    LineBreak {
        /// The substitution's name.
        name: String,
    },
    /// `{{` without a closing `}}` on the same line, or with a name that is not one.
    #[error("line {line}: `{{{{` without a well-formed `name}}}}`")]
    Malformed {
        /// Where.
        line: usize,
    },
}

/// What to do with a placeholder that has no substitution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unfilled {
    /// Refuse the file.
    Refuse,
    /// Keep a stand-in (see [`stand_in`]); the linter reads such files.
    StandIn,
}

const STAND_IN_OPEN: char = '\u{27e6}';
const STAND_IN_CLOSE: char = '\u{27e7}';

/// The stand-in for an unfilled placeholder: `⟦name⟧`, a plain YAML scalar wherever the
/// placeholder stood.
pub fn stand_in(name: &str) -> String {
    format!("{STAND_IN_OPEN}{name}{STAND_IN_CLOSE}")
}

/// Shows stand-ins as the placeholders they replace, for messages.
pub fn display(text: &str) -> String {
    text.replace(STAND_IN_OPEN, "{{")
        .replace(STAND_IN_CLOSE, "}}")
}

/// Whether `text` is exactly one unfilled placeholder; its name.
pub fn unfilled_name(text: &str) -> Option<&str> {
    text.strip_prefix(STAND_IN_OPEN)?
        .strip_suffix(STAND_IN_CLOSE)
}

/// Whether `text` holds an unfilled placeholder anywhere.
pub fn has_unfilled(text: &str) -> bool {
    text.contains(STAND_IN_OPEN)
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// The next placeholder of `rest`, one line of a template: the text before it, its trimmed name
/// and the text after it; `None` when the line holds no more; an error (for line `line`) when
/// one is unclosed or its name is not a name.
fn next_placeholder(rest: &str, line: usize) -> Result<Option<(&str, &str, &str)>, TemplateError> {
    let Some(start) = rest.find("{{") else {
        return Ok(None);
    };
    let after = &rest[start + 2..];
    let end = after.find("}}").ok_or(TemplateError::Malformed { line })?;
    let name = after[..end].trim();
    if !valid_name(name) {
        return Err(TemplateError::Malformed { line });
    }
    Ok(Some((&rest[..start], name, &after[end + 2..])))
}

/// Every placeholder of `text`, in order.
pub fn placeholders(text: &str) -> Result<Vec<Placeholder>, TemplateError> {
    let mut found = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let mut rest = line;
        while let Some((_, name, after)) = next_placeholder(rest, i + 1)? {
            found.push(Placeholder {
                name: name.to_owned(),
                line: i + 1,
            });
            rest = after;
        }
    }
    Ok(found)
}

/// Replaces every placeholder with its substitution; `unfilled` decides about the others.
pub fn fill(
    text: &str,
    substitutions: &BTreeMap<String, String>,
    unfilled: Unfilled,
) -> Result<String, TemplateError> {
    if let Some((name, _)) = substitutions.iter().find(|(_, v)| v.contains(['\n', '\r'])) {
        return Err(TemplateError::LineBreak { name: name.clone() });
    }
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let mut rest = line;
        while let Some((before, name, after)) = next_placeholder(rest, i + 1)? {
            out.push_str(before);
            match (substitutions.get(name), unfilled) {
                (Some(value), _) => out.push_str(value),
                (None, Unfilled::StandIn) => out.push_str(&stand_in(name)),
                (None, Unfilled::Refuse) => {
                    return Err(TemplateError::Missing {
                        name: name.to_owned(),
                        line: i + 1,
                    });
                }
            }
            rest = after;
        }
        out.push_str(rest);
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn subs(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn placeholders_in_key_position_are_filled_or_stood_in_for() {
        let raw = "category:\n  {{integration_category}}:\n    name: \"{{ flow_name }}\"\n";
        assert_eq!(
            placeholders(raw).unwrap(),
            vec![
                Placeholder {
                    name: "integration_category".into(),
                    line: 2
                },
                Placeholder {
                    name: "flow_name".into(),
                    line: 3
                },
            ]
        );
        let filled = fill(
            raw,
            &subs(&[("integration_category", "Web"), ("flow_name", "F")]),
            Unfilled::Refuse,
        )
        .unwrap();
        assert_eq!(filled, "category:\n  Web:\n    name: \"F\"\n");
        let stood = fill(raw, &subs(&[]), Unfilled::StandIn).unwrap();
        let doc = crate::archy::yaml::parse(&stood).unwrap();
        let key = &doc.get("category").unwrap().as_map().unwrap()[0];
        assert_eq!(unfilled_name(&key.key), Some("integration_category"));
        assert_eq!(key.line, 2);
        assert_eq!(display(&key.key), "{{integration_category}}");
    }

    #[test]
    fn a_missing_substitution_is_refused_with_its_line() {
        let err = fill("a: 1\nb: {{queue}}\n", &subs(&[]), Unfilled::Refuse).unwrap_err();
        assert_eq!(
            err,
            TemplateError::Missing {
                name: "queue".into(),
                line: 2
            }
        );
        assert!(fill("a: {{x\n", &subs(&[]), Unfilled::StandIn).is_err());
        assert!(fill("a: {{x}}\n", &subs(&[("x", "1\n2")]), Unfilled::Refuse).is_err());
    }
}
