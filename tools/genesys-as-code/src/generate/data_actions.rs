//! The validate-session data action as Genesys Cloud imports it (Admin > Integrations >
//! Actions > Import), for both integration types. The contracts are the generated ones; only
//! the request/response configuration differs.

use serde_json::{Map, Value, json};

use super::contracts::{input_contract, output_contract};
use secure_initiation::attributes::Schema;

/// The action's timeout (Genesys allows 1–60 s). Above the validate-session function's Lambda
/// timeout (4 s in infra/template.yaml), which is above its own answer deadline
/// (`VALIDATION_DEADLINE_MS`, 2.5 s by default): the function always answers, or fails, before
/// Architect gives up, so the Timeout path means "Genesys could not reach the function".
pub const DATA_ACTION_TIMEOUT_SECS: u32 = 6;

/// Name of both actions in Genesys Cloud (they live in different integrations).
pub const ACTION_NAME: &str = "Validate secure session";

/// The route the Web Services action calls.
pub const VALIDATE_PATH: &str = "/v1/session-validations";

/// Placeholder base URL of the Web Services action: replace it with the stack's `ApiUrl` output.
pub const API_BASE_PLACEHOLDER: &str = "https://YOUR_API_ID.execute-api.YOUR_REGION.amazonaws.com";

/// Placeholder of the AWS Lambda action: replace it with the `ValidateSessionFunctionArn` output.
pub const FUNCTION_ARN_PLACEHOLDER: &str =
    "arn:aws:lambda:YOUR_REGION:YOUR_ACCOUNT_ID:function:YOUR_VALIDATE_SESSION_FUNCTION";

/// Path of the importable Web Services action.
pub const WEB_SERVICES_ACTION_PATH: &str =
    "infra/genesys/data-actions/validate-session.web-services.json";
/// Path of the importable AWS Lambda action.
pub const AWS_LAMBDA_ACTION_PATH: &str =
    "infra/genesys/data-actions/validate-session.aws-lambda.json";

/// The Velocity request body of the Web Services action. Every input goes through
/// `$esc.jsonString` so a value with quotes or backslashes cannot change the JSON's shape; the
/// optional `participantId` uses quiet references, so an unset input becomes `""` (which the
/// function treats as absent) instead of the literal template text.
pub fn web_services_request_template() -> String {
    concat!(
        r#"{"sessionHash": "$esc.jsonString(${input.sessionHash})", "#,
        r#""conversationId": "$esc.jsonString(${input.conversationId})", "#,
        r#""participantId": "$!esc.jsonString($!{input.participantId})"}"#
    )
    .to_owned()
}

/// The output fields in contract order: `valid`, `reason`, `participant_update`, then every
/// exposed attribute.
pub fn output_fields(schema: &Schema) -> Vec<String> {
    let mut fields = vec![
        "valid".to_owned(),
        "reason".to_owned(),
        "participant_update".to_owned(),
    ];
    fields.extend(schema.exposed().map(|d| d.key().to_owned()));
    fields
}

/// The default of a translated field, as the JSON literal Genesys substitutes when the
/// response lacks it: a changed or partial response reads as "not valid", never as valid.
fn translation_default(field: &str) -> &'static str {
    match field {
        "valid" => "false",
        "reason" => "\"unknown\"",
        "participant_update" => "\"skipped\"",
        _ => "\"\"",
    }
}

/// JSONPath per output field.
pub fn translation_map(schema: &Schema) -> Map<String, Value> {
    output_fields(schema)
        .into_iter()
        .map(|f| {
            let path = format!("$.{f}");
            (f, Value::String(path))
        })
        .collect()
}

/// A default for every translated field.
pub fn translation_map_defaults(schema: &Schema) -> Map<String, Value> {
    output_fields(schema)
        .into_iter()
        .map(|f| {
            let default = translation_default(&f).to_owned();
            (f, Value::String(default))
        })
        .collect()
}

/// The Web Services success template: the translated values are JSON literals already.
pub fn web_services_success_template(schema: &Schema) -> String {
    let parts: Vec<String> = output_fields(schema)
        .iter()
        .map(|f| format!("\"{f}\": ${{{f}}}"))
        .collect();
    format!("{{{}}}", parts.join(", "))
}

fn contract(schema: &Schema) -> Value {
    json!({
        "input": {"inputSchema": input_contract()},
        "output": {"successSchema": output_contract(schema)},
    })
}

/// The Web Services (`custom-rest-actions`) action: `POST {ApiUrl}/v1/session-validations` with
/// the integration's Basic credential.
pub fn web_services_action(schema: &Schema) -> Value {
    json!({
        "name": ACTION_NAME,
        "integrationType": "custom-rest-actions",
        "actionType": "custom",
        "config": {
            "timeoutSeconds": DATA_ACTION_TIMEOUT_SECS,
            "request": {
                "requestUrlTemplate": format!("{API_BASE_PLACEHOLDER}{VALIDATE_PATH}"),
                "requestType": "POST",
                "headers": {"Content-Type": "application/json"},
                "requestTemplate": web_services_request_template(),
            },
            "response": {
                "translationMap": translation_map(schema),
                "translationMapDefaults": translation_map_defaults(schema),
                "successTemplate": web_services_success_template(schema),
            },
        },
        "contract": contract(schema),
        "secure": false,
    })
}

/// The AWS Lambda (`aws-lambda-data-actions`) action: Genesys invokes the function with the
/// input object as the event (through the role in the integration's credential) and hands the
/// function's flat output through unchanged.
pub fn aws_lambda_action(schema: &Schema) -> Value {
    json!({
        "name": ACTION_NAME,
        "integrationType": "aws-lambda-data-actions",
        "actionType": "custom",
        "config": {
            "timeoutSeconds": DATA_ACTION_TIMEOUT_SECS,
            "request": {
                "requestUrlTemplate": FUNCTION_ARN_PLACEHOLDER,
                "requestType": "POST",
                "headers": {},
                "requestTemplate": "${input.rawRequest}",
            },
            "response": {
                "translationMap": {},
                "translationMapDefaults": {},
                "successTemplate": "${rawResult}",
            },
        },
        "contract": contract(schema),
        "secure": false,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn every_translated_field_has_a_default_that_is_a_json_literal() {
        let schema = Schema::default_schema().unwrap();
        let map = translation_map(&schema);
        let defaults = translation_map_defaults(&schema);
        assert_eq!(
            map.keys().collect::<Vec<_>>(),
            defaults.keys().collect::<Vec<_>>()
        );
        for value in defaults.values() {
            serde_json::from_str::<Value>(value.as_str().unwrap()).unwrap();
        }
        assert_eq!(defaults["valid"], "false");
    }

    #[test]
    fn the_success_template_renders_json_once_values_are_substituted() {
        let schema = Schema::default_schema().unwrap();
        let mut rendered = web_services_success_template(&schema);
        for (field, default) in translation_map_defaults(&schema) {
            rendered = rendered.replace(&format!("${{{field}}}"), default.as_str().unwrap());
        }
        let value: Value = serde_json::from_str(&rendered).unwrap();
        assert_eq!(value["valid"], false);
        assert_eq!(value["reason"], "unknown");
    }

    #[test]
    fn every_input_of_the_request_template_is_escaped() {
        let template = web_services_request_template();
        for field in ["sessionHash", "conversationId", "participantId"] {
            assert!(
                template.contains(&format!("esc.jsonString(${{input.{field}}})"))
                    || template.contains(&format!("esc.jsonString($!{{input.{field}}})")),
                "{field} is not escaped: {template}"
            );
        }
    }
}
