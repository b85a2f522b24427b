//! Golden tests against the guide's own examples.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;

use secure_initiation::attributes::{
    AttributeError, AttributeInputs, AttributeSet, AttributeValue, Schema,
};
use secure_initiation::payload::{
    GenesysId, InitialMessage, InitiationBody, RoutingTarget, SkillRequirement,
};
use secure_initiation::request::{InitiationRequest, RequestError};
use serde_json::{Value, json};

const GUIDE_COMPOSITE: &str = "priority_tier_2|order_id:88472|session_hash:a3f9c21";
const HASH: &str = "Xq3vN8pL2aB7cD9eF1gH4iJ6kM0nO5rS7tU9wY2zA1b";

fn guide_target() -> RoutingTarget {
    RoutingTarget {
        widget_id: GenesysId::parse("8f3d2a64-5b1c-4e7a-9d0f-2c6b8e1a4f37", "widgetId").unwrap(),
        queue_id: GenesysId::parse("3c9e7b12-0a4d-4f6e-8b2c-5d1e9f7a6c40", "queueId").unwrap(),
        skills: vec![
            SkillRequirement::new(
                GenesysId::parse("b7e4c1d9-2f6a-4e3b-a8d5-0c9f1e2b3a74", "skillId").unwrap(),
                1,
            )
            .unwrap(),
        ],
    }
}

#[test]
fn the_guides_composite_routing_context_is_rejected_with_advice_to_split_it() {
    let schema = Schema::from_toml(include_str!("fixtures/guide-composite.toml")).unwrap();
    // The guide's customAttributes, exactly as its Step 2 sends them.
    let stored: BTreeMap<String, String> = [
        ("routing_context", GUIDE_COMPOSITE),
        ("client_ip", "192.168.10.45"),
        ("geo_segment", "na-east"),
        ("session_hash", HASH),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let errors = AttributeSet::from_canonical(&schema, &stored).unwrap_err();
    assert_eq!(
        errors,
        vec![AttributeError::Composite {
            key: "routing_context".into()
        }]
    );
    let message = errors[0].to_string();
    assert!(
        message.contains("split them into one attribute per fact"),
        "{message}"
    );

    // And as a browser request field.
    let body = json!({"routingContext": GUIDE_COMPOSITE, "geoSegment": "na-east"}).to_string();
    let RequestError::Invalid(fields) =
        InitiationRequest::parse(&schema, body.as_bytes()).unwrap_err()
    else {
        panic!("expected a field error");
    };
    assert_eq!(fields.len(), 1);
    assert_eq!(fields[0].field, "routingContext");
    assert_eq!(fields[0].rule, "composite");
}

#[test]
fn a_composite_order_id_is_rejected_naming_the_field() {
    let schema = Schema::default_schema().unwrap();
    for value in ["1|order_id:2", "88472;tier=2", "order_id:5", "{\"tier\":2}"] {
        let body = json!({ "orderId": value }).to_string();
        let RequestError::Invalid(fields) =
            InitiationRequest::parse(&schema, body.as_bytes()).unwrap_err()
        else {
            panic!("expected a field error for {value}");
        };
        assert_eq!(
            (fields[0].field.as_str(), fields[0].rule),
            ("orderId", "composite"),
            "{value}"
        );
    }
}

#[test]
fn the_guides_context_as_discrete_attributes_builds_the_guides_body_byte_for_byte() {
    let schema = Schema::from_toml(include_str!("fixtures/guide-discrete.toml")).unwrap();
    let claims = json!({"sub": "user-1", "tier": 2, "geo": "na-east"});
    let request = InitiationRequest::parse(
        &schema,
        br#"{"orderId": "88472", "initialMessage": "I need assistance with order 88472."}"#,
    )
    .unwrap();
    let inputs = AttributeInputs {
        claims: claims.as_object().unwrap(),
        request: request.fields(),
        session_hash: HASH,
        client_ip: Some("192.168.10.45"),
        risk_score: None,
    };
    let attributes = AttributeSet::build(&schema, &inputs).unwrap();
    let target = guide_target();
    let body = InitiationBody::new(&target, &attributes, request.initial_message());
    let expected = include_str!("fixtures/guide-initiation-body.json");
    assert_eq!(String::from_utf8(body.to_json()).unwrap(), expected);
}

#[test]
fn an_integer_tier_serialises_as_the_string_2_never_2_point_0() {
    let schema = Schema::from_toml(include_str!("fixtures/guide-discrete.toml")).unwrap();
    let def = schema.attribute("priority_tier").unwrap();
    for raw in [json!(2), json!(2.0), json!("2")] {
        let value = def.parse_json(&raw, &schema).unwrap();
        assert_eq!(value, AttributeValue::Integer(2));
        assert_eq!(value.canonical(), "2", "from {raw}");
    }
    for raw in [
        json!("2.0"),
        json!("02"),
        json!("+2"),
        json!(" 2"),
        json!(2.5),
        json!(true),
    ] {
        assert!(
            matches!(
                def.parse_json(&raw, &schema),
                Err(AttributeError::WrongType { .. })
            ),
            "{raw} must not be coerced"
        );
    }
}

#[test]
fn the_initial_message_is_capped_and_refuses_control_characters() {
    assert!(InitialMessage::parse("hello", 5).is_ok());
    assert!(InitialMessage::parse("hello!", 5).is_err());
    assert!(InitialMessage::parse("line\nbreak", 50).is_err());
    assert!(InitialMessage::parse("   ", 50).is_err());
    // Characters, not bytes: five multi-byte characters fit a cap of five.
    assert!(InitialMessage::parse("ééééé", 5).is_ok());
}

#[test]
fn genesys_ids_must_be_hyphenated_uuids_and_skill_levels_stay_in_range() {
    assert!(GenesysId::parse("your-registered-widget-id", "widgetId").is_err());
    assert!(GenesysId::parse("8f3d2a645b1c4e7a9d0f2c6b8e1a4f37", "widgetId").is_err());
    assert!(GenesysId::parse("{8f3d2a64-5b1c-4e7a-9d0f-2c6b8e1a4f37}", "widgetId").is_err());
    let id = GenesysId::parse("8F3D2A64-5B1C-4E7A-9D0F-2C6B8E1A4F37", "widgetId").unwrap();
    assert_eq!(id.to_string(), "8f3d2a64-5b1c-4e7a-9d0f-2c6b8e1a4f37");
    assert!(SkillRequirement::new(id, 6).is_err());
    assert!(SkillRequirement::new(id, -1).is_err());
    assert!(SkillRequirement::new(id, 0).is_ok());
}

#[test]
fn the_participant_attributes_body_carries_only_exposed_attributes_as_strings() {
    let schema = Schema::default_schema().unwrap();
    let claims = json!({"sub": "u", "tier": 3, "geo": "emea"});
    let request = BTreeMap::from([("orderId".to_owned(), Value::from("42"))]);
    let set = AttributeSet::build(
        &schema,
        &AttributeInputs {
            claims: claims.as_object().unwrap(),
            request: &request,
            session_hash: HASH,
            client_ip: Some("203.0.113.9"),
            risk_score: Some(12),
        },
    )
    .unwrap();
    let body = secure_initiation::payload::ParticipantAttributesBody::exposed(&schema, &set);
    let json: Value = serde_json::from_slice(&body.to_json()).unwrap();
    assert_eq!(
        json,
        json!({"attributes": {"priority_tier": "3", "geo_segment": "emea", "order_id": "42", "risk_score": "12", "authenticated": "true"}})
    );
}
