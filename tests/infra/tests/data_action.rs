//! The Genesys data action definitions against the validate-session function: the contracts
//! are flat, an input that satisfies the input contract is accepted once the action's request
//! template has rendered it, and what Genesys would hand to Architect (after the response
//! translation) satisfies the output contract, for both integration types.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use common::{assert_valid, read};
use genesys_as_code::generate::{self, data_actions};
use local::{Options, spawn};
use secure_initiation::adapters::{MemoryStore, StaticSecrets};
use secure_initiation::api::{
    DataActionCredential, Handler as _, ValidateHandler, ValidatePorts, ValidateSettings,
};
use secure_initiation::attributes::Schema;
use secure_initiation::ports::{Clock, SessionRecord, SessionStatus, SessionStore, SystemClock};
use secure_initiation::session::SessionKeys;
use serde_json::{Map, Value, json};

fn schema() -> Schema {
    Schema::default_schema().unwrap()
}

fn action(path: &str) -> Value {
    serde_json::from_str(&read(path)).unwrap()
}

fn web_services() -> Value {
    action(data_actions::WEB_SERVICES_ACTION_PATH)
}

fn aws_lambda() -> Value {
    action(data_actions::AWS_LAMBDA_ACTION_PATH)
}

fn input_contract(action: &Value) -> &Value {
    &action["contract"]["input"]["inputSchema"]
}

fn output_contract(action: &Value) -> &Value {
    &action["contract"]["output"]["successSchema"]
}

fn assert_flat(contract: &Value, what: &str) {
    assert_eq!(contract["type"], "object", "{what}");
    assert_eq!(contract["additionalProperties"], false, "{what}");
    for (name, property) in contract["properties"].as_object().unwrap() {
        let ty = property["type"]
            .as_str()
            .unwrap_or_else(|| panic!("{what}.{name} has no single type"));
        assert!(
            matches!(ty, "string" | "boolean" | "integer" | "number"),
            "{what}.{name} is `{ty}`: Architect maps only flat, scalar outputs to flow variables"
        );
    }
}

#[test]
fn both_actions_carry_the_generated_flat_contracts() {
    let schema = schema();
    for (name, action) in [
        ("web services", web_services()),
        ("aws lambda", aws_lambda()),
    ] {
        assert_eq!(
            input_contract(&action),
            &generate::input_contract(),
            "{name}"
        );
        assert_eq!(
            output_contract(&action),
            &generate::output_contract(&schema),
            "{name}"
        );
        assert_flat(input_contract(&action), name);
        assert_flat(output_contract(&action), name);
        assert_eq!(action["actionType"], "custom");
        let timeout = action["config"]["timeoutSeconds"].as_u64().unwrap();
        assert!((1..=60).contains(&timeout), "Genesys allows 1-60 s");
    }
    assert_eq!(web_services()["integrationType"], "custom-rest-actions");
    assert_eq!(aws_lambda()["integrationType"], "aws-lambda-data-actions");
    assert_eq!(
        aws_lambda()["config"]["response"]["successTemplate"],
        "${rawResult}"
    );
    let url = web_services()["config"]["request"]["requestUrlTemplate"].clone();
    assert!(
        url.as_str().unwrap().starts_with("https://"),
        "Genesys calls HTTPS only"
    );
}

#[test]
fn every_translated_output_has_a_default() {
    let action = web_services();
    let response = &action["config"]["response"];
    let contract: Vec<&String> = output_contract(&action)["properties"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    let mapped: Vec<&String> = response["translationMap"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    let defaults: Vec<&String> = response["translationMapDefaults"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(mapped, contract);
    assert_eq!(defaults, contract);
    // A response that lacks every field still satisfies the contract, as "not valid".
    let rendered = translate(&action, &json!({}));
    assert_valid(
        output_contract(&action),
        &rendered,
        "the all-defaults output",
    );
    assert_eq!(rendered["valid"], false);
}

/// Renders the Velocity request template the way Genesys does for the forms it uses:
/// `$esc.jsonString(${input.x})` and the quiet `$!esc.jsonString($!{input.x})`.
fn render_request(template: &str, input: &Map<String, Value>) -> String {
    let mut out = template.to_owned();
    for field in ["sessionHash", "conversationId", "participantId"] {
        let escaped = input.get(field).map(|v| {
            let quoted = serde_json::to_string(v.as_str().unwrap()).unwrap();
            quoted[1..quoted.len() - 1].to_owned()
        });
        let loud = format!("$esc.jsonString(${{input.{field}}})");
        let quiet = format!("$!esc.jsonString($!{{input.{field}}})");
        if let Some(e) = &escaped {
            out = out.replace(&loud, e);
        }
        out = out.replace(&quiet, escaped.as_deref().unwrap_or(""));
    }
    assert!(
        !out.contains("$esc") && !out.contains("${"),
        "unrendered: {out}"
    );
    out
}

/// Applies the response translation: each JSONPath (`$.field`) yields the field as a JSON
/// literal, or the default; the success template then substitutes them.
fn translate(action: &Value, response: &Value) -> Value {
    let config = &action["config"]["response"];
    let mut rendered = config["successTemplate"].as_str().unwrap().to_owned();
    for (name, path) in config["translationMap"].as_object().unwrap() {
        let field = path.as_str().unwrap().strip_prefix("$.").unwrap();
        let literal = match response.get(field) {
            Some(v) => v.to_string(),
            None => config["translationMapDefaults"][name]
                .as_str()
                .unwrap()
                .to_owned(),
        };
        rendered = rendered.replace(&format!("${{{name}}}"), &literal);
    }
    serde_json::from_str(&rendered).unwrap_or_else(|e| panic!("{e}: {rendered}"))
}

#[tokio::test]
async fn the_web_services_action_round_trips_through_validate_session() {
    let running = spawn(Options {
        port: 0,
        ..Options::default()
    })
    .await
    .unwrap();
    let http = reqwest::Client::new();
    let base = running.base_url();
    let login: Value = http
        .get(format!("{base}/dev/login?sub=contract&tier=2&geo=na-east"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ticket: Value = http
        .post(format!("{base}/v1/initiations"))
        .bearer_auth(login["token"].as_str().unwrap())
        .json(&json!({"orderId": "88472"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let action = web_services();
    let conversation = uuid::Uuid::new_v4().to_string();
    let inputs = [
        // The example: what Architect sends after Get Participant Data.
        (
            json!({"sessionHash": ticket["sessionHash"], "conversationId": conversation}),
            true,
        ),
        // A hash with JSON metacharacters: escaped, so still one well-formed string.
        (
            json!({"sessionHash": "a\"b\\c\n", "conversationId": conversation, "participantId": uuid::Uuid::new_v4().to_string()}),
            false,
        ),
    ];
    let (user, pass) = running.data_action_credential.clone();
    for (input, genuine) in inputs {
        assert_valid(input_contract(&action), &input, "the example input");
        let request = &action["config"]["request"];
        let body = render_request(
            request["requestTemplate"].as_str().unwrap(),
            input.as_object().unwrap(),
        );
        let sent: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            sent["sessionHash"], input["sessionHash"],
            "escaping keeps the value"
        );
        let url = request["requestUrlTemplate"]
            .as_str()
            .unwrap()
            .replace(data_actions::API_BASE_PLACEHOLDER, &base);
        let mut req = http.post(url).basic_auth(&user, Some(&pass)).body(body);
        for (name, value) in request["headers"].as_object().unwrap() {
            req = req.header(name, value.as_str().unwrap());
        }
        let response = req.send().await.unwrap();
        assert_eq!(response.status(), 200);
        let output: Value = response.json().await.unwrap();
        assert_valid(output_contract(&action), &output, "the function's output");
        assert_eq!(output["valid"], genuine, "{output}");
        let translated = translate(&action, &output);
        assert_valid(
            output_contract(&action),
            &translated,
            "the translated output",
        );
        assert_eq!(
            translated, output,
            "the translation hands every field through"
        );
    }
}

#[tokio::test]
async fn the_aws_lambda_action_round_trips_through_validate_session() {
    let schema = Arc::new(schema());
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let store = Arc::new(MemoryStore::new(clock.clone()));
    let keys = SessionKeys::from_secret(&[7u8; 32]).unwrap();
    let hash = keys.mint();
    let now = clock.now_secs();
    let attributes = BTreeMap::from(
        [
            ("session_hash", hash.as_str()),
            ("priority_tier", "2"),
            ("geo_segment", "emea"),
            ("order_id", "88472"),
            ("risk_score", "10"),
            ("authenticated", "true"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned())),
    );
    store
        .create_session(&SessionRecord {
            session_hash: hash.clone(),
            subject_key: "subject".to_owned(),
            attributes,
            chain_started_at: now,
            created_at: now,
            expires_at: now + 60,
            status: SessionStatus::Active,
            conversation_id: None,
            refresh_count: 0,
            ttl: now + 3600,
            grace_until: None,
            initiated_conversation: None,
        })
        .await
        .unwrap();
    let secrets =
        Arc::new(StaticSecrets::new().with("da", &[("username", "u"), ("password", "p")]));
    let ports = ValidatePorts {
        sessions: store,
        gateway: None,
        credential: DataActionCredential::new(secrets, "da"),
    };
    let handler = ValidateHandler::new(schema.clone(), clock, ports, ValidateSettings::default());
    let action = aws_lambda();
    assert_eq!(
        action["config"]["request"]["requestTemplate"],
        "${input.rawRequest}"
    );
    let conversation = uuid::Uuid::new_v4().to_string();
    for (input, valid) in [
        (
            json!({"sessionHash": hash.as_str(), "conversationId": conversation}),
            true,
        ),
        (
            json!({"sessionHash": hash.as_str(), "conversationId": uuid::Uuid::new_v4().to_string()}),
            false,
        ),
    ] {
        assert_valid(input_contract(&action), &input, "the example input");
        // `${input.rawRequest}`: the input object is the function's event.
        let output = handler.handle_event(input).await.unwrap();
        assert_valid(output_contract(&action), &output, "the function's output");
        assert_eq!(output["valid"], valid, "{output}");
        if valid {
            assert_eq!(output["priority_tier"], "2");
        } else {
            assert_eq!(output["reason"], "replayed");
        }
    }
}
