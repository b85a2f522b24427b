//! `forgeable-routing`: a decision, switch case or transfer that routes on a participant
//! attribute read by Get Participant Data, which the browser can set, instead of on a
//! validate-session output after `valid`. A presence check of the session hash
//! (`IsNotSetOrEmpty(State.session_hash)`) is not routing.

use std::collections::BTreeSet;

use super::super::context::{Cx, show};
use super::super::diagnostic::Code;
use super::super::state::{Origin, PathState};
use crate::archy::expr::Expr;

/// Checks an expression that routes (`what` names it: `decision "Is it?"`, ...).
pub(in crate::lint) fn check(
    cx: &mut Cx<'_>,
    hash_vars: &BTreeSet<String>,
    routing: (&Expr, &str),
    line: usize,
    what: &str,
    state: &PathState,
) {
    let (e, src) = routing;
    let mut flagged: Vec<(String, String, usize)> = Vec::new();
    participant_reads(e, hash_vars, state, &mut flagged);
    flagged.dedup();
    for (var, key, read_line) in flagged {
        let fix = if cx.is_schema_key(&key) {
            format!(
                "map validate-session's `{key}` output to a variable and route on it after checking `valid`"
            )
        } else {
            format!(
                "add `{key}` to config/attributes.toml (`expose = true`) so validate-session returns it, and route on that output after checking `valid`"
            )
        };
        cx.finding(
            Code::ForgeableRouting,
            line,
            format!(
                "{what} `{}` routes on `{var}`, read from participant data `{}` (line {read_line}) without validate-session: the browser can set it (forgeable)",
                show(src),
                show(&key)
            ),
            fix,
        );
    }
}

/// The variables of `e` that hold participant data: `(variable, key, line read)`.
fn participant_reads(
    e: &Expr,
    hash_vars: &BTreeSet<String>,
    state: &PathState,
    out: &mut Vec<(String, String, usize)>,
) {
    match e {
        Expr::Call(name, args)
            if matches!(name.as_str(), "IsNotSetOrEmpty" | "IsSet")
                && matches!(args.as_slice(), [Expr::Var(v)] if hash_vars.contains(v)) => {}
        Expr::Var(v) => {
            if let Some(Origin::Participant { key, line }) = state.origin.get(v) {
                out.push((v.clone(), key.clone(), *line));
            }
        }
        Expr::Call(_, args) => args
            .iter()
            .for_each(|a| participant_reads(a, hash_vars, state, out)),
        Expr::Not(inner) => participant_reads(inner, hash_vars, state, out),
        Expr::Bin(_, a, b) => {
            participant_reads(a, hash_vars, state, out);
            participant_reads(b, hash_vars, state, out);
        }
        _ => {}
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::tests::findings;

    #[test]
    fn routing_on_a_tier_read_from_participant_data_is_found_where_the_switch_routes() {
        let text = include_str!("../../../../../tests/architect/fixtures/forgeable-routing.yaml");

        let found = findings(text);

        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!((found[0].code, found[0].line), ("forgeable-routing", 63));
        assert!(
            found[0]
                .message
                .contains("`State.tier`, read from participant data `priority_tier` (line 38)")
        );
        assert!(
            found[0]
                .fix
                .as_deref()
                .unwrap()
                .contains("validate-session's `priority_tier` output")
        );
    }
}
