//! Production code stays in small rooms: no file over 400 lines and no function over 60 lines in
//! the crates that ship (`shared/src`, `shared/lambda/src`, `functions/*/src`), counted without
//! `#[cfg(test)]` code. A file or function that grows past them is split by concern, not
//! exempted here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/sources.rs"]
mod sources;

use std::path::{Path, PathBuf};

use sources::rust_files;

const MAX_FILE_LINES: usize = 400;
const MAX_FN_LINES: usize = 60;

fn production_dirs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut dirs = vec![root.join("shared/src"), root.join("shared/lambda/src")];
    for entry in std::fs::read_dir(root.join("functions")).unwrap() {
        let src = entry.unwrap().path().join("src");
        if src.is_dir() {
            dirs.push(src);
        }
    }
    dirs
}

/// The lines outside `#[cfg(test)]` items, with their line numbers.
fn production_lines(text: &str) -> Vec<(usize, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim_start().starts_with("#[cfg(test)]") {
            // Skip the item that follows: up to its closing brace.
            let (mut depth, mut opened) = (0i64, false);
            i += 1;
            while i < lines.len() {
                let code = code_of(lines[i]);
                depth += braces(&code);
                opened |= code.contains('{');
                i += 1;
                if opened && depth <= 0 {
                    break;
                }
            }
            continue;
        }
        out.push((i + 1, lines[i].to_owned()));
        i += 1;
    }
    out
}

/// A line without its comment and with string and char literals emptied.
fn code_of(line: &str) -> String {
    let mut out = String::new();
    let mut chars = line.chars().peekable();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' if in_string => {
                chars.next();
            }
            '"' => in_string = !in_string,
            '/' if !in_string && chars.peek() == Some(&'/') => break,
            '\'' if !in_string => {
                // A char literal ('{', '\n') or a lifetime ('a): skip a literal only.
                let rest: String = chars.clone().take(3).collect();
                if rest.chars().nth(1) == Some('\'') {
                    chars.next();
                    chars.next();
                } else if rest.starts_with('\\') {
                    for n in chars.by_ref() {
                        if n == '\'' {
                            break;
                        }
                    }
                }
            }
            _ if !in_string => out.push(c),
            _ => {}
        }
    }
    out
}

fn braces(code: &str) -> i64 {
    let open = code.matches('{').count();
    let close = code.matches('}').count();
    i64::try_from(open).unwrap() - i64::try_from(close).unwrap()
}

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

#[test]
fn no_production_file_or_function_outgrows_its_room() {
    let mut files = Vec::new();
    for dir in production_dirs() {
        rust_files(&dir, &mut files);
    }
    assert!(files.len() > 50, "the scan found the sources");
    let mut over = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let lines = production_lines(&text);
        let name = file.display();
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
fn the_counter_sees_functions_and_skips_tests() {
    let text = "fn a() {\n    let s = \"}\";\n    if x { y(); }\n}\n#[cfg(test)]\nmod tests {\n    fn b() {\n    }\n}\nfn c();\n";
    let lines = production_lines(text);
    assert_eq!(lines.len(), 5, "the test module is not production code");
    assert_eq!(functions(&lines), vec![("a".to_owned(), 1, 4)]);
}
