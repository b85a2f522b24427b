//! Shared helpers: the repository's deployment files as JSON, and JSON Schema checks.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};
use serde_yaml_ng::Value as Yaml;

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("read {path}: {e}"))
}

/// A YAML document as JSON. CloudFormation's short-form tags become their long form
/// (`!Ref X` → `{"Ref": "X"}`, `!GetAtt A.B` → `{"Fn::GetAtt": "A.B"}`, `!If` → `Fn::If`).
pub fn yaml_file(path: &str) -> Value {
    let yaml: Yaml = serde_yaml_ng::from_str(&read(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
    to_json(yaml)
}

fn to_json(yaml: Yaml) -> Value {
    match yaml {
        Yaml::Null => Value::Null,
        Yaml::Bool(b) => Value::Bool(b),
        Yaml::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                Value::from(n.as_f64().unwrap())
            }
        }
        Yaml::String(s) => Value::String(s),
        Yaml::Sequence(items) => Value::Array(items.into_iter().map(to_json).collect()),
        Yaml::Mapping(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let key = match k {
                        Yaml::String(s) => s,
                        Yaml::Number(n) => n.to_string(),
                        Yaml::Bool(b) => b.to_string(),
                        other => panic!("unsupported mapping key {other:?}"),
                    };
                    (key, to_json(v))
                })
                .collect(),
        ),
        Yaml::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            let name = tag.trim_start_matches('!');
            let key = if name == "Ref" {
                "Ref".to_owned()
            } else {
                format!("Fn::{name}")
            };
            let mut map = Map::new();
            map.insert(key, to_json(tagged.value));
            Value::Object(map)
        }
    }
}

/// The OpenAPI document.
pub fn openapi() -> Value {
    yaml_file("infra/openapi.yaml")
}

/// Follows a local `$ref` (`#/components/...`).
pub fn deref<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let pointer = r
                .strip_prefix('#')
                .unwrap_or_else(|| panic!("non-local $ref {r}"));
            deref(
                doc,
                doc.pointer(pointer)
                    .unwrap_or_else(|| panic!("dangling $ref {r}")),
            )
        }
        None => value,
    }
}

/// A copy of `value` with every local `$ref` replaced by its target, so a schema from the
/// OpenAPI document compiles on its own.
pub fn inline(doc: &Value, value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            if map.contains_key("$ref") {
                return inline(doc, deref(doc, value));
            }
            Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), inline(doc, v)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| inline(doc, v)).collect()),
        other => other.clone(),
    }
}

/// Problems of `instance` against `schema` (JSON Schema 2020-12 unless `$schema` says otherwise).
pub fn schema_errors(schema: &Value, instance: &Value) -> Vec<String> {
    let validator = jsonschema::validator_for(schema)
        .unwrap_or_else(|e| panic!("schema does not compile: {e}\n{schema:#}"));
    validator
        .iter_errors(instance)
        .map(|e| format!("{} at `{}`", e, e.instance_path()))
        .collect()
}

/// Panics with the problems unless `instance` validates.
pub fn assert_valid(schema: &Value, instance: &Value, what: &str) {
    let errors = schema_errors(schema, instance);
    assert!(
        errors.is_empty(),
        "{what} does not match its schema: {errors:?}\ninstance: {instance:#}"
    );
}

/// The SAM template and what SAM makes of its functions.
pub mod template {
    use std::collections::BTreeSet;

    use serde_json::Value;

    use super::{root, yaml_file};

    pub fn template() -> Value {
        yaml_file("infra/template.yaml")
    }

    pub fn resources(t: &Value) -> &serde_json::Map<String, Value> {
        t["Resources"].as_object().unwrap()
    }

    pub fn of_type<'a>(t: &'a Value, ty: &str) -> Vec<(&'a String, &'a Value)> {
        resources(t)
            .iter()
            .filter(|(_, r)| r["Type"] == ty)
            .collect()
    }

    /// Function crates: directories under functions/ with a `src/main.rs`, except `local` (the
    /// development server, never deployed).
    pub fn function_crates() -> BTreeSet<String> {
        std::fs::read_dir(root().join("functions"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.join("src/main.rs").exists())
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .filter(|name| name != "local")
            .collect()
    }

    /// The function resource built from `crate_name`.
    pub fn function<'a>(t: &'a Value, crate_name: &str) -> (&'a String, &'a Value) {
        let mut found: Vec<_> = of_type(t, "AWS::Serverless::Function")
            .into_iter()
            .filter(|(_, f)| f["Properties"]["CodeUri"] == format!("../functions/{crate_name}"))
            .collect();
        assert_eq!(found.len(), 1, "one function resource for `{crate_name}`");
        found.remove(0)
    }

    /// A function's properties as SAM deploys them: `Globals.Function` under the function's own,
    /// maps merged key by key (SAM's rule for `Environment.Variables` and `LoggingConfig`).
    pub fn properties(t: &Value, f: &Value) -> Value {
        merge(&t["Globals"]["Function"], &f["Properties"])
    }

    fn merge(global: &Value, local: &Value) -> Value {
        match (global, local) {
            (Value::Object(g), Value::Object(l)) => {
                let mut out = g.clone();
                for (k, v) in l {
                    let merged = match g.get(k) {
                        Some(gv) => merge(gv, v),
                        None => v.clone(),
                    };
                    out.insert(k.clone(), merged);
                }
                Value::Object(out)
            }
            (_, Value::Null) => global.clone(),
            (_, l) => l.clone(),
        }
    }

    pub fn env(t: &Value, f: &Value) -> serde_json::Map<String, Value> {
        properties(t, f)["Environment"]["Variables"]
            .as_object()
            .unwrap()
            .clone()
    }
}
