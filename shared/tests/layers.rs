//! The crate's modules form layers: each imports only modules of lower layers, so the import
//! graph has no cycle and no module reaches above itself. Read from the sources (every
//! `crate::module` path outside comments and `#[cfg(test)]` code), so a new import that breaks
//! the order fails here, naming the file and line.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/sources.rs"]
mod sources;

use std::collections::BTreeMap;
use std::path::Path;

use sources::rust_files;

/// Bottom first. A module may import any module of a lower layer, none of its own or above.
const LAYERS: &[&[&str]] = &[
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
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

/// `(module, imported module, file:line)` for every cross-module `crate::` path.
fn imports() -> Vec<(String, String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut out = Vec::new();
    for file in files {
        let relative = file
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let module = relative
            .split('/')
            .next()
            .unwrap()
            .trim_end_matches(".rs")
            .to_owned();
        if module == "lib" || module == "bin" {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        let production = text.split("#[cfg(test)]").next().unwrap_or_default();
        for (n, line) in production.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            for (i, _) in code.match_indices("crate::") {
                let target: String = code[i + "crate::".len()..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !target.is_empty() && target != module {
                    out.push((module.clone(), target, format!("{relative}:{}", n + 1)));
                }
            }
        }
    }
    out
}

#[test]
fn every_module_is_in_a_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap();
    for line in lib.lines() {
        if let Some(module) = line.trim().strip_prefix("pub mod ") {
            let module = module.trim_end_matches(';');
            assert!(
                layer_of(module).is_some(),
                "module `{module}` is in no layer: add it to LAYERS"
            );
        }
    }
}

#[test]
fn each_module_imports_only_modules_below_it() {
    let mut wrong: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (module, target, place) in imports() {
        let (Some(from), Some(to)) = (layer_of(&module), layer_of(&target)) else {
            panic!("{place}: `{module}` or `{target}` is in no layer");
        };
        if to >= from {
            wrong
                .entry(format!("{module} -> {target}"))
                .or_default()
                .push(place);
        }
    }
    assert!(
        wrong.is_empty(),
        "imports of a module at or above the importer's layer: {wrong:#?}"
    );
}
