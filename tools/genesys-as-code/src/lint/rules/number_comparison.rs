//! `number-comparison`: a data-action string output or a schema attribute compared with a
//! number literal (the guide's Edge Case 1: `Flow.priorityTier == 2` is never true for the
//! string `"2"`, so the conversation falls through to the default queue).

use super::super::context::{Cx, show};
use super::super::diagnostic::Code;
use super::super::state::{Origin, PathState};
use crate::archy::expr::{BinOp, Expr};
use crate::archy::flow::VarType;

/// Checks every comparison of a variable with an integer literal in `e`.
pub(in crate::lint) fn check(
    cx: &mut Cx<'_>,
    (e, src): (&Expr, &str),
    line: usize,
    state: &PathState,
) {
    let mut hits = Vec::new();
    e.visit(&mut |node| {
        if let Expr::Bin(op, a, b) = node
            && op.is_comparison()
            && let (Expr::Var(v), Expr::Int(n)) | (Expr::Int(n), Expr::Var(v)) = (&**a, &**b)
        {
            hits.push((v.clone(), *n, *op));
        }
    });
    for (var, n, op) in hits {
        let Some(attribute) = string_attribute(cx, &var, state) else {
            continue;
        };
        let symbol = op.symbol();
        let fix = if matches!(op, BinOp::Eq | BinOp::Ne) {
            format!("compare strings: `{var} {symbol} \"{n}\"` (or `ToInt({var}) {symbol} {n}`)")
        } else {
            format!("convert first: `ToInt({var}) {symbol} {n}`")
        };
        cx.finding(
            Code::NumberComparison,
            line,
            format!(
                "`{}` compares `{var}` (`{attribute}`, a string) with the number {n}: the guide's Edge Case 1, the conversation falls through to the default queue",
                show(src)
            ),
            fix,
        );
    }
}

/// The attribute a variable holds as a string: a validate-session string output, participant
/// data, or (by its name) a schema attribute not declared as an integer variable.
fn string_attribute(cx: &Cx<'_>, var: &str, state: &PathState) -> Option<String> {
    match state.origin.get(var) {
        Some(Origin::Output {
            field,
            string: true,
        }) => Some(field.clone()),
        Some(Origin::Participant { key, .. }) => Some(key.clone()),
        _ => {
            let suffix = var.rsplit_once('.').map_or(var, |(_, s)| s);
            let declared_int = cx.flow.variable(var) == Some(VarType::Integer);
            (cx.is_schema_key(suffix) && !declared_int).then(|| suffix.to_owned())
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::tests::findings;

    #[test]
    fn a_string_output_compared_with_a_number_is_found_with_a_string_comparison_as_fix() {
        let text = include_str!("../../../../../tests/architect/fixtures/number-comparison.yaml");

        let found = findings(text);

        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!((found[0].code, found[0].line), ("number-comparison", 56));
        assert!(
            found[0]
                .fix
                .as_deref()
                .unwrap()
                .contains(r#"State.priority_tier == "2""#)
        );
    }
}
