//! Genesys-side artifacts generated from the attribute schema and the routing rules: the
//! validate-session data action's contracts, its importable definitions for both integration
//! types ([`data_actions`]) and their CX-as-Code Terraform ([`terraform`]), the Archy inbound
//! message flow ([`flow`]) and its `genesyscloud_flow` resource, the Architect expressions and
//! the book's attribute and configuration tables.
//!
//! `cargo run -p genesys-as-code --bin generate-artifacts` writes them; a test fails when the
//! committed copies are stale.

mod contracts;
pub mod data_actions;
pub mod flow;
pub mod terraform;

use contracts::rules;
pub use contracts::{input_contract, output_contract};

use std::fmt::Write as _;

use serde_json::Value;

use secure_initiation::attributes::{AttributeDef, AttributeType, Schema, Source};

use crate::routing::Routing;

/// Marks the start of the generated attribute table in [`ATTRIBUTES_PAGE`].
pub const ATTRIBUTES_START: &str = "<!-- generated:attributes:start -->";
/// Marks the end of the generated attribute table.
pub const ATTRIBUTES_END: &str = "<!-- generated:attributes:end -->";

/// Marks the start of the generated configuration table in [`CONFIGURATION_PAGE`].
pub const CONFIG_START: &str = "<!-- generated:configuration:start -->";
/// Marks the end of the generated configuration table.
pub const CONFIG_END: &str = "<!-- generated:configuration:end -->";

/// A page of the book (`docs/src/`) whose table between two markers is generated.
#[derive(Debug, Clone, Copy)]
pub struct GeneratedPage {
    /// Path relative to the repository root.
    pub path: &'static str,
    start: &'static str,
    end: &'static str,
    table: fn(&Schema) -> String,
}

/// The attribute schema's reference page: the attribute table.
pub const ATTRIBUTES_PAGE: GeneratedPage = GeneratedPage {
    path: "docs/src/reference/attribute-schema.md",
    start: ATTRIBUTES_START,
    end: ATTRIBUTES_END,
    table: attribute_table,
};

/// The configuration reference page: the variable table.
pub const CONFIGURATION_PAGE: GeneratedPage = GeneratedPage {
    path: "docs/src/reference/configuration.md",
    start: CONFIG_START,
    end: CONFIG_END,
    table: |_| configuration_table(),
};

/// Every page with a generated table.
pub const GENERATED_PAGES: [GeneratedPage; 2] = [ATTRIBUTES_PAGE, CONFIGURATION_PAGE];

impl GeneratedPage {
    /// `text` (the page as it is) with its table written anew from `schema`.
    pub fn render(&self, text: &str, schema: &Schema) -> Result<String, GenerateError> {
        replace_between(text, self.start, self.end, &(self.table)(schema)).map_err(|()| {
            GenerateError::MissingMarkers {
                page: self.path,
                start: self.start,
            }
        })
    }
}

/// Path of the data action input contract, relative to the repository root.
pub const INPUT_CONTRACT_PATH: &str = "infra/genesys/contracts/validate-session.input.json";
/// Path of the data action output contract.
pub const OUTPUT_CONTRACT_PATH: &str = "infra/genesys/contracts/validate-session.output.json";
/// Path of the Architect expressions.
pub const EXPRESSIONS_PATH: &str = "infra/genesys/architect-expressions.md";

/// One generated file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    /// Path relative to the repository root.
    pub path: &'static str,
    /// Full contents.
    pub contents: String,
}

/// Why a page's generated table could not be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GenerateError {
    /// The page lacks the markers that delimit its generated table.
    #[error("`{page}` lacks the markers around its generated table (`{start}` and its end)")]
    MissingMarkers {
        /// The page.
        page: &'static str,
        /// Its start marker.
        start: &'static str,
    },
}

/// Architect expressions for every routing attribute, with the typing each needs.
pub fn architect_expressions(schema: &Schema) -> String {
    let mut out = String::from(
        "# Architect expressions\n\n\
         Generated from `config/attributes.toml`; do not edit by hand.\n\n\
         Every attribute reaches Architect as a **string**: the data action outputs are declared \
         `string`, and Get Participant Data always returns strings. Compare strings with string \
         literals (`State.priority_tier == \"2\"`); convert only where you need arithmetic or \
         ranges (`ToInt(State.priority_tier) >= 2`). Comparing a string with a number \
         (`State.priority_tier == 2`) is the guide's Edge Case 1: the guide says it evaluates to \
         false and the conversation falls through to the default queue (whether Architect \
         already refuses it when the flow is validated could not be checked); \
         `lint-flow` reports it either way.\n\n\
         The variables below are the Call Data Action's outputs mapped to variables of the same \
         name: `State.<key>` in the generated flow (infra/genesys/flows/), whatever you mapped \
         them to in a flow of your own (`Flow.<key>` in the book's manual route). Branch on \
         `valid` first: when it is false every attribute is an empty string.\n\n",
    );
    out.push_str("| attribute | type | equality | other forms |\n|---|---|---|---|\n");
    out.push_str(
        "| `valid` | boolean | `State.valid == true` | `State.reason == \"replayed\"` |\n",
    );
    for def in schema.attributes().iter().filter(|d| d.routing()) {
        let var = flow::variable(def.key());
        let example = example_value(def);
        let (equality, other) = match def.ty() {
            AttributeType::String => (
                format!("`{var} == \"{example}\"`"),
                format!("`IsNotSetOrEmpty({var})`"),
            ),
            AttributeType::Integer => {
                let bound = def.max().or(def.min()).unwrap_or(1);
                (
                    format!("`{var} == \"{example}\"`"),
                    format!("`ToInt({var}) >= {bound}`"),
                )
            }
            AttributeType::Boolean => (format!("`{var} == \"true\"`"), format!("`ToBool({var})`")),
        };
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} |",
            def.key(),
            def.ty(),
            equality,
            other
        );
        if !def.expose() {
            let _ = writeln!(
                out,
                "|  | | not returned by the data action (`expose = false`): read it with Get Participant Data into `{var}` | |"
            );
        }
    }
    out.push_str(
        "\nWhen the attributes are read with **Get Participant Data** instead (key = attribute \
         key), the same expressions apply to the flow variables you map them into.\n",
    );
    out
}

fn example_value(def: &AttributeDef) -> String {
    if let Some(a) = def.allowed().and_then(|a| a.first()) {
        return a.clone();
    }
    if let Source::Static(v) = def.source() {
        return v.canonical().into_owned();
    }
    match def.ty() {
        AttributeType::Integer => def.max().or(def.min()).unwrap_or(1).to_string(),
        AttributeType::Boolean => "true".to_owned(),
        AttributeType::String => "value".to_owned(),
    }
}

/// The Markdown table of attributes (the schema's reference page).
pub fn attribute_table(schema: &Schema) -> String {
    let mut out = String::from(
        "| key | type | source | rules | required | routing | visibility | returned to Architect |\n\
         |---|---|---|---|---|---|---|---|\n",
    );
    let yes = |b: bool| if b { "yes" } else { "no" };
    for def in schema.attributes() {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} | {} | {} | {} |",
            def.key(),
            def.ty(),
            def.describe_source(),
            rules(def).replace('|', "\\|"),
            yes(def.required()),
            yes(def.routing()),
            def.visibility().as_str(),
            yes(def.expose()),
        );
    }
    let _ = write!(
        out,
        "\nBudget: at most {} bytes of keys and values per session (`max_custom_data_bytes`).\n",
        schema.limits().max_custom_data_bytes
    );
    out
}

/// The Markdown table of environment variables and which function reads each.
pub fn configuration_table() -> String {
    use secure_initiation::config::{Function, VARIABLES};
    let mut out = String::from("| variable |");
    for f in Function::ALL {
        let _ = write!(out, " {} |", f.crate_name());
    }
    out.push_str(" accepts |\n|---|---|---|---|---|\n");
    for var in VARIABLES {
        let _ = write!(out, "| `{}` |", var.name);
        for f in Function::ALL {
            out.push_str(if var.is_read_by(f) { " x |" } else { "  |" });
        }
        let _ = writeln!(out, " {} |", var.accepts().replace('|', "\\|"));
    }
    out
}

fn replace_between(
    text: &str,
    start_marker: &str,
    end_marker: &str,
    body: &str,
) -> Result<String, ()> {
    let start = text.find(start_marker).ok_or(())?;
    let end = text.find(end_marker).ok_or(())?;
    if end < start {
        return Err(());
    }
    let mut out = String::with_capacity(text.len() + body.len());
    out.push_str(&text[..start + start_marker.len()]);
    out.push('\n');
    out.push_str(body);
    out.push_str(&text[end..]);
    Ok(out)
}

fn pretty(value: &Value) -> String {
    let mut s = serde_json::to_string_pretty(value).unwrap_or_default();
    s.push('\n');
    s
}

/// Every generated file: [`artifacts`] plus the inbound message flow and its Terraform.
pub fn all_artifacts(schema: &Schema, routing: &Routing) -> Vec<Artifact> {
    let mut all = artifacts(schema);
    all.push(Artifact {
        path: flow::FLOW_PATH,
        contents: flow::inbound_message_flow(schema, routing),
    });
    all.push(Artifact {
        path: terraform::TERRAFORM_FLOW_PATH,
        contents: terraform::terraform_flow(routing),
    });
    all
}

/// Every file generated from the schema alone, except the book's pages (edited in place).
pub fn artifacts(schema: &Schema) -> Vec<Artifact> {
    vec![
        Artifact {
            path: INPUT_CONTRACT_PATH,
            contents: pretty(&input_contract()),
        },
        Artifact {
            path: OUTPUT_CONTRACT_PATH,
            contents: pretty(&output_contract(schema)),
        },
        Artifact {
            path: EXPRESSIONS_PATH,
            contents: architect_expressions(schema),
        },
        Artifact {
            path: data_actions::WEB_SERVICES_ACTION_PATH,
            contents: pretty(&data_actions::web_services_action(schema)),
        },
        Artifact {
            path: data_actions::AWS_LAMBDA_ACTION_PATH,
            contents: pretty(&data_actions::aws_lambda_action(schema)),
        },
        Artifact {
            path: terraform::TERRAFORM_ACTIONS_PATH,
            contents: terraform::terraform_actions(schema),
        },
    ]
}
