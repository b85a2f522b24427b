//! Hostile and broken flow files get an error or a verdict, never a panic: every fixture and
//! the generated flow, truncated at every line, with every line removed, and with every line's
//! indentation shifted, through both the linter and the interpreter's loader.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use architect_tests::{fixture, repo_file};
use genesys_as_code::generate::data_actions::ACTION_NAME;
use genesys_as_code::generate::flow::FLOW_PATH;
use genesys_as_code::interpret;
use genesys_as_code::lint::{LintConfig, lint};
use secure_initiation::attributes::Schema;

fn variants(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for i in 0..lines.len() {
        out.push(lines[..i].join("\n"));
        let mut without = lines.clone();
        without.remove(i);
        out.push(without.join("\n"));
        let mut shifted: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
        shifted[i] = format!("   {}", shifted[i]);
        out.push(shifted.join("\n"));
    }
    out
}

#[test]
fn broken_variants_of_every_flow_never_panic() {
    let config = LintConfig {
        schema: Schema::default_schema().unwrap(),
        action_name: ACTION_NAME.to_owned(),
        deadline: Duration::from_millis(2500),
    };
    let mut texts = vec![repo_file(FLOW_PATH)];
    for name in [
        "blueprint-shaped.yaml",
        "forgeable-routing.yaml",
        "set-after-transfer.yaml",
        "unhandled-data-action.yaml",
    ] {
        texts.push(fixture(name));
    }
    let subs: BTreeMap<String, String> = BTreeMap::new();
    let mut checked = 0;
    for text in &texts {
        for variant in variants(text) {
            let _ = lint(&variant, &subs, &config);
            let _ = interpret::load(&variant, &subs, BTreeSet::new());
            checked += 1;
        }
    }
    assert!(checked > 1000, "{checked} variants");
}
