//! Each crate's modules form layers: a module imports only modules of lower layers, so the
//! import graph has no cycle and no module reaches above itself. Read from the sources (every
//! `crate::`, `super::` and `self::` path, `use` groups included, outside comments and
//! `#[cfg(test)]` code), so a new import that breaks the order fails here, naming the file and
//! line.
//!
//! The rules, for every crate in [`LAYERED`]:
//! - the layering of each folder is written down below, bottom first; a module may import a
//!   sibling of a lower layer, never one of its own layer or above;
//! - a folder's own file (`x.rs` or `x/mod.rs`) sits on top of its folder: it declares its
//!   children, may use and re-export them, and no child imports from it (what children share
//!   lives in a sibling); the crate root (`lib.rs`, `main.rs`) likewise;
//! - an import between modules of different folders is judged where their paths part.
//!
//! Every workspace member's `src` is in [`LAYERED`] (a test fails otherwise): the shipped
//! crates, the tools, the bench and the test crates' libraries alike. Their `src/bin/*.rs`
//! binaries and the test crates' `tests/*.rs` suites are crate roots of their own that only
//! use the library and, at most, a `common` helper folder of the suite; they are not layered.
//! The test crates' libraries follow the same rule with their own layering: the harness (the
//! stack it runs, the tools it starts) at the bottom, the scenarios above it, and what runs
//! several scenarios (the load run) on top.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/sources.rs"]
mod sources;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use sources::{code_of, production_lines, root, rust_files, workspace_members};

/// A folder's layering: the folder as a module path (`""` for the crate root, `"archy::flow"`)
/// and its child modules, bottom layer first.
type Folder = (&'static str, &'static [&'static [&'static str]]);

/// The crates held to the rule: source folder and layering, every folder of each.
const LAYERED: &[(&str, &[Folder])] = &[
    ("shared/src", SHARED),
    ("shared/lambda/src", LAMBDA_GLUE),
    ("functions/initiate/src", &[]),
    ("functions/refresh-token/src", &[]),
    ("functions/validate-session/src", &[]),
    ("tools/genesys-as-code/src", GENESYS_AS_CODE),
    ("bench/src", BENCH),
    ("bench/floor/src", &[]),
    ("bench/validate-memory/src", &[]),
    ("dev/genesys-sandbox/src", SANDBOX),
    ("functions/local/src", LOCAL),
    ("tests/support/src", TEST_SUPPORT),
    ("tests/hardening/src", HARDENING),
    ("tests/identity-providers/src", IDENTITY_PROVIDERS),
    ("tests/e2e/src", &[]),
    ("tests/infra/src", &[]),
    ("tests/architect/src", &[]),
];

const SHARED: &[Folder] = &[
    (
        "",
        &[
            &["env", "clock"],
            &["tls", "attributes"],
            &["payload", "session"],
            &["telemetry"],
            &["request", "ports"],
            &["tickets", "genesys", "adapters"],
            &["http"],
            &["idempotency"],
            &["api"],
            &["config"],
        ],
    ),
    (
        "adapters",
        &[
            &[
                "keys",
                "aws_http",
                "site_http",
                "secrets_file",
                "secrets_manager",
            ],
            &["ownership_http", "risk_http", "dynamodb", "memory"],
        ],
    ),
    (
        "adapters::dynamodb",
        &[
            &["table"],
            &["codec"],
            &["store"],
            &["counters", "idempotency", "pending", "sessions"],
        ],
    ),
    (
        "adapters::memory",
        &[&["items"], &["idempotency", "pending"], &["sessions"]],
    ),
    (
        "api",
        &[
            &["credential", "handler", "ownership", "risk", "strategy"],
            &["browser_edge", "ticket", "validate"],
            &["pending"],
            &["start"],
            &["initiate", "refresh"],
        ],
    ),
    (
        "attributes",
        &[
            &["value"],
            &["error"],
            &["claim"],
            &["schema"],
            &["accept", "source"],
            &["set"],
            &["definition"],
            &["load"],
        ],
    ),
    (
        "config",
        &[
            &["error", "vars"],
            &["reader"],
            &["identity"],
            &["browser"],
            &["initiate", "refresh", "validate"],
        ],
    ),
    (
        "genesys",
        &[
            &["error", "region", "retry"],
            &["meter", "wire"],
            &["transport"],
            &["token"],
            &["client"],
            &["lookup"],
        ],
    ),
    ("http", &[&["problem"], &["cors", "message"], &["edge"]]),
    (
        "ports",
        &[&["ownership", "risk", "secrets", "store"], &["genesys"]],
    ),
    (
        "session",
        &[
            &["error", "policy", "seal"],
            &["claims", "hash", "jwks"],
            &["key_cache"],
            &["jwt"],
        ],
    ),
    ("telemetry", &[&["logs", "metrics"]]),
    (
        "telemetry::metrics",
        &[&["catalogue", "labels"], &["emf", "emit"]],
    ),
];

const SANDBOX: &[Folder] = &[
    (
        "",
        &[
            &["errors", "faults", "flow", "record", "idp"],
            &["conversation"],
            &["guests", "rooms", "validate"],
            &["config", "lifecycle"],
            &["inbound"],
            &["state"],
            &["admin", "api", "oauth"],
            &["analytics", "guest_api"],
            &["server"],
        ],
    ),
    (
        "guest_api",
        &[&["request", "admin"], &["actions"], &["socket"]],
    ),
    (
        "guests",
        &[
            &["deployment", "wire"],
            &["frames"],
            &["session"],
            &["book"],
            &["store"],
            &["inbound"],
        ],
    ),
    (
        "rooms",
        &[
            &["room"],
            &[
                "clients",
                "conversations",
                "faults",
                "initiations",
                "requests",
            ],
        ],
    ),
];

const LOCAL: &[Folder] = &[(
    "",
    &[
        &["error", "in_process", "metrics", "ownership", "response"],
        &["architect", "identity"],
        &["options"],
        &["wiring"],
        &["demo"],
        &["routes"],
        &["running"],
        &["cli"],
    ],
)];

/// The suites' helpers: independent of each other, but moto is started with the tools' finder.
const TEST_SUPPORT: &[Folder] = &[(
    "",
    &[
        &[
            "guest",
            "https",
            "logs",
            "runtime_api",
            "serial_proxy",
            "tools",
        ],
        &["moto"],
    ],
)];

/// The harness (a stack and a client), the scenarios on it, and the load run over them.
const HARDENING: &[Folder] = &[
    (
        "",
        &[&["harness"], &["attacks", "faults", "inputs"], &["load"]],
    ),
    ("faults", &[&["aws", "genesys", "risk"]]),
];

const IDENTITY_PROVIDERS: &[Folder] = &[("", &[&["deployment", "keys"]])];

const LAMBDA_GLUE: &[Folder] = &[("", &[&["entry"], &["bootstrap"]])];

const GENESYS_AS_CODE: &[Folder] = &[
    (
        "",
        &[
            &["archy"],
            &["routing", "data_action"],
            &["generate", "lint", "interpret"],
        ],
    ),
    ("archy", &[&["yaml", "emit", "template", "expr"], &["flow"]]),
    ("archy::expr", &[&["ast"], &["lex"], &["parse"]]),
    (
        "archy::flow",
        &[&["model"], &["read_action"], &["read", "write", "walk"]],
    ),
    (
        "generate",
        &[&["contracts"], &["data_actions"], &["flow"], &["terraform"]],
    ),
    (
        "lint",
        &[&["diagnostic", "state"], &["context"], &["rules"]],
    ),
    (
        "lint::rules",
        &[&[
            "forgeable_routing",
            "number_comparison",
            "set_after_transfer",
            "short_timeout",
            "unhandled_data_action",
            "unknown_key",
            "unvalidated_session_hash",
        ]],
    ),
    ("interpret", &[&["value", "runtime"], &["check", "run"]]),
    ("routing", &[&["model"], &["condition"], &["load"]]),
];

const BENCH: &[Folder] = &[(
    "",
    &[
        &["error", "procfs", "events", "proxy"],
        &["backends"],
        &["process"],
        &["measure"],
        &["suite"],
        &["report"],
    ],
)];

/// A module as its path from the crate root (`[]` is the root).
type ModPath = Vec<String>;

/// One import: the importing module, the module it reaches, and where.
#[derive(Debug)]
struct Import {
    from: ModPath,
    to: ModPath,
    place: String,
}

/// The module a file is (`archy/flow/read.rs` is `archy::flow::read`), `None` for a binary of
/// `src/bin`.
fn module_of(relative: &Path) -> Option<ModPath> {
    let mut parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_owned())
        .collect();
    if parts.first().is_some_and(|p| p == "bin") {
        return None;
    }
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    Some(parts)
}

/// The tokens of a file's production code, with their lines: identifiers, `::` and single
/// punctuation.
fn tokens(text: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    for (n, line) in production_lines(text) {
        let code = code_of(&line);
        let mut chars = code.chars().peekable();
        while let Some(c) = chars.next() {
            if c.is_alphanumeric() || c == '_' {
                let mut word = String::from(c);
                while let Some(&d) = chars.peek().filter(|d| d.is_alphanumeric() || **d == '_') {
                    word.push(d);
                    chars.next();
                }
                out.push((word, n));
            } else if c == ':' && chars.peek() == Some(&':') {
                chars.next();
                out.push(("::".to_owned(), n));
            } else if !c.is_whitespace() {
                out.push((c.to_string(), n));
            }
        }
    }
    out
}

/// The paths of a use tree starting at `tokens[i]` (after a `::`), each prefixed by `prefix`.
fn use_tree(tokens: &[(String, usize)], mut i: usize, prefix: &[String], out: &mut Vec<ModPath>) {
    let mut path = prefix.to_vec();
    loop {
        match tokens.get(i).map(|(t, _)| t.as_str()) {
            Some("{") => {
                let mut depth = 0;
                let mut start = i + 1;
                for (j, (t, _)) in tokens.iter().enumerate().skip(i) {
                    match t.as_str() {
                        "{" => depth += 1,
                        "}" | "," if depth == 1 => {
                            use_tree(tokens, start, &path, out);
                            start = j + 1;
                            if t == "}" {
                                return;
                            }
                        }
                        "}" => depth -= 1,
                        _ => {}
                    }
                }
                return;
            }
            Some(t) if t.chars().all(|c| c.is_alphanumeric() || c == '_') => {
                if t != "self" {
                    path.push(t.to_owned());
                }
                if tokens.get(i + 1).map(|(t, _)| t.as_str()) == Some("::") {
                    i += 2;
                    continue;
                }
                break;
            }
            _ => break,
        }
    }
    out.push(path);
}

/// Every module-relative path of a file: `crate::`, `super::` and `self::` ones, resolved from
/// the module `at`, with the line each starts on.
fn paths(text: &str, at: &[String]) -> Vec<(ModPath, usize)> {
    let tokens = tokens(text);
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let start = i;
        let mut base: Option<ModPath> = match tokens[i].0.as_str() {
            "crate" => Some(Vec::new()),
            "self" => Some(at.to_vec()),
            "super" => Some(at[..at.len().saturating_sub(1)].to_vec()),
            _ => None,
        };
        // `a::crate` is no path of ours, and `pub(in crate::x)` is a visibility, not an import.
        let preceded = start > 0 && matches!(tokens[start - 1].0.as_str(), "::" | "in");
        if preceded || tokens.get(i + 1).map(|(t, _)| t.as_str()) != Some("::") {
            base = None;
        }
        let Some(mut base) = base else {
            i += 1;
            continue;
        };
        i += 2;
        while tokens.get(i).map(|(t, _)| t.as_str()) == Some("super")
            && tokens.get(i + 1).map(|(t, _)| t.as_str()) == Some("::")
        {
            base.pop();
            i += 2;
        }
        let mut found = Vec::new();
        use_tree(&tokens, i, &base, &mut found);
        out.extend(found.into_iter().map(|p| (p, tokens[start].1)));
    }
    out
}

/// The modules of a crate and every import between two of them.
fn crate_imports(src: &str) -> (BTreeSet<ModPath>, Vec<Import>) {
    let dir = root().join(src);
    let mut files = Vec::new();
    rust_files(&dir, &mut files);
    let modules: BTreeSet<ModPath> = files
        .iter()
        .filter_map(|f| module_of(f.strip_prefix(&dir).unwrap()))
        .collect();
    let mut imports = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(&dir).unwrap();
        let Some(from) = module_of(relative) else {
            continue;
        };
        let text = std::fs::read_to_string(file).unwrap();
        for (path, line) in paths(&text, &from) {
            let to = (0..=path.len())
                .rev()
                .map(|n| path[..n].to_vec())
                .find(|prefix| modules.contains(prefix))
                .unwrap_or_default();
            let place = format!("{src}/{}:{line}", relative.display());
            imports.push(Import {
                from: from.clone(),
                to,
                place,
            });
        }
    }
    (modules, imports)
}

fn layer_in(layering: &[Folder], folder: &[String], module: &str) -> Option<usize> {
    let folder = folder.join("::");
    let (_, layers) = layering.iter().find(|(f, _)| *f == folder)?;
    layers.iter().position(|layer| layer.contains(&module))
}

/// What is wrong with one import, if anything.
fn judge(import: &Import, layering: &[Folder]) -> Option<String> {
    let (from, to) = (&import.from, &import.to);
    let common = from.iter().zip(to).take_while(|(a, b)| a == b).count();
    if to.len() > common && from.len() == common {
        // A module using its own child.
        return None;
    }
    let (a, b) = (from.join("::"), to.join("::"));
    if from == to {
        return None;
    }
    if to.len() == common {
        return Some(format!(
            "`{a}` imports from `{}`, the file of its own folder",
            if b.is_empty() { "crate root" } else { &b }
        ));
    }
    let folder = &from[..common];
    match (
        layer_in(layering, folder, &from[common]),
        layer_in(layering, folder, &to[common]),
    ) {
        (Some(x), Some(y)) if y < x => None,
        (Some(_), Some(_)) => Some(format!("`{a}` -> `{b}`: same layer or above")),
        _ => Some(format!(
            "`{a}` -> `{b}`: `{}` or `{}` is in no layer of `{}`",
            from[common],
            to[common],
            folder.join("::")
        )),
    }
}

#[test]
fn each_module_imports_only_modules_below_it() {
    let mut wrong: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (src, layering) in LAYERED {
        let (_, imports) = crate_imports(src);
        for import in imports {
            if let Some(what) = judge(&import, layering) {
                wrong.entry(what).or_default().insert(import.place);
            }
        }
    }
    assert!(wrong.is_empty(), "imports against the layering: {wrong:#?}");
}

#[test]
fn every_module_of_a_folder_with_siblings_is_in_a_layer_of_it() {
    let mut missing = Vec::new();
    for (src, layering) in LAYERED {
        let (modules, _) = crate_imports(src);
        let mut children: BTreeMap<ModPath, BTreeSet<String>> = BTreeMap::new();
        for module in modules.iter().filter(|m| !m.is_empty()) {
            let folder = module[..module.len() - 1].to_vec();
            children
                .entry(folder)
                .or_default()
                .insert(module.last().unwrap().clone());
        }
        for (folder, names) in children.iter().filter(|(_, n)| n.len() > 1) {
            for name in names {
                if layer_in(layering, folder, name).is_none() {
                    missing.push(format!("{src}: `{}` in `{}`", name, folder.join("::")));
                }
            }
        }
        for (folder, layers) in layering.iter() {
            for name in layers.iter().flat_map(|l| l.iter()) {
                let mut path: ModPath = folder
                    .split("::")
                    .filter(|p| !p.is_empty())
                    .map(str::to_owned)
                    .collect();
                path.push((*name).to_owned());
                if !modules.contains(&path) {
                    missing.push(format!(
                        "{src}: `{}` is listed but no file",
                        path.join("::")
                    ));
                }
            }
        }
    }
    assert!(missing.is_empty(), "add them to the layering: {missing:#?}");
}

#[test]
fn every_workspace_member_is_layered() {
    let unlisted: Vec<String> = workspace_members()
        .into_iter()
        .filter(|m| !LAYERED.iter().any(|(src, _)| *src == format!("{m}/src")))
        .collect();
    assert_eq!(unlisted, Vec::<String>::new(), "add them to LAYERED");
}

#[test]
fn the_reader_resolves_groups_supers_and_inline_paths() {
    let text = "pub(in crate::lint) use crate::archy::{expr::Expr, flow::{self, Flow}};\nuse super::super::yaml::Node;\nfn f() { let x = super::walk::f(); }\n#[cfg(test)]\nmod tests { use crate::lint::x; }\n";
    let at: ModPath = vec!["archy".into(), "flow".into(), "read".into()];
    let found: Vec<(String, usize)> = paths(text, &at)
        .into_iter()
        .map(|(p, line)| (p.join("::"), line))
        .collect();
    assert_eq!(
        found,
        vec![
            ("archy::expr::Expr".to_owned(), 1),
            ("archy::flow".to_owned(), 1),
            ("archy::flow::Flow".to_owned(), 1),
            ("archy::yaml::Node".to_owned(), 2),
            ("archy::flow::walk::f".to_owned(), 3),
        ]
    );
    let up = Import {
        from: at.clone(),
        to: vec!["archy".into(), "flow".into()],
        place: String::new(),
    };
    assert!(
        judge(&up, GENESYS_AS_CODE).is_some(),
        "a child never uses its folder's file"
    );
}
