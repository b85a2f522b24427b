//! `short-timeout`: a validate-session call that waits less than the function's deadline, so a
//! slow but correct answer takes the Timeout path. A timeout that is not a literal, a missing
//! one and a data action named by a placeholder are notes.

use super::super::context::{Cx, show};
use super::super::diagnostic::Code;
use crate::archy::flow::{Action, CallData, Timeout};
use crate::archy::template;

/// Checks one validate-session call.
pub(in crate::lint) fn check(cx: &mut Cx<'_>, action: &Action, call: &CallData) {
    let label = format!("Call Data Action \"{}\"", show(&action.name));
    let deadline = cx.config.deadline;
    match &call.timeout {
        Some((Timeout::Duration(d), line)) if *d < deadline => cx.finding(
            Code::ShortTimeout,
            *line,
            format!("{label} waits {} ms, less than validate-session's deadline of {} ms: a slow but correct answer takes the Timeout path", d.as_millis(), deadline.as_millis()),
            format!("set the timeout above {} ms (the generated flow waits as long as the action's own timeout)", deadline.as_millis()),
        ),
        Some((Timeout::Unknown, line)) => cx.note(
            Code::UnjudgedTimeout,
            *line,
            format!("{label}: the timeout is not a literal duration; it is not judged"),
        ),
        None => cx.note(
            Code::UnjudgedTimeout,
            action.line,
            format!("{label} sets no timeout: check that Architect's default is above validate-session's deadline ({} ms)", deadline.as_millis()),
        ),
        _ => {}
    }
    if template::has_unfilled(&call.action) {
        cx.note(
            Code::UnjudgedAction,
            call.action_line,
            format!("the data action's name `{}` is a placeholder; it is taken as validate-session because it has a `sessionHash` input", show(&call.action)),
        );
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::tests::findings;

    #[test]
    fn a_call_that_gives_up_before_the_deadline_is_found_at_its_timeout() {
        let text = include_str!("../../../../../tests/architect/fixtures/short-timeout.yaml");

        let found = findings(text);

        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!((found[0].code, found[0].line), ("short-timeout", 37));
        assert!(
            found[0].message.contains("deadline of 2500 ms"),
            "{}",
            found[0].message
        );
    }
}
