//! The one runtime glue and the events it meets: validate-session's two shapes, parsed from
//! real event JSON and answered by the real handler (in-memory store, static secrets), and a
//! browser function, which takes API Gateway events only.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use secure_initiation::adapters::{MemoryStore, StaticSecrets};
use secure_initiation::api::risk::RuleScorer;
use secure_initiation::api::strategy::MessengerStrategy;
use secure_initiation::api::{
    Browser, BrowserPorts, BrowserSettings, DataActionCredential, InitiateHandler, ValidateHandler,
    ValidatePorts, ValidateSettings,
};
use secure_initiation::attributes::Schema;
use secure_initiation::http::Cors;
use secure_initiation::ports::{ManualClock, SessionRecord, SessionStatus, SessionStore};
use secure_initiation::session::{
    SessionHash, SessionKeys, SessionVerifier, StaticJwksSource, VerifierConfig,
};
use secure_initiation_lambda::{Invocation, handle_event, is_http_event};
use serde_json::Value;

const HASH: &str = "Xq3vN8pL2aB7cD9eF1gH4iJ6kM0nO5rS7tU9wY2zA1A";

async fn handler() -> ValidateHandler {
    let clock = Arc::new(ManualClock::new(1_795_515_322_000));
    let store = MemoryStore::new(clock.clone());
    let schema = Schema::default_schema().unwrap();
    let attributes = [
        ("session_hash", HASH),
        ("priority_tier", "2"),
        ("geo_segment", "na-east"),
        ("risk_score", "10"),
        ("authenticated", "true"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    store
        .create_session(&SessionRecord {
            session_hash: SessionHash::parse(HASH).unwrap(),
            subject_key: "subject".to_owned(),
            attributes,
            chain_started_at: 1_795_515_300,
            created_at: 1_795_515_300,
            expires_at: 1_795_515_360,
            status: SessionStatus::Active,
            conversation_id: None,
            refresh_count: 0,
            ttl: 1_795_601_700,
            grace_until: None,
            initiated_conversation: None,
        })
        .await
        .unwrap();
    let secrets = Arc::new(
        StaticSecrets::new().with("da", &[("username", "architect"), ("password", "dev")]),
    );
    let ports = ValidatePorts {
        sessions: Arc::new(store),
        gateway: None,
        credential: DataActionCredential::new(secrets, "da"),
    };
    ValidateHandler::new(Arc::new(schema), clock, ports, ValidateSettings::default())
}

fn invocation(id: &str) -> Invocation {
    Invocation {
        request_id: id.to_owned(),
        deadline_ms: Some(1_795_515_337_000),
        ..Invocation::default()
    }
}

fn initiate() -> InitiateHandler {
    let clock = Arc::new(ManualClock::new(1_795_515_322_000));
    let store = Arc::new(MemoryStore::new(clock.clone()));
    let verifier = SessionVerifier::new(
        VerifierConfig::new(
            "https://idp.example.com/jwks".parse().unwrap(),
            "https://idp.example.com/",
            "shop",
        ),
        Arc::new(StaticJwksSource::new(jsonwebtoken::jwk::JwkSet {
            keys: vec![],
        })),
        clock.clone(),
    )
    .unwrap();
    let browser = Browser {
        schema: Arc::new(Schema::default_schema().unwrap()),
        clock,
        keys: Arc::new(SessionKeys::from_secret(&[1u8; 32]).unwrap()),
        verifier: Arc::new(verifier),
        cors: Cors::new(vec!["https://shop.example.com".to_owned()]),
    };
    let ports = BrowserPorts {
        sessions: store.clone(),
        rate: store.clone(),
        risk: Arc::new(RuleScorer),
        strategy: Arc::new(MessengerStrategy),
    };
    InitiateHandler::new(browser, ports, store, BrowserSettings::initiate()).unwrap()
}

#[tokio::test]
async fn an_api_gateway_v2_event_gets_an_http_response_with_the_flat_output() {
    let event: Value =
        serde_json::from_str(include_str!("fixtures/apigw-v2-validate.json")).unwrap();
    assert!(is_http_event(&event));
    let response = handle_event(&handler().await, event, invocation("req-1"))
        .await
        .unwrap();
    assert_eq!(response["statusCode"], 200, "{response}");
    assert_eq!(response["headers"]["content-type"], "application/json");
    let body: Value = serde_json::from_str(response["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["valid"], true);
    assert_eq!(body["priority_tier"], "2");
}

#[tokio::test]
async fn an_api_gateway_event_with_a_wrong_credential_gets_401() {
    let mut event: Value =
        serde_json::from_str(include_str!("fixtures/apigw-v2-validate.json")).unwrap();
    event["headers"]["authorization"] = Value::from("Basic YXJjaGl0ZWN0Ondyb25n");
    let response = handle_event(&handler().await, event, invocation("req-2"))
        .await
        .unwrap();
    assert_eq!(response["statusCode"], 401);
    assert_eq!(
        response["headers"]["content-type"],
        "application/problem+json"
    );
}

#[tokio::test]
async fn the_raw_data_action_event_gets_the_bare_flat_output() {
    let event: Value =
        serde_json::from_str(include_str!("fixtures/data-action-input.json")).unwrap();
    assert!(!is_http_event(&event));
    let output = handle_event(&handler().await, event, invocation("req-3"))
        .await
        .unwrap();
    assert_eq!(output["valid"], true, "{output}");
    assert_eq!(output["reason"], "ok");
    assert!(
        output
            .as_object()
            .unwrap()
            .values()
            .all(|v| v.is_string() || v.is_boolean()),
        "flat output"
    );
}

#[tokio::test]
async fn a_malformed_raw_event_is_a_function_error_without_internal_detail() {
    let event = serde_json::json!({"sessionHash": HASH});
    let e = handle_event(&handler().await, event, invocation("req-4"))
        .await
        .unwrap_err();
    assert_eq!(e.error_type, "urn:secure-initiation:problem:invalid-fields");
    assert!(!e.error_message.contains(HASH));
}

#[tokio::test]
async fn a_browser_function_is_served_the_same_way_and_takes_api_gateway_events_only() {
    let handler = initiate();
    // An API Gateway preflight from an allowed origin, through the same glue as validate-session.
    let mut preflight: Value =
        serde_json::from_str(include_str!("fixtures/apigw-v2-validate.json")).unwrap();
    preflight["requestContext"]["http"]["method"] = Value::from("OPTIONS");
    preflight["rawPath"] = Value::from("/v1/initiations");
    preflight["headers"]["origin"] = Value::from("https://shop.example.com");
    preflight["headers"]["access-control-request-method"] = Value::from("POST");
    let response = handle_event(&handler, preflight, invocation("req-5"))
        .await
        .unwrap();
    assert_eq!(response["statusCode"], 204, "{response}");
    assert_eq!(
        response["headers"]["access-control-allow-origin"],
        "https://shop.example.com"
    );
    // A GET is refused with the methods the route takes.
    let mut get: Value =
        serde_json::from_str(include_str!("fixtures/apigw-v2-validate.json")).unwrap();
    get["requestContext"]["http"]["method"] = Value::from("GET");
    let response = handle_event(&handler, get, invocation("req-6"))
        .await
        .unwrap();
    assert_eq!(response["statusCode"], 405);
    assert_eq!(response["headers"]["allow"], "POST, OPTIONS");
    // A direct invocation is not an initiation.
    let e = handle_event(
        &handler,
        serde_json::json!({"orderId": "1"}),
        invocation("req-7"),
    )
    .await
    .unwrap_err();
    assert_eq!(
        e.error_type,
        "urn:secure-initiation:problem:malformed-request"
    );
}

/// What the JSON log lines of a test wrote.
#[derive(Clone, Default)]
struct Lines(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Lines {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn every_log_line_of_an_invocation_carries_lambda_s_fields_at_its_top_level() {
    use secure_initiation::api::Function;
    use secure_initiation::telemetry::logs::json_subscriber;
    use secure_initiation_lambda::init_telemetry_with;

    let lines = Lines::default();
    let statics = [
        ("function_name", "shop-ValidateSession-1A2B".to_owned()),
        ("function_version", "7".to_owned()),
    ];
    let writer = lines.clone();
    tracing::subscriber::set_global_default(json_subscriber(
        tracing::Level::INFO,
        &statics,
        move || writer.clone(),
    ))
    .expect("the only subscriber of this test");
    let env = std::collections::BTreeMap::from([("AWS_LAMBDA_LOG_LEVEL", "INFO")]);
    let telemetry = init_telemetry_with(&env).unwrap();
    let handler = handler().await;
    let trace = "Root=1-6761a2b3-1f2e3d4c5b6a79808a7b6c5d;Parent=53995c3f42cd8ad8;Sampled=1";
    for (n, lambda_id) in ["lambda-1", "lambda-2"].into_iter().enumerate() {
        let event: Value =
            serde_json::from_str(include_str!("fixtures/apigw-v2-validate.json")).unwrap();
        let api_id = secure_initiation_lambda::api_gateway_request_id(&event).unwrap();
        let ids = Invocation {
            xray_trace_id: Some(trace.to_owned()),
            ..invocation(lambda_id)
        };
        let served = handle_event(&handler, event, ids.clone());
        let response = telemetry
            .invocation(Function::Validate, &ids, &api_id, served)
            .await
            .unwrap();
        assert_eq!(response["statusCode"], 200, "{response}");
        let text = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
        let mine: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .filter(|l| l["function_request_id"] == lambda_id)
            .collect();
        assert!(
            !mine.is_empty(),
            "invocation {lambda_id} logged nothing: {text}"
        );
        for line in &mine {
            assert!(line.get("spans").is_none(), "{line}");
            assert_eq!(line["request_id"], api_id.as_str(), "{line}");
            assert_eq!(line["cold_start"], n == 0, "{line}");
            assert_eq!(line["xray_trace_id"], trace, "{line}");
            assert_eq!(line["function_name"], "shop-ValidateSession-1A2B", "{line}");
            assert_eq!(line["function_version"], "7", "{line}");
        }
    }
}
