//! Request bodies: what is refused, how, and what is accepted.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use secure_initiation::attributes::Schema;
use secure_initiation::request::{
    InitiationRequest, RefreshRequest, RequestError, ValidationRequest,
};
use secure_initiation::session::{PresentedHash, SessionKeys};

fn schema() -> Schema {
    Schema::default_schema().unwrap()
}

fn field_rules(body: &[u8]) -> Vec<(String, &'static str)> {
    match InitiationRequest::parse(&schema(), body) {
        Err(RequestError::Invalid(errors)) => {
            errors.into_iter().map(|e| (e.field, e.rule)).collect()
        }
        other => panic!("expected field errors, got {other:?}"),
    }
}

#[test]
fn a_field_the_browser_may_not_send_is_refused_never_applied() {
    assert_eq!(
        field_rules(br#"{"orderId":"1","priority_tier":"3","priorityTier":3}"#),
        vec![
            ("priorityTier".into(), "unknown-field"),
            ("priority_tier".into(), "unknown-field")
        ]
    );
}

#[test]
fn malformed_bodies_are_refused_as_malformed() {
    for body in [
        &b""[..],
        b"   ",
        b"[]",
        b"\"x\"",
        b"{",
        b"\xEF\xBB\xBF{}",
        b"{\"orderId\":\"\xff\"}",
        br#"{"orderId":"1","orderId":"2"}"#,
    ] {
        assert!(
            matches!(
                InitiationRequest::parse(&schema(), body),
                Err(RequestError::Malformed(_))
            ),
            "{:?}",
            String::from_utf8_lossy(body)
        );
    }
}

#[test]
fn field_values_are_checked_against_the_schema() {
    assert_eq!(
        field_rules(br#"{"orderId":"12a"}"#),
        vec![("orderId".into(), "pattern")]
    );
    assert_eq!(
        field_rules(br#"{"orderId":{"id":"1"}}"#),
        vec![("orderId".into(), "nested")]
    );
    assert_eq!(
        field_rules(br#"{"orderId":true}"#),
        vec![("orderId".into(), "type")]
    );
    assert_eq!(
        field_rules(br#"{"orderId":"1234567890123"}"#),
        vec![("orderId".into(), "max_len")]
    );
    assert_eq!(
        field_rules(br#"{"initialMessage":7}"#),
        vec![("initialMessage".into(), "type")]
    );
    assert_eq!(
        field_rules(br#"{"initialMessage":"a\u0007b"}"#),
        vec![("initialMessage".into(), "control-character")]
    );
}

/// The field errors of `body` as (field, rule, message).
fn field_messages(body: &[u8]) -> Vec<(String, &'static str, String)> {
    match InitiationRequest::parse(&schema(), body) {
        Err(RequestError::Invalid(errors)) => errors
            .into_iter()
            .map(|e| (e.field, e.rule, e.message))
            .collect(),
        other => panic!("expected field errors, got {other:?}"),
    }
}

#[test]
fn a_float_order_id_is_refused_with_a_message_that_says_what_is_accepted() {
    let accepted = "expected a string, or a 64-bit integer written without fraction or exponent";
    for body in [
        &br#"{"orderId":88472.5}"#[..],
        br#"{"orderId":1e3}"#,
        br#"{"orderId":8.8472e4}"#,
        br#"{"orderId":88472.0}"#,
        br#"{"orderId":true}"#,
    ] {
        assert_eq!(
            field_messages(body),
            vec![("orderId".into(), "type", accepted.to_owned())],
            "{}",
            String::from_utf8_lossy(body)
        );
    }
    // A negative integer is an integer: it is taken as `-1`, and the pattern refuses it, naming
    // the digits it accepts.
    assert_eq!(
        field_messages(br#"{"orderId":-1}"#),
        vec![(
            "orderId".into(),
            "pattern",
            "does not match the pattern `[0-9]{1,12}`".to_owned()
        )]
    );
}

#[test]
fn a_valid_request_keeps_its_fields_and_an_integer_order_id_is_taken_losslessly() {
    let r =
        InitiationRequest::parse(&schema(), br#"{"orderId":88472,"initialMessage":"hi"}"#).unwrap();
    assert_eq!(r.fields()["orderId"], serde_json::json!(88472));
    assert_eq!(r.initial_message().unwrap().as_str(), "hi");
    let empty = InitiationRequest::parse(&schema(), b"{}").unwrap();
    assert!(empty.fields().is_empty());
}

#[test]
fn validation_input_is_strict_about_ids_and_fields() {
    let ok = ValidationRequest::parse(
        br#"{"sessionHash":"abc","conversationId":"8F3D2A64-5B1C-4E7A-9D0F-2C6B8E1A4F37","participantId":""}"#,
    )
    .unwrap();
    assert_eq!(
        ok.conversation_id.to_string(),
        "8f3d2a64-5b1c-4e7a-9d0f-2c6b8e1a4f37"
    );
    assert_eq!(ok.participant_id, None);
    assert_eq!(
        ok.session_hash,
        PresentedHash::Malformed,
        "parsed once, at the edge"
    );
    for body in [
        &br#"{"sessionHash":"abc"}"#[..],
        br#"{"sessionHash":"abc","conversationId":"not-a-uuid"}"#,
        br#"{"sessionHash":1,"conversationId":"8f3d2a64-5b1c-4e7a-9d0f-2c6b8e1a4f37"}"#,
        br#"{"sessionHash":"a","conversationId":"8f3d2a64-5b1c-4e7a-9d0f-2c6b8e1a4f37","extra":1}"#,
    ] {
        assert!(
            matches!(
                ValidationRequest::parse(body),
                Err(RequestError::Invalid(_))
            ),
            "{}",
            String::from_utf8_lossy(body)
        );
    }
    assert!(matches!(
        ValidationRequest::from_value(serde_json::json!([1])),
        Err(RequestError::Malformed(_))
    ));
}

#[test]
fn a_refresh_names_only_the_previous_hash() {
    assert_eq!(
        RefreshRequest::parse(br#"{"sessionHash":"h"}"#)
            .unwrap()
            .session_hash,
        PresentedHash::Malformed
    );
    let minted = SessionKeys::from_secret(&[5u8; 32]).unwrap().mint();
    let body = format!(r#"{{"sessionHash":"{}"}}"#, minted.as_str());
    assert_eq!(
        RefreshRequest::parse(body.as_bytes()).unwrap().session_hash,
        PresentedHash::WellFormed(minted)
    );
    assert!(RefreshRequest::parse(br#"{"sessionHash":"h","sub":"other"}"#).is_err());
    assert!(RefreshRequest::parse(br#"{}"#).is_err());
}
