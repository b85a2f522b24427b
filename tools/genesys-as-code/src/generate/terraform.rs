//! The validate-session data actions as CX-as-Code Terraform (`genesyscloud_integration_action`),
//! written in `terraform fmt` style so `terraform fmt -check` passes on the generated file. The
//! integrations, credentials and variables they refer to are hand-written beside it
//! (infra/genesys/terraform/).

use std::fmt::Write as _;

use serde_json::{Map, Value};

use super::contracts::{input_contract, output_contract};
use super::data_actions::{
    ACTION_NAME, DATA_ACTION_TIMEOUT_SECS, VALIDATE_PATH, translation_map,
    translation_map_defaults, web_services_request_template, web_services_success_template,
};
use super::flow::{DATA_ACTION_NAME, DEFAULT_LANGUAGE, DIVISION, FLOW_NAME, INTEGRATION_CATEGORY};
use crate::routing::Routing;
use secure_initiation::attributes::Schema;

/// Path of the generated Terraform.
pub const TERRAFORM_ACTIONS_PATH: &str = "infra/genesys/terraform/actions.tf";

/// A literal HCL string: JSON-style escapes, and `${` / `%{` doubled so Terraform does not
/// interpolate them (the Velocity templates are full of `${...}`).
pub fn hcl_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    escape_templates(&out)
}

fn escape_templates(s: &str) -> String {
    s.replace("${", "$${").replace("%{", "%%{")
}

/// `jsonencode(jsondecode(<<-EOT ... EOT))`: the contract stays readable in the file and reaches
/// the provider normalised, as `jsonencode` writes it.
fn json_heredoc(value: &Value, indent: &str) -> String {
    let pretty = serde_json::to_string_pretty(value).unwrap_or_default();
    let mut out = String::from("jsonencode(jsondecode(<<-EOT\n");
    for line in pretty.lines() {
        let _ = writeln!(out, "{indent}  {}", escape_templates(line));
    }
    let _ = write!(out, "{indent}EOT\n{indent}))");
    out
}

/// One `key = value` line group, aligned the way `terraform fmt` aligns consecutive
/// single-line attributes (an attribute whose value spans lines stands alone, unpadded).
fn aligned(out: &mut String, indent: &str, items: &[(String, String)]) {
    let width = items.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    for (k, v) in items {
        let _ = writeln!(out, "{indent}{k:<width$} = {v}");
    }
}

fn map_block(out: &mut String, indent: &str, name: &str, map: &Map<String, Value>) {
    let _ = writeln!(out, "{indent}{name} = {{");
    let items: Vec<(String, String)> = map
        .iter()
        .map(|(k, v)| (hcl_string(k), hcl_string(v.as_str().unwrap_or_default())))
        .collect();
    aligned(out, &format!("{indent}  "), &items);
    let _ = writeln!(out, "{indent}}}");
}

fn contracts(out: &mut String, schema: &Schema) {
    let _ = writeln!(
        out,
        "  contract_input = {}",
        json_heredoc(&input_contract(), "  ")
    );
    let _ = writeln!(
        out,
        "  contract_output = {}",
        json_heredoc(&output_contract(schema), "  ")
    );
}

/// One integration type's entry of `local.validate_session_actions`: what differs between
/// the two actions.
fn integration_type(out: &mut String, schema: &Schema, key: &str, web_services: bool) {
    let integration = format!("{key}_integration");
    let _ = writeln!(out, "    {key} = {{");
    let mut head: Vec<(String, String)> = vec![
        ("enabled".into(), format!("var.enable_{key}_action")),
        ("category".into(), format!("var.{integration}_name")),
        (
            "integration_id".into(),
            format!("one(genesyscloud_integration.{integration}[*].id)"),
        ),
    ];
    if web_services {
        head.push((
            "request_url_template".into(),
            format!("\"${{trimsuffix(var.api_base_url, \"/\")}}{VALIDATE_PATH}\""),
        ));
        head.push((
            "request_template".into(),
            hcl_string(&web_services_request_template()),
        ));
        aligned(out, "      ", &head);
        out.push_str(
            "      headers = {\n        \"Content-Type\" = \"application/json\"\n      }\n",
        );
        map_block(out, "      ", "translation_map", &translation_map(schema));
        map_block(
            out,
            "      ",
            "translation_map_defaults",
            &translation_map_defaults(schema),
        );
        let template = hcl_string(&web_services_success_template(schema));
        let _ = writeln!(out, "      success_template = {template}");
    } else {
        head.extend([
            (
                "request_url_template".into(),
                "var.validate_session_function_arn".into(),
            ),
            ("request_template".into(), hcl_string("${input.rawRequest}")),
            ("headers".into(), "{}".into()),
            ("translation_map".into(), "{}".into()),
            ("translation_map_defaults".into(), "{}".into()),
            ("success_template".into(), hcl_string("${rawResult}")),
        ]);
        aligned(out, "      ", &head);
    }
    out.push_str("    }\n");
}

/// The resource both integration types share, one instance per enabled type.
fn action_resource(out: &mut String, schema: &Schema) {
    out.push_str("resource \"genesyscloud_integration_action\" \"validate_session\" {\n");
    aligned(
        out,
        "  ",
        &[
            (
                "for_each".into(),
                "{ for type, action in local.validate_session_actions : type => action if action.enabled }".into(),
            ),
            ("name".into(), hcl_string(ACTION_NAME)),
            ("category".into(), "each.value.category".into()),
            ("integration_id".into(), "each.value.integration_id".into()),
            ("secure".into(), "false".into()),
            (
                "config_timeout_seconds".into(),
                DATA_ACTION_TIMEOUT_SECS.to_string(),
            ),
        ],
    );
    contracts(out, schema);
    out.push_str("\n  config_request {\n");
    aligned(
        out,
        "    ",
        &[
            (
                "request_url_template".into(),
                "each.value.request_url_template".into(),
            ),
            ("request_type".into(), "\"POST\"".into()),
            (
                "request_template".into(),
                "each.value.request_template".into(),
            ),
            ("headers".into(), "each.value.headers".into()),
        ],
    );
    out.push_str("  }\n\n  config_response {\n");
    aligned(
        out,
        "    ",
        &[
            (
                "translation_map".into(),
                "each.value.translation_map".into(),
            ),
            (
                "translation_map_defaults".into(),
                "each.value.translation_map_defaults".into(),
            ),
            (
                "success_template".into(),
                "each.value.success_template".into(),
            ),
        ],
    );
    out.push_str("  }\n}\n");
}

/// The integration types, as `for_each` keys.
pub const INTEGRATION_TYPES: [&str; 2] = ["web_services", "aws_lambda"];

/// The generated `actions.tf`: the per-type settings in a local, one `for_each` resource, and
/// `moved` blocks from the two resources it replaced (`validate_session_<type>[0]`), so a
/// deployment made before keeps its actions and their ids.
pub fn terraform_actions(schema: &Schema) -> String {
    let mut out = String::from(
        "# Generated from config/attributes.toml by\n\
         # `cargo run -p genesys-as-code --bin generate-artifacts`; do not edit by hand.\n\
         #\n\
         # The validate-session data action for both integration types (integrations.tf). The\n\
         # same actions as ../data-actions/*.json. Changing a contract makes Genesys Cloud\n\
         # recreate the action with a new id: re-select it in every Call Data Action.\n\n\
         locals {\n  \
         # What differs between the two integration types; the resource below holds the rest.\n  \
         validate_session_actions = {\n",
    );
    for key in INTEGRATION_TYPES {
        integration_type(&mut out, schema, key, key == "web_services");
    }
    out.push_str("  }\n}\n\n");
    action_resource(&mut out, schema);
    out.push_str(
        "\n# Each type had a resource of its own before (validate_session_<type>, with count): their\n\
         # state moves to the instances above, so an existing deployment plans no change.\n",
    );
    for key in INTEGRATION_TYPES {
        let _ = write!(
            out,
            "\nmoved {{\n  from = genesyscloud_integration_action.validate_session_{key}[0]\n  to   = genesyscloud_integration_action.validate_session[\"{key}\"]\n}}\n"
        );
    }
    out
}

/// Path of the generated flow resource.
pub const TERRAFORM_FLOW_PATH: &str = "infra/genesys/terraform/flow.tf";

/// The flow file as the `genesyscloud_flow` resource names it (relative to this module).
pub fn flow_filepath() -> String {
    let file = super::flow::FLOW_PATH
        .strip_prefix("infra/genesys/")
        .unwrap_or(super::flow::FLOW_PATH);
    format!("${{path.module}}/../{file}")
}

/// The generated `flow.tf`: the queue names of the routing rules and the `genesyscloud_flow`
/// resource that deploys the generated flow with its substitutions.
pub fn terraform_flow(routing: &Routing) -> String {
    let mut out = String::from(
        "# Generated from config/routing.toml by\n\
         # `cargo run -p genesys-as-code --bin generate-artifacts`; do not edit by hand.\n\
         #\n\
         # The inbound message flow (../flows/secure-inbound-message.yaml) as CX as Code. The flow\n\
         # names the validate-session data action by category (its integration's name) and action\n\
         # name, not by id: a contract change that recreates the action needs no change here and no\n\
         # re-selection in Architect. Queues are named too; create_queues = true creates them.\n\n",
    );
    queue_names_variable(&mut out, routing);
    out.push_str(
        "locals {\n  # The validate-session action the flow calls, by category and name.\n  flow_data_action = var.flow_data_action == \"aws_lambda\" ? {\n    category = var.aws_lambda_integration_name\n    name     = try(genesyscloud_integration_action.validate_session[\"aws_lambda\"].name, null)\n    } : {\n    category = var.web_services_integration_name\n    name     = try(genesyscloud_integration_action.validate_session[\"web_services\"].name, null)\n  }\n}\n\n",
    );
    out.push_str(
        "resource \"genesyscloud_routing_queue\" \"secure_initiation\" {\n  for_each = var.create_queues ? var.queue_names : {}\n  name     = each.value\n}\n\n",
    );
    flow_resource(&mut out, routing);
    out
}

/// `variable "queue_names"`: a name for every queue of the routing rules.
fn queue_names_variable(out: &mut String, routing: &Routing) {
    let ids: Vec<&str> = routing.queues.iter().map(|q| q.id.as_str()).collect();
    out.push_str("variable \"queue_names\" {\n");
    out.push_str("  description = \"Genesys Cloud queue name of each queue of config/routing.toml (the flow transfers to them by name).\"\n");
    out.push_str("  type        = map(string)\n  default = {\n");
    let names: Vec<(String, String)> = routing
        .queues
        .iter()
        .map(|q| (q.id.clone(), hcl_string(&q.name)))
        .collect();
    aligned(out, "    ", &names);
    out.push_str("  }\n\n  validation {\n");
    let quoted: Vec<String> = ids.iter().map(|id| format!("\"{id}\"")).collect();
    let _ = writeln!(
        out,
        "    condition     = alltrue([for id in [{}] : contains(keys(var.queue_names), id)])",
        quoted.join(", ")
    );
    let _ = writeln!(
        out,
        "    error_message = \"The queue_names map needs a name for every queue of config/routing.toml: {}.\"",
        ids.join(", ")
    );
    out.push_str("  }\n}\n\n");
}

/// `resource "genesyscloud_flow"`: the generated file, its substitutions and its trigger hash.
fn flow_resource(out: &mut String, routing: &Routing) {
    out.push_str("resource \"genesyscloud_flow\" \"secure_inbound_message\" {\n");
    let path = flow_filepath();
    aligned(
        out,
        "  ",
        &[
            ("filepath".into(), format!("\"{path}\"")),
            ("force_unlock".into(), "var.flow_force_unlock".into()),
            (
                "update_trigger_hash".into(),
                format!("filesha256(\"{path}\")"),
            ),
        ],
    );
    out.push_str("  substitutions = {\n");
    let mut subs: Vec<(String, String)> = [
        (FLOW_NAME, "var.flow_name"),
        (DIVISION, "var.flow_division"),
        (DEFAULT_LANGUAGE, "var.flow_default_language"),
        (INTEGRATION_CATEGORY, "local.flow_data_action.category"),
        (DATA_ACTION_NAME, "local.flow_data_action.name"),
    ]
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .to_vec();
    for q in &routing.queues {
        subs.push((q.substitution(), format!("var.queue_names[\"{}\"]", q.id)));
    }
    aligned(out, "    ", &subs);
    out.push_str("  }\n  depends_on = [genesyscloud_routing_queue.secure_initiation]\n\n");
    out.push_str(
        "  lifecycle {\n    precondition {\n      condition     = local.flow_data_action.name != null\n      error_message = \"The flow calls the ${var.flow_data_action} validate-session action, which is disabled (enable_${var.flow_data_action}_action = false).\"\n    }\n  }\n}\n",
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn velocity_templates_survive_terraform_interpolation() {
        assert_eq!(hcl_string("${rawResult}"), "\"$${rawResult}\"");
        assert_eq!(hcl_string("a \"b\" \\"), "\"a \\\"b\\\" \\\\\"");
        assert_eq!(hcl_string("%{ if }"), "\"%%{ if }\"");
        assert_eq!(
            hcl_string("$esc.jsonString($!{input.x})"),
            "\"$esc.jsonString($!{input.x})\""
        );
    }
}
