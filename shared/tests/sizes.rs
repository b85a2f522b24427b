//! Production code stays in small rooms: no file over 400 lines and no function over 60 lines,
//! counted without `#[cfg(test)]` code, in every crate listed in [`SIZED`] (the shipped crates,
//! the tools and the bench). A file or function that grows past them is split by concern, not
//! exempted here; a crate joins the rule with one line in [`SIZED`].
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/sources.rs"]
mod sources;

use sources::{braces, code_of, production_lines, root, rust_files, workspace_members};

const MAX_FILE_LINES: usize = 400;
const MAX_FN_LINES: usize = 60;

/// The source folders held to the rule, relative to the workspace root. Every `src/bin/*.rs`
/// binary below them counts too.
const SIZED: &[&str] = &[
    "shared/src",
    "shared/lambda/src",
    "functions/initiate/src",
    "functions/refresh-token/src",
    "functions/validate-session/src",
    "functions/local/src",
    "dev/genesys-sandbox/src",
    "tools/genesys-as-code/src",
    "bench/src",
    "bench/floor/src",
    "bench/validate-memory/src",
];

/// `(name, first line, length)` of every function with a body.
fn functions(lines: &[(usize, String)]) -> Vec<(String, usize, usize)> {
    let mut out = Vec::new();
    for (idx, (start, line)) in lines.iter().enumerate() {
        let code = code_of(line);
        let Some(at) = code.find("fn ") else {
            continue;
        };
        let before = code[..at].trim();
        let is_item = before.is_empty()
            || before.split_whitespace().all(|w| {
                matches!(w, "pub" | "async" | "const" | "unsafe" | "extern")
                    || w.starts_with("pub(")
            });
        if !is_item {
            continue;
        }
        let name: String = code[at + 3..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let (mut depth, mut opened) = (0i64, false);
        for (end, later) in &lines[idx..] {
            let code = code_of(later);
            if !opened && code.contains(';') && !code.contains('{') {
                break;
            }
            depth += braces(&code);
            opened |= code.contains('{');
            if opened && depth <= 0 {
                out.push((name.clone(), *start, end - start + 1));
                break;
            }
        }
    }
    out
}

/// Workspace members outside the rule, each with the reason.
const NOT_SIZED: &[(&str, &str)] = &[
    ("tests/support", "test code: the suites' helpers"),
    ("tests/e2e", "test code"),
    ("tests/infra", "test code"),
    ("tests/hardening", "test code"),
    ("tests/architect", "test code"),
    ("tests/identity-providers", "test code"),
];

#[test]
fn no_production_file_or_function_outgrows_its_room() {
    let root = root();
    let mut files = Vec::new();
    for dir in SIZED {
        rust_files(&root.join(dir), &mut files);
    }
    assert!(files.len() > 80, "the scan found the sources");
    let mut over = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let lines = production_lines(&text);
        let name = file.strip_prefix(&root).unwrap().display();
        if lines.len() > MAX_FILE_LINES {
            over.push(format!("{name}: {} production lines", lines.len()));
        }
        for (function, line, length) in functions(&lines) {
            if length > MAX_FN_LINES {
                over.push(format!("{name}:{line}: fn {function} has {length} lines"));
            }
        }
    }
    assert!(
        over.is_empty(),
        "over {MAX_FILE_LINES} lines a file or {MAX_FN_LINES} a function: {over:#?}"
    );
}

#[test]
fn every_workspace_member_is_sized_or_named_with_its_reason() {
    let unlisted: Vec<String> = workspace_members()
        .into_iter()
        .filter(|m| {
            !SIZED.contains(&format!("{m}/src").as_str()) && !NOT_SIZED.iter().any(|(n, _)| n == m)
        })
        .collect();
    assert_eq!(
        unlisted,
        Vec::<String>::new(),
        "add them to SIZED or NOT_SIZED"
    );
}

#[test]
fn the_counter_sees_functions_and_skips_tests() {
    let text = "fn a() {\n    let s = \"}\";\n    if x { y(); }\n}\n#[cfg(test)]\nmod tests {\n    fn b() {\n    }\n}\nfn c();\n";
    let lines = production_lines(text);
    assert_eq!(lines.len(), 5, "the test module is not production code");
    assert_eq!(functions(&lines), vec![("a".to_owned(), 1, 4)]);
}
