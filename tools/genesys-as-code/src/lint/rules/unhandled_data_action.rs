//! `unhandled-data-action`: a Call Data Action whose Failure or Timeout path is missing or
//! empty (the flow then carries on after it as if the call had succeeded).

use super::super::context::{Cx, show};
use super::super::diagnostic::Code;
use crate::archy::flow::{Action, CallData};

/// Checks the Failure and Timeout paths of one call.
pub(in crate::lint) fn check(cx: &mut Cx<'_>, action: &Action, call: &CallData) {
    let label = format!("Call Data Action \"{}\"", show(&action.name));
    for (path, name, when) in [
        (&call.failure, "Failure", "fails"),
        (&call.on_timeout, "Timeout", "times out"),
    ] {
        if path.as_ref().is_none_or(Vec::is_empty) {
            cx.finding(
                Code::UnhandledDataAction,
                action.line,
                format!("{label} has no {name} path: when the call {when} the flow carries on after it as if it had succeeded"),
                format!("give `outputs.{}` actions, such as a Transfer to ACD to the default queue", name.to_lowercase()),
            );
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::tests::findings;

    #[test]
    fn a_missing_failure_path_and_an_empty_timeout_path_are_both_found() {
        let text =
            include_str!("../../../../../tests/architect/fixtures/unhandled-data-action.yaml");

        let found = findings(text);

        let lines: Vec<(&str, usize)> = found.iter().map(|d| (d.code, d.line)).collect();
        assert_eq!(lines, vec![("unhandled-data-action", 34); 2]);
        assert!(found[0].message.contains("no Failure path"));
        assert!(found[1].message.contains("no Timeout path"));
    }
}
