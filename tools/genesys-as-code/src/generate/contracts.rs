//! The validate-session data action's contracts (JSON Schema draft-04, as Genesys Cloud takes
//! them): its input, and its flat output built from the schema's exposed attributes.

use std::fmt::Write as _;

use serde_json::{Map, Value, json};

use secure_initiation::attributes::{AttributeDef, Schema};
use secure_initiation::payload::{ParticipantUpdate, ValidationReason};

/// The JSON Schema of the validate-session data action's input.
pub fn input_contract() -> Value {
    json!({
        "$schema": "http://json-schema.org/draft-04/schema#",
        "title": "ValidateSessionInput",
        "description": "Asks the backend whether a session hash read from the participant data is genuine, and binds it to this conversation.",
        "type": "object",
        "required": ["sessionHash", "conversationId"],
        "properties": {
            "sessionHash": {
                "type": "string",
                "description": "The participant's `session_hash` attribute (Get Participant Data)."
            },
            "conversationId": {
                "type": "string",
                "description": "Message.ConversationId of the conversation asking."
            },
            "participantId": {
                "type": "string",
                "description": "Optional: the customer participant id, to have the attributes written onto the participant."
            }
        },
        "additionalProperties": false
    })
}

/// The JSON Schema of the validate-session data action's flat output.
pub fn output_contract(schema: &Schema) -> Value {
    let mut properties = Map::new();
    let reasons: Vec<&str> = ValidationReason::ALL.iter().map(|r| r.as_str()).collect();
    let updates: Vec<&str> = ParticipantUpdate::ALL.iter().map(|u| u.as_str()).collect();
    properties.insert(
        "valid".into(),
        json!({"type": "boolean", "description": "True only for a genuine, unexpired hash bound to this conversation."}),
    );
    properties.insert(
        "reason".into(),
        json!({"type": "string", "description": format!("One of: {}.", reasons.join(", "))}),
    );
    properties.insert(
        "participant_update".into(),
        json!({"type": "string", "description": format!("Write-back of the attributes onto the participant: {}.", updates.join(", "))}),
    );
    let mut required: Vec<Value> =
        vec!["valid".into(), "reason".into(), "participant_update".into()];
    for def in schema.exposed() {
        properties.insert(
            def.key().to_owned(),
            json!({"type": "string", "description": output_description(def)}),
        );
        required.push(def.key().into());
    }
    json!({
        "$schema": "http://json-schema.org/draft-04/schema#",
        "title": "ValidateSessionOutput",
        "description": "Flat, string-typed outputs (besides `valid`) so Architect compares exact strings. Attributes are empty strings when `valid` is false.",
        "type": "object",
        "required": required,
        "properties": properties,
        "additionalProperties": false
    })
}

fn output_description(def: &AttributeDef) -> String {
    let mut d = def.description().to_owned();
    let _ = write!(d, " ({}", rules(def));
    d.push_str("; empty when invalid)");
    d.trim_start().to_owned()
}

pub(super) fn rules(def: &AttributeDef) -> String {
    let mut parts = vec![def.ty().as_str().to_owned()];
    if let Some(allowed) = def.allowed() {
        parts.push(format!("one of {}", allowed.join(", ")));
    }
    if def.min().is_some() || def.max().is_some() {
        let lo = def.min().map_or_else(String::new, |v| v.to_string());
        let hi = def.max().map_or_else(String::new, |v| v.to_string());
        parts.push(format!("{lo}..={hi}"));
    }
    if let Some(p) = def.pattern() {
        parts.push(format!("pattern `{p}`"));
    }
    if let Some(n) = def.max_len() {
        parts.push(format!("max {n} chars"));
    }
    parts.join(", ")
}
