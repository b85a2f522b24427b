//! Parsing of the JSON bodies the functions receive, into domain types. Parsed once at the
//! edge; nothing downstream re-checks.
//!
//! Decisions that clients depend on:
//! - A body must be a UTF-8 JSON object with no byte-order mark and no duplicate keys at its
//!   top level: "last key wins" would let two parsers of the same body disagree, so a
//!   duplicate is refused (400) rather than resolved.
//! - Unknown fields are refused, never ignored: a browser sending `priority_tier` learns that
//!   it cannot set it (422), instead of believing it did.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde_json::Value;

use crate::attributes::{AttributeError, INITIAL_MESSAGE_FIELD, Schema};
use crate::payload::{GenesysId, InitialMessage, PayloadError};
use crate::session::PresentedHash;

/// One problem with one field, for the problem body's `errors[]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The request field (as the client spelled it).
    pub field: String,
    /// Machine-readable rule name.
    pub rule: &'static str,
    /// Human-readable explanation (never echoes the value).
    pub message: String,
}

/// Why a request body was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// Not a UTF-8 JSON object (or has a BOM, or duplicate keys): 400.
    #[error("malformed request body: {0}")]
    Malformed(&'static str),
    /// Fields that break the schema or are not allowed: 422.
    #[error("the request has {} invalid field(s)", .0.len())]
    Invalid(Vec<FieldError>),
}

/// A JSON object whose top level has no duplicate keys.
struct UniqueObject(BTreeMap<String, Value>);

impl<'de> Deserialize<'de> for UniqueObject {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = UniqueObject;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<UniqueObject, A::Error> {
                let mut out = BTreeMap::new();
                while let Some(key) = map.next_key::<String>()? {
                    let value: Value = map.next_value()?;
                    if out.insert(key, value).is_some() {
                        return Err(de::Error::custom("duplicate key"));
                    }
                }
                Ok(UniqueObject(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// Parses a body as a JSON object with unique top-level keys.
pub fn parse_object(body: &[u8]) -> Result<BTreeMap<String, Value>, RequestError> {
    if body.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return Err(RequestError::Malformed("a byte-order mark is not allowed"));
    }
    if std::str::from_utf8(body).is_err() {
        return Err(RequestError::Malformed("the body is not valid UTF-8"));
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(RequestError::Malformed(
            "the body is empty; send a JSON object",
        ));
    }
    match serde_json::from_slice::<UniqueObject>(body) {
        Ok(UniqueObject(map)) => Ok(map),
        Err(e) if e.to_string().starts_with("duplicate key") => {
            Err(RequestError::Malformed("a key appears more than once"))
        }
        Err(e) if e.is_data() => Err(RequestError::Malformed("the body must be a JSON object")),
        Err(_) => Err(RequestError::Malformed("the body is not valid JSON")),
    }
}

/// What the browser asked for in `POST /v1/initiations`.
#[derive(Debug, Clone, PartialEq)]
pub struct InitiationRequest {
    fields: BTreeMap<String, Value>,
    initial_message: Option<InitialMessage>,
}

impl InitiationRequest {
    /// Parses and checks every field against the schema; reports all field problems at once.
    pub fn parse(schema: &Schema, body: &[u8]) -> Result<Self, RequestError> {
        let object = parse_object(body)?;
        let mut errors = Vec::new();
        let mut fields = BTreeMap::new();
        let mut initial_message = None;
        for (name, value) in object {
            let checked = if name == INITIAL_MESSAGE_FIELD {
                parse_initial_message(schema, &value).map(|m| initial_message = m)
            } else {
                check_field(schema, &name, &value).map(|present| {
                    if present {
                        fields.insert(name, value);
                    }
                })
            };
            if let Err(e) = checked {
                errors.push(e);
            }
        }
        report_missing(schema, &fields, &mut errors);
        if errors.is_empty() {
            Ok(Self {
                fields,
                initial_message,
            })
        } else {
            Err(RequestError::Invalid(errors))
        }
    }

    /// Request fields, keyed by their request name, for [`crate::attributes::AttributeInputs`].
    pub fn fields(&self) -> &BTreeMap<String, Value> {
        &self.fields
    }

    /// The checked first message, if any.
    pub fn initial_message(&self) -> Option<&InitialMessage> {
        self.initial_message.as_ref()
    }

    /// The request as canonical JSON (keys sorted, no whitespace): the same request however it
    /// was spelled, for the idempotency fingerprint.
    pub fn canonical(&self) -> Vec<u8> {
        let mut object: BTreeMap<&str, Value> = self
            .fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        if let Some(message) = &self.initial_message {
            object.insert(
                INITIAL_MESSAGE_FIELD,
                serde_json::to_value(message).unwrap_or(Value::Null),
            );
        }
        serde_json::to_vec(&object).unwrap_or_default()
    }
}

/// The first chat message, checked against the schema's cap (`null` is no message).
fn parse_initial_message(
    schema: &Schema,
    value: &Value,
) -> Result<Option<InitialMessage>, FieldError> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) => InitialMessage::parse(s, schema.limits().initial_message_max_chars)
            .map(Some)
            .map_err(|e| message_error(&e)),
        _ => Err(FieldError::not_a_string(INITIAL_MESSAGE_FIELD)),
    }
}

/// Checks request field `name` against the attribute it feeds: whether it holds a value
/// (`null` is no value), or why it is refused.
fn check_field(schema: &Schema, name: &str, value: &Value) -> Result<bool, FieldError> {
    let Some(def) = schema.attribute_for_request_field(name) else {
        return Err(FieldError {
            field: name.to_owned(),
            rule: "unknown-field",
            message: "this field is not accepted from the browser".to_owned(),
        });
    };
    if value.is_null() {
        return Ok(false);
    }
    def.parse_json(value, schema)
        .map(|_| true)
        .map_err(|e| attribute_error(name, &e))
}

/// A required request field that was not sent, and was not refused for another reason.
fn report_missing(schema: &Schema, fields: &BTreeMap<String, Value>, errors: &mut Vec<FieldError>) {
    for field in schema.request_fields() {
        if let Some(def) = schema.attribute_for_request_field(field)
            && def.required()
            && !fields.contains_key(field)
            && !errors.iter().any(|e| e.field == field)
        {
            errors.push(FieldError::required(field));
        }
    }
}

impl FieldError {
    fn required(field: &str) -> Self {
        Self {
            field: field.to_owned(),
            rule: "required",
            message: "a value is required".to_owned(),
        }
    }

    fn not_a_string(field: &str) -> Self {
        Self {
            field: field.to_owned(),
            rule: "type",
            message: "expected a string".to_owned(),
        }
    }
}

/// Describes an attribute error against the request field that fed it.
pub fn attribute_error(field: &str, e: &AttributeError) -> FieldError {
    let message = e.to_string();
    // Messages start with "attribute `key`: "; the client knows the field by its request name.
    let message = message
        .split_once(": ")
        .map_or(message.as_str(), |(_, m)| m)
        .to_owned();
    FieldError {
        field: field.to_owned(),
        rule: e.rule(),
        message,
    }
}

fn message_error(e: &PayloadError) -> FieldError {
    let rule = match e {
        PayloadError::MessageTooLong { .. } => "max_len",
        PayloadError::MessageControlCharacter => "control-character",
        PayloadError::MessageBlank => "required",
        _ => "invalid",
    };
    FieldError {
        field: INITIAL_MESSAGE_FIELD.to_owned(),
        rule,
        message: e.to_string(),
    }
}

fn take_string(
    object: &mut BTreeMap<String, Value>,
    field: &'static str,
    required: bool,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    match object.remove(field) {
        Some(Value::String(s)) => Some(s),
        None | Some(Value::Null) => {
            if required {
                errors.push(FieldError::required(field));
            }
            None
        }
        Some(_) => {
            errors.push(FieldError::not_a_string(field));
            None
        }
    }
}

fn reject_unknown(object: BTreeMap<String, Value>, errors: &mut Vec<FieldError>) {
    for field in object.into_keys() {
        errors.push(FieldError {
            field,
            rule: "unknown-field",
            message: "this field is not accepted".to_owned(),
        });
    }
}

/// `POST /v1/initiations/refresh`: the ticket to replace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshRequest {
    /// The ticket's hash; a malformed one is answered like an unknown one.
    pub session_hash: PresentedHash,
}

impl RefreshRequest {
    /// Parses `{"sessionHash": ".."}`.
    pub fn parse(body: &[u8]) -> Result<Self, RequestError> {
        let mut object = parse_object(body)?;
        let mut errors = Vec::new();
        let session_hash = take_string(&mut object, "sessionHash", true, &mut errors);
        reject_unknown(object, &mut errors);
        match session_hash {
            Some(session_hash) if errors.is_empty() => Ok(Self {
                session_hash: PresentedHash::parse(&session_hash),
            }),
            _ => Err(RequestError::Invalid(errors)),
        }
    }
}

/// Longest session hash string looked at; longer ones are `malformed` without a lookup.
pub const MAX_SESSION_HASH_INPUT: usize = 256;

/// The validate-session data action's input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationRequest {
    /// The hash as Architect read it from the participant data.
    pub session_hash: PresentedHash,
    /// The conversation asking.
    pub conversation_id: GenesysId,
    /// The customer participant, when the flow wants the attributes written back.
    pub participant_id: Option<GenesysId>,
}

impl ValidationRequest {
    /// Parses `{"sessionHash", "conversationId", "participantId"?}` from bytes.
    pub fn parse(body: &[u8]) -> Result<Self, RequestError> {
        Self::from_object(parse_object(body)?)
    }

    /// Parses an already-decoded JSON value (the raw event of an AWS Lambda data action).
    pub fn from_value(value: Value) -> Result<Self, RequestError> {
        match value {
            Value::Object(map) => Self::from_object(map.into_iter().collect()),
            _ => Err(RequestError::Malformed("the input must be a JSON object")),
        }
    }

    fn from_object(mut object: BTreeMap<String, Value>) -> Result<Self, RequestError> {
        let mut errors = Vec::new();
        let session_hash = take_string(&mut object, "sessionHash", true, &mut errors);
        let conversation_id = take_string(&mut object, "conversationId", true, &mut errors);
        let participant_id = take_string(&mut object, "participantId", false, &mut errors)
            // Architect sends an empty string for an unset variable.
            .filter(|p| !p.is_empty());
        reject_unknown(object, &mut errors);
        let mut id = |field: &'static str, raw: Option<&str>| {
            let parsed = raw.map(|raw| GenesysId::parse(raw, field));
            if let Some(Err(_)) = parsed {
                errors.push(FieldError {
                    field: field.to_owned(),
                    rule: "uuid",
                    message: "expected a UUID".to_owned(),
                });
            }
            parsed.and_then(Result::ok)
        };
        let conversation = id("conversationId", conversation_id.as_deref());
        let participant = id("participantId", participant_id.as_deref());
        if let Some(h) = &session_hash
            && h.len() > MAX_SESSION_HASH_INPUT
        {
            errors.push(FieldError {
                field: "sessionHash".to_owned(),
                rule: "max_len",
                message: format!("at most {MAX_SESSION_HASH_INPUT} bytes"),
            });
        }
        match (session_hash, conversation) {
            (Some(session_hash), Some(conversation_id)) if errors.is_empty() => Ok(Self {
                session_hash: PresentedHash::parse(&session_hash),
                conversation_id,
                participant_id: participant,
            }),
            _ => Err(RequestError::Invalid(errors)),
        }
    }
}
