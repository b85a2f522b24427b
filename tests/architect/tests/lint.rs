//! lint-flow on its fixtures: each trap is found at its line with a fix, the generated flow
//! lints clean, and a flow in the full shape of Genesys's blueprints parses, with notes for
//! what the linter cannot judge.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::time::Duration;

use architect_tests::{fixture, repo_file};
use genesys_as_code::generate::data_actions::ACTION_NAME;
use genesys_as_code::generate::flow::FLOW_PATH;
use genesys_as_code::lint::{Diagnostic, LintConfig, Severity, lint};
use secure_initiation::attributes::Schema;

fn config() -> LintConfig {
    LintConfig {
        schema: Schema::default_schema().unwrap(),
        action_name: ACTION_NAME.to_owned(),
        deadline: Duration::from_millis(2500),
    }
}

fn findings(text: &str) -> Vec<Diagnostic> {
    lint(text, &BTreeMap::new(), &config())
        .unwrap()
        .into_iter()
        .filter(|d| d.severity == Severity::Finding)
        .collect()
}

#[test]
fn each_trap_is_found_in_its_fixture_at_its_line_with_a_fix() {
    for (file, code, line) in [
        ("forgeable-routing.yaml", "forgeable-routing", 63),
        ("number-comparison.yaml", "number-comparison", 56),
        ("set-after-transfer.yaml", "set-after-transfer", 72),
        ("unhandled-data-action.yaml", "unhandled-data-action", 34),
        ("short-timeout.yaml", "short-timeout", 37),
        ("unknown-key.yaml", "unknown-key", 38),
        (
            "unvalidated-session-hash.yaml",
            "unvalidated-session-hash",
            31,
        ),
    ] {
        let found = findings(&fixture(file));
        assert!(!found.is_empty(), "{file}: nothing found");
        for d in &found {
            assert_eq!((d.code, d.line), (code, line), "{file}: {d:?}");
            assert!(
                d.fix.as_deref().is_some_and(|f| !f.is_empty()),
                "{file}: every finding has a fix"
            );
        }
    }
}

#[test]
fn the_traps_are_named_precisely() {
    let forgeable = &findings(&fixture("forgeable-routing.yaml"))[0];
    assert!(
        forgeable
            .message
            .contains("`State.tier`, read from participant data `priority_tier` (line 38)"),
        "{}",
        forgeable.message
    );
    let numbers = &findings(&fixture("number-comparison.yaml"))[0];
    assert!(
        numbers
            .fix
            .as_deref()
            .unwrap()
            .contains(r#"State.priority_tier == "2""#)
    );
    let late = &findings(&fixture("set-after-transfer.yaml"))[0];
    assert!(
        late.message
            .contains("after the Transfer to ACD at line 63")
    );
    let unhandled = findings(&fixture("unhandled-data-action.yaml"));
    assert_eq!(
        unhandled.len(),
        2,
        "no failure path, and an empty timeout path"
    );
}

#[test]
fn the_generated_flow_lints_clean() {
    let diagnostics = lint(&repo_file(FLOW_PATH), &BTreeMap::new(), &config()).unwrap();
    assert!(
        diagnostics.iter().all(|d| d.severity == Severity::Note),
        "{diagnostics:#?}"
    );
    // With its substitutions given, not even a note.
    let set = BTreeMap::from([("data_action_name".to_owned(), ACTION_NAME.to_owned())]);
    assert_eq!(
        lint(&repo_file(FLOW_PATH), &set, &config()).unwrap(),
        vec![]
    );
}

#[test]
fn a_blueprint_shaped_flow_parses_and_gets_notes_for_what_is_not_judged() {
    let diagnostics = lint(
        &fixture("blueprint-shaped.yaml"),
        &BTreeMap::new(),
        &config(),
    )
    .unwrap();
    let notes: Vec<&str> = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Note)
        .map(|d| d.code)
        .collect();
    assert!(notes.contains(&"unknown-action"), "{diagnostics:#?}");
    let unknown: Vec<&Diagnostic> = diagnostics
        .iter()
        .filter(|d| d.code == "unknown-action")
        .collect();
    assert!(
        unknown
            .iter()
            .any(|d| d.message.starts_with("`callBotFlow` (line 43)"))
    );
    assert!(
        unknown
            .iter()
            .any(|d| d.message.starts_with("`sendResponse` (line 92, 144, 163)"))
    );
    assert_eq!(
        findings(&fixture("blueprint-shaped.yaml")),
        vec![],
        "routing on the bot's intent is not participant data"
    );
}
