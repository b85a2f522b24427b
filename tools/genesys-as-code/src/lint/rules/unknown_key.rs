//! `unknown-key`: Get Participant Data of a key the schema does not define (nothing
//! server-side sets it, so only the browser, or a typo, can). A key given as a placeholder or
//! an expression is a note.

use super::super::context::{Cx, show};
use super::super::diagnostic::Code;
use crate::archy::flow::{Operand, ReadAttribute};
use crate::archy::template;

/// Checks the key of one attribute read.
pub(in crate::lint) fn check(cx: &mut Cx<'_>, read: &ReadAttribute) {
    match &read.key {
        Operand::Lit(key) if template::has_unfilled(key) => cx.note(
            Code::UnjudgedKey,
            read.line,
            format!(
                "the key `{}` is a placeholder; give it with --set to judge it",
                show(key)
            ),
        ),
        Operand::Lit(key) if !cx.is_schema_key(key) => cx.finding(
            Code::UnknownKey,
            read.line,
            format!("reads participant data `{key}`, which config/attributes.toml does not define: nothing server-side sets it, so only the browser (or a typo) can"),
            format!("define `{key}` in config/attributes.toml, or read the attribute the schema has under another name"),
        ),
        Operand::Lit(_) => {}
        _ => cx.note(
            Code::UnjudgedKey,
            read.line,
            "the key is an expression; it is not judged".to_owned(),
        ),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::tests::findings;

    #[test]
    fn a_key_the_schema_does_not_define_is_found_where_it_is_read() {
        let text = include_str!("../../../../../tests/architect/fixtures/unknown-key.yaml");

        let found = findings(text);

        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!((found[0].code, found[0].line), ("unknown-key", 38));
        assert!(found[0].fix.as_deref().unwrap().starts_with("define `"));
    }
}
