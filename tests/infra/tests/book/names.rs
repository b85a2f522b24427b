//! What the repository declares, read from where it is declared: the local stack's options from
//! its clap definition, the tools' options from their parsers, the variables from the variable
//! table, the template's parameters and names from `infra/template.yaml`, and the identifiers of
//! the code.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use clap::CommandFactory as _;

use super::root;

/// Everything the documentation may name.
#[derive(Debug, Clone)]
pub struct Names {
    /// Options of each project command: `local`, `lint-flow`, `generate-artifacts`.
    pub flags: BTreeMap<&'static str, BTreeSet<String>>,
    /// The variable table's names.
    pub variables: BTreeSet<String>,
    /// The metric catalogue's dimension names (`EntryPoint=web-services` names one).
    pub dimensions: BTreeSet<String>,
    /// The template's parameters and their defaults (`None`: required).
    pub parameters: BTreeMap<String, Option<String>>,
    /// Every CamelCase word of the template (resources, outputs, properties, actions) and of
    /// the code (types, functions' Rust and JavaScript identifiers).
    pub identifiers: BTreeSet<String>,
}

impl Names {
    pub fn read() -> Self {
        let mut flags = BTreeMap::new();
        flags.insert("local", local_flags());
        flags.insert(
            "lint-flow",
            parser_flags("tools/genesys-as-code/src/bin/lint-flow.rs"),
        );
        flags.insert(
            "generate-artifacts",
            parser_flags("tools/genesys-as-code/src/bin/generate-artifacts.rs"),
        );
        let variables = secure_initiation::config::VARIABLES
            .iter()
            .map(|v| v.name.to_owned())
            .collect();
        let mut identifiers = BTreeSet::new();
        let template = std::fs::read_to_string(root().join("infra/template.yaml")).unwrap();
        identifiers.extend(camel_words(&template));
        for dir in CODE_DIRS {
            code_words(&root().join(dir), &mut identifiers);
        }
        let dimensions = secure_initiation::telemetry::metrics::CATALOGUE
            .iter()
            .flat_map(|m| m.dimensions.iter().map(|d| d.name.to_owned()))
            .collect();
        Names {
            flags,
            variables,
            dimensions,
            parameters: parameters(),
            identifiers,
        }
    }

    /// Whether `flag` (`--port`) is an option of `command`.
    pub fn takes(&self, command: &str, flag: &str) -> bool {
        self.flags.get(command).is_some_and(|f| f.contains(flag))
    }
}

/// Where the code's identifiers are read from (not the tests: this suite's mutations live there).
const CODE_DIRS: &[&str] = &[
    "shared/src",
    "shared/lambda/src",
    "functions",
    "tools/genesys-as-code/src",
    "dev/genesys-sandbox/src",
    "bench",
    "web/secure-messaging.js",
    "web/demo",
];

/// The local stack's long options, from its clap definition (what `local --help` prints).
fn local_flags() -> BTreeSet<String> {
    let command = local::cli::Cli::command();
    let mut flags: BTreeSet<String> = command
        .get_arguments()
        .filter_map(|a| a.get_long())
        .map(|l| format!("--{l}"))
        .collect();
    flags.extend(["--help".to_owned(), "--version".to_owned()]);
    flags
}

/// A tool's options, from the string literals its parser matches (`"--set" => ...`).
fn parser_flags(path: &str) -> BTreeSet<String> {
    let source = std::fs::read_to_string(root().join(path)).unwrap();
    let flags: BTreeSet<String> = source
        .split('"')
        .skip(1)
        .step_by(2)
        .filter(|s| {
            s.starts_with("--")
                && s.len() > 2
                && s[2..].chars().all(|c| c.is_ascii_lowercase() || c == '-')
        })
        .map(str::to_owned)
        .collect();
    assert!(
        !flags.is_empty(),
        "{path}: no `\"--option\"` literal found; read the tool's options from its parser"
    );
    flags
}

/// The template's parameters, with their defaults as strings.
fn parameters() -> BTreeMap<String, Option<String>> {
    let t = crate::common::yaml_file("infra/template.yaml");
    t["Parameters"]
        .as_object()
        .expect("the template has Parameters")
        .iter()
        .map(|(name, p)| {
            let default = p.get("Default").map(|d| match d {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            });
            (name.clone(), default)
        })
        .collect()
}

/// Words of two or more capitalised parts (`AllowedOrigins`, `PutItem`, `ValidateHandler`).
pub fn camel_words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| is_camel(w))
        .map(str::to_owned)
}

/// `AllowedOrigins`: starts upper case, has lower case, and a second upper-case letter.
pub fn is_camel(word: &str) -> bool {
    let mut chars = word.chars();
    chars.next().is_some_and(|c| c.is_ascii_uppercase())
        && word.chars().any(|c| c.is_ascii_lowercase())
        && word.chars().skip(1).any(|c| c.is_ascii_uppercase())
        && word.chars().all(|c| c.is_ascii_alphanumeric())
}

fn code_words(path: &Path, out: &mut BTreeSet<String>) {
    if path.is_dir() {
        if path.ends_with("node_modules") || path.ends_with("target") {
            return;
        }
        for entry in std::fs::read_dir(path).unwrap() {
            code_words(&entry.unwrap().path(), out);
        }
    } else if path
        .extension()
        .is_some_and(|e| e == "rs" || e == "js" || e == "mjs")
    {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        out.extend(camel_words(&text));
    }
}
