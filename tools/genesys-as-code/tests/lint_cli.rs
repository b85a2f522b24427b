//! `lint-flow`'s exit codes and output: 0 clean, 1 findings, 2 unreadable.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::process::Command;

fn repo(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

fn lint(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_lint-flow"))
        .args(args)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap(), text)
}

#[test]
fn the_generated_flow_exits_0_a_trap_exits_1_an_unreadable_file_exits_2() {
    let flow = repo("infra/genesys/flows/secure-inbound-message.yaml");
    let (code, text) = lint(&[
        flow.to_str().unwrap(),
        "--set",
        "data_action_name=Validate secure session",
    ]);
    assert_eq!(code, 0, "{text}");
    assert!(text.ends_with("0 finding(s), 0 note(s)\n"), "{text}");

    let trap = repo("tests/architect/fixtures/number-comparison.yaml");
    let (code, text) = lint(&[trap.to_str().unwrap()]);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("number-comparison.yaml:56: finding[number-comparison]"),
        "{text}"
    );
    assert!(text.contains("    fix: compare strings"), "{text}");

    let (code, json) = lint(&[trap.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 1);
    let body: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(body["findings"], 1);
    assert_eq!(body["diagnostics"][0]["line"], 56);

    assert_eq!(lint(&["/nonexistent/flow.yaml"]).0, 2);
    let dir = std::env::temp_dir().join(format!("lint-flow-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let broken = dir.join("broken.yaml");
    std::fs::write(&broken, "inboundShortMessage:\n  states: [\n").unwrap();
    let (code, text) = lint(&[broken.to_str().unwrap()]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("not YAML"), "{text}");
    std::fs::write(&broken, "botFlow:\n  name: x\n").unwrap();
    assert_eq!(lint(&[broken.to_str().unwrap()]).0, 2);
    assert_eq!(lint(&[]).0, 2, "no file is a usage error");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_short_deadline_option_changes_the_verdict() {
    let short = repo("tests/architect/fixtures/short-timeout.yaml");
    assert_eq!(lint(&[short.to_str().unwrap()]).0, 1);
    assert_eq!(
        lint(&[short.to_str().unwrap(), "--deadline-ms", "500"]).0,
        0
    );
}
