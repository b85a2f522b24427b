//! The validate-session actions as CX as Code: one `genesyscloud_integration_action` with
//! `for_each` over the integration types. Expanded here the way Terraform plans it (each key of
//! the local, `each.value.*` replaced by that key's entry), every instance is the action of its
//! integration type: the importable definition's contracts and request/response configuration
//! (infra/genesys/data-actions/*.json), and the variables, integration and gate of that type,
//! as the two resources it replaced had them. `moved` blocks carry those resources' addresses
//! over, so an existing deployment plans no change.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;

use architect_tests::repo_file;
use genesys_as_code::generate::data_actions::{
    ACTION_NAME, AWS_LAMBDA_ACTION_PATH, DATA_ACTION_TIMEOUT_SECS, WEB_SERVICES_ACTION_PATH,
};
use genesys_as_code::generate::terraform::{INTEGRATION_TYPES, TERRAFORM_ACTIONS_PATH};
use hcl::eval::{Context, Evaluate};
use hcl::expr::{Expression, ObjectKey, Traversal, TraversalOperator};
use serde_json::Value;

fn parse_expr(src: &str) -> Expression {
    let body = hcl::parse(&format!("x = {src}\n")).unwrap();
    body.attributes().next().unwrap().expr().clone()
}

fn object(expr: &Expression) -> BTreeMap<String, Expression> {
    let Expression::Object(o) = expr else {
        panic!("not an object: {expr:?}")
    };
    o.iter()
        .map(|(k, v)| {
            let key = match k {
                ObjectKey::Identifier(i) => i.to_string(),
                ObjectKey::Expression(e) => e.evaluate(&Context::new()).unwrap().to_string(),
                other => panic!("{other:?}"),
            };
            (key.trim_matches('"').to_owned(), v.clone())
        })
        .collect()
}

/// `each.value.<name>` → the entry's `<name>`; anything else as it is.
fn substitute(expr: &Expression, entry: &BTreeMap<String, Expression>) -> Expression {
    if let Expression::Traversal(t) = expr
        && let Traversal {
            expr: root,
            operators,
        } = t.as_ref()
        && matches!(root, Expression::Variable(v) if v.as_str() == "each")
        && let [
            TraversalOperator::GetAttr(value),
            TraversalOperator::GetAttr(name),
        ] = operators.as_slice()
        && value.as_str() == "value"
    {
        return entry[name.as_str()].clone();
    }
    expr.clone()
}

/// Every attribute of an instance, nested blocks as `block.attribute`.
fn instance(
    resource: &hcl::Body,
    entry: &BTreeMap<String, Expression>,
) -> BTreeMap<String, Expression> {
    let mut out = BTreeMap::new();
    for a in resource.attributes() {
        out.insert(a.key().to_owned(), substitute(a.expr(), entry));
    }
    for block in resource.blocks() {
        for a in block.body.attributes() {
            let key = format!("{}.{}", block.identifier(), a.key());
            out.insert(key, substitute(a.expr(), entry));
        }
    }
    out
}

fn text(expr: &Expression) -> String {
    match expr.evaluate(&Context::new()).unwrap() {
        hcl::Value::String(s) => s,
        other => panic!("not a string: {other:?}"),
    }
}

/// A literal HCL value (strings, maps of strings) as JSON.
fn json(expr: &Expression) -> Value {
    let value = expr.evaluate(&Context::new()).unwrap();
    serde_json::to_value(value).unwrap()
}

/// `jsonencode(jsondecode(<<-EOT ... EOT))`: the JSON the heredoc holds.
fn contract(expr: &Expression) -> Value {
    let Expression::FuncCall(encode) = expr else {
        panic!("{expr:?}")
    };
    let Expression::FuncCall(decode) = &encode.args[0] else {
        panic!("{expr:?}")
    };
    serde_json::from_str(&text(&decode.args[0])).unwrap()
}

#[test]
fn each_integration_type_plans_the_action_the_two_resources_used_to() {
    let body = hcl::parse(&repo_file(TERRAFORM_ACTIONS_PATH)).unwrap();
    let locals = body.blocks().find(|b| b.identifier() == "locals").unwrap();
    let actions = locals
        .body
        .attributes()
        .find(|a| a.key() == "validate_session_actions")
        .unwrap();
    let entries = object(actions.expr());
    assert_eq!(
        entries.keys().collect::<Vec<_>>(),
        {
            let mut keys: Vec<&str> = INTEGRATION_TYPES.to_vec();
            keys.sort_unstable();
            keys
        },
        "one entry per integration type"
    );
    let resource = &body
        .blocks()
        .find(|b| b.identifier() == "resource" && b.labels()[1].as_str() == "validate_session")
        .unwrap()
        .body;
    let for_each = resource
        .attributes()
        .find(|a| a.key() == "for_each")
        .unwrap();
    assert_eq!(
        for_each.expr(),
        &parse_expr(
            "{ for type, action in local.validate_session_actions : type => action if action.enabled }"
        ),
        "an instance per enabled type, keyed by the type"
    );

    for (key, definition) in [
        ("web_services", WEB_SERVICES_ACTION_PATH),
        ("aws_lambda", AWS_LAMBDA_ACTION_PATH),
    ] {
        let entry = object(&entries[key]);
        let planned = instance(resource, &entry);
        let importable: Value = serde_json::from_str(&repo_file(definition)).unwrap();
        let (request, response) = (
            &importable["config"]["request"],
            &importable["config"]["response"],
        );

        assert_eq!(
            entry["enabled"],
            parse_expr(&format!("var.enable_{key}_action"))
        );
        assert_eq!(
            planned["category"],
            parse_expr(&format!("var.{key}_integration_name"))
        );
        assert_eq!(
            planned["integration_id"],
            parse_expr(&format!(
                "one(genesyscloud_integration.{key}_integration[*].id)"
            ))
        );
        assert_eq!(text(&planned["name"]), ACTION_NAME);
        assert_eq!(planned["secure"], parse_expr("false"));
        assert_eq!(
            planned["config_timeout_seconds"],
            parse_expr(&DATA_ACTION_TIMEOUT_SECS.to_string())
        );
        assert_eq!(
            contract(&planned["contract_input"]),
            importable["contract"]["input"]["inputSchema"]
        );
        assert_eq!(
            contract(&planned["contract_output"]),
            importable["contract"]["output"]["successSchema"]
        );
        assert_eq!(
            text(&planned["config_request.request_type"]),
            request["requestType"]
        );
        assert_eq!(
            text(&planned["config_request.request_template"]),
            request["requestTemplate"]
        );
        assert_eq!(json(&planned["config_request.headers"]), request["headers"]);
        assert_eq!(
            json(&planned["config_response.translation_map"]),
            response["translationMap"]
        );
        assert_eq!(
            json(&planned["config_response.translation_map_defaults"]),
            response["translationMapDefaults"]
        );
        assert_eq!(
            text(&planned["config_response.success_template"]),
            response["successTemplate"]
        );
        let url = if key == "web_services" {
            r#""${trimsuffix(var.api_base_url, "/")}/v1/session-validations""#
        } else {
            "var.validate_session_function_arn"
        };
        assert_eq!(
            planned["config_request.request_url_template"],
            parse_expr(url)
        );
    }
}

#[test]
fn the_addresses_of_the_two_replaced_resources_move_to_their_instances() {
    let body = hcl::parse(&repo_file(TERRAFORM_ACTIONS_PATH)).unwrap();
    let moved: Vec<(Expression, Expression)> = body
        .blocks()
        .filter(|b| b.identifier() == "moved")
        .map(|b| {
            let get = |k: &str| {
                b.body
                    .attributes()
                    .find(|a| a.key() == k)
                    .unwrap()
                    .expr()
                    .clone()
            };
            (get("from"), get("to"))
        })
        .collect();

    let expected: Vec<(Expression, Expression)> = INTEGRATION_TYPES
        .iter()
        .map(|key| {
            (
                parse_expr(&format!(
                    "genesyscloud_integration_action.validate_session_{key}[0]"
                )),
                parse_expr(&format!(
                    "genesyscloud_integration_action.validate_session[\"{key}\"]"
                )),
            )
        })
        .collect();
    assert_eq!(moved, expected);
}
