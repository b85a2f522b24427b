//! The interpreter refuses what is outside the subset, naming the action and its line.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};

use architect_tests::fixture;
use genesys_as_code::interpret::{LoadError, load};

#[test]
fn the_interpreter_refuses_a_bot_call_with_its_name_and_line() {
    let subs: BTreeMap<String, String> = [
        ("flow_name", "Billing"),
        ("default_language", "en-us"),
        ("bot_flow_name", "Billing bot"),
        ("integration_category", "Secure initiation (Web Services)"),
        ("data_action_name", "Validate secure session"),
        ("queue_general", "General"),
        ("queue_billing", "Billing"),
        ("queue_disputes", "Disputes"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let err = load(&fixture("blueprint-shaped.yaml"), &subs, BTreeSet::new()).unwrap_err();
    let LoadError::Refused {
        action, name, line, ..
    } = &err
    else {
        panic!("{err}")
    };
    assert_eq!(
        (action.as_str(), name.as_str(), *line),
        ("callBotFlow", "Ask the billing bot", 43)
    );
    assert_eq!(
        err.to_string(),
        "line 43: `callBotFlow` action \"Ask the billing bot\": this action is outside the subset the interpreter runs"
    );
}
