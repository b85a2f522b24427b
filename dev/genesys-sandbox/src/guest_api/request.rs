//! A guest's request frame, parsed: `{action, token, tracingId, ...}` as the SDKs send them.
//! Unknown fields are ignored, as Genesys's own clients ignore them both ways
//! (`WebMessagingJson.kt`: `ignoreUnknownKeys = true`; `WebMessagingClient.java`:
//! `FAIL_ON_UNKNOWN_PROPERTIES` off).
//!
//! Requests (`MyPureCloud/genesys-messenger-transport-mobile-sdk`,
//! `transport/src/commonMain/kotlin/com/genesys/cloud/messenger/transport/shyrka/send/`):
//! `configureSession` (`ConfigureSessionRequest.kt`, `startNew`), `configureAuthenticatedSession`
//! (`ConfigureAuthenticatedSessionRequest.kt`), `onMessage` (`OnMessageRequest.kt`,
//! `AutoStartRequest.kt`, `ClearConversationRequest.kt`, `UserTypingRequest.kt`), `echo`
//! (`EchoRequest.kt`), `closeSession` (`CloseSessionRequest.kt`), `getJwt` (`JwtRequest.kt`).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::guests::{Said, frames};
use crate::validate;

/// Longest text message the sandbox takes, in characters; longer gets error 4011
/// (`ErrorCode.kt`, `MessageTooLong`). Genesys does not publish its limit; 4096 is the
/// sandbox's.
pub(crate) const MAX_TEXT_CHARS: usize = 4096;

/// One parsed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Request {
    pub(crate) tracing_id: Option<String>,
    pub(crate) token: String,
    pub(crate) action: Action,
}

/// What the request asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Action {
    Configure {
        deployment_id: String,
        start_new: bool,
    },
    ConfigureAuthenticated,
    Message(Inbound),
    Echo,
    CloseSession {
        close_all: bool,
    },
    GetJwt,
}

/// What an `onMessage` carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Inbound {
    /// A text or the autostart `Join`, with the custom attributes beside it.
    Said {
        said: Said,
        attributes: Option<BTreeMap<String, String>>,
    },
    /// `Presence` `Clear`.
    Clear,
    /// An event the sandbox takes and drops (`Typing`).
    Ignored,
}

/// A request the sandbox answers with an error frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub(crate) tracing_id: Option<String>,
    pub(crate) code: u16,
    pub(crate) text: String,
}

impl Refusal {
    pub(crate) fn frame(&self) -> String {
        frames::error(self.code, &self.text, self.tracing_id.as_deref())
    }
}

/// Parses one text frame.
pub(crate) fn parse(text: &str) -> Result<Request, Refusal> {
    let Ok(Value::Object(frame)) = serde_json::from_str::<Value>(text) else {
        return Err(bad(None, "Request failed."));
    };
    let tracing_id = frame
        .get("tracingId")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let refuse = |text: &str| bad(tracing_id.clone(), text);
    let action = frame.get("action").and_then(Value::as_str).unwrap_or("");
    let token = match frame.get("token").and_then(Value::as_str) {
        Some(t) if validate::is_uuid(t) => t.to_owned(),
        // The SDKs send a UUID (`Request.kt`'s token, `UUID.randomUUID()` in Java); the
        // sandbox refuses anything else rather than guess what Genesys accepts.
        _ => return Err(refuse("token must be a UUID")),
    };
    let action = match action {
        "configureSession" => Action::Configure {
            deployment_id: string(&frame, "deploymentId").unwrap_or_default(),
            start_new: frame
                .get("startNew")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        },
        "configureAuthenticatedSession" => Action::ConfigureAuthenticated,
        "onMessage" => Action::Message(on_message(&frame, tracing_id.as_deref())?),
        "echo" => Action::Echo,
        "closeSession" => Action::CloseSession {
            close_all: frame
                .get("closeAllConnections")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        },
        "getJwt" => Action::GetJwt,
        _ => return Err(refuse("Request failed.")),
    };
    Ok(Request {
        tracing_id,
        token,
        action,
    })
}

fn bad(tracing_id: Option<String>, text: &str) -> Refusal {
    Refusal {
        tracing_id,
        code: 400,
        text: text.to_owned(),
    }
}

fn string(obj: &Map<String, Value>, key: &str) -> Option<String> {
    obj.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// `{message: {type, text | events, channel?}, channel?}`.
fn on_message(frame: &Map<String, Value>, tracing_id: Option<&str>) -> Result<Inbound, Refusal> {
    let refuse = |text: &str| bad(tracing_id.map(str::to_owned), text);
    let Some(Value::Object(message)) = frame.get("message") else {
        return Err(refuse("message must be an object"));
    };
    match message.get("type").and_then(Value::as_str) {
        Some("Text") => {
            let text = message.get("text").and_then(Value::as_str).unwrap_or("");
            if text.trim().is_empty() {
                return Err(refuse("message.text must not be empty"));
            }
            if text.chars().count() > MAX_TEXT_CHARS {
                return Err(Refusal {
                    tracing_id: tracing_id.map(str::to_owned),
                    code: 4011,
                    text: format!("Message too long: the limit is {MAX_TEXT_CHARS} characters"),
                });
            }
            let attributes = attributes(frame, message).map_err(|t| refuse(&t))?;
            let said = Said::Text(text.to_owned());
            Ok(Inbound::Said { said, attributes })
        }
        Some("Event") => event(frame, message).map_err(|t| refuse(&t)),
        _ => Err(refuse("message.type must be Text or Event")),
    }
}

/// The first event of an `Event` message: `Presence` `Join` or `Clear`, or `Typing`.
fn event(frame: &Map<String, Value>, message: &Map<String, Value>) -> Result<Inbound, String> {
    let first = message
        .get("events")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
        .ok_or("message.events must hold an event")?;
    let presence = first.pointer("/presence/type").and_then(Value::as_str);
    match (first.get("eventType").and_then(Value::as_str), presence) {
        (Some("Presence"), Some("Join")) => Ok(Inbound::Said {
            said: Said::Join,
            attributes: attributes(frame, message)?,
        }),
        (Some("Presence"), Some("Clear")) => Ok(Inbound::Clear),
        (Some("Typing"), _) => Ok(Inbound::Ignored),
        _ => Err("only Presence Join, Presence Clear and Typing events are supported".to_owned()),
    }
}

/// The custom attributes of `message.channel.metadata` (the transport SDK's place,
/// `TextMessage.kt`, `EventMessage.kt`) and of a top-level `channel.metadata` (the Java SDK's,
/// `WebMessagingClient.java` `sendMessage`; `SendMessageRequest.java` has both). With both, the
/// sandbox merges them and `message.channel` wins a key both name (its choice: Genesys does
/// not say).
fn attributes(
    frame: &Map<String, Value>,
    message: &Map<String, Value>,
) -> Result<Option<BTreeMap<String, String>>, String> {
    let top = custom_attributes(frame.get("channel"), "channel")?;
    let inner = custom_attributes(message.get("channel"), "message.channel")?;
    Ok(match (top, inner) {
        (None, None) => None,
        (Some(a), None) | (None, Some(a)) => Some(a),
        (Some(mut a), Some(b)) => {
            a.extend(b);
            Some(a)
        }
    })
}

fn custom_attributes(
    channel: Option<&Value>,
    field: &str,
) -> Result<Option<BTreeMap<String, String>>, String> {
    let Some(attributes) = channel.and_then(|c| c.pointer("/metadata/customAttributes")) else {
        return Ok(None);
    };
    let Value::Object(map) = attributes else {
        return Err(format!(
            "{field}.metadata.customAttributes must be an object"
        ));
    };
    map.iter()
        .map(|(k, v)| match v {
            Value::String(s) => Ok((k.clone(), s.clone())),
            _ => Err(format!(
                "{field}.metadata.customAttributes.{k} must be a string"
            )),
        })
        .collect::<Result<_, _>>()
        .map(Some)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const TOKEN: &str = "00000000-0000-4000-8000-000000000000";

    #[test]
    fn the_transport_sdks_autostart_fixture_parses_as_a_join_with_its_attributes() {
        // `Request.kt`, `autostart()`.
        let frame = format!(
            r#"{{"token":"{TOKEN}","action":"onMessage","message":{{"events":[{{"eventType":"Presence","presence":{{"type":"Join"}}}}],"channel":{{"metadata":{{"customAttributes":{{"A":"B"}}}}}},"type":"Event"}}}}"#
        );
        let request = parse(&frame).unwrap();
        assert_eq!(
            request.action,
            Action::Message(Inbound::Said {
                said: Said::Join,
                attributes: Some(BTreeMap::from([("A".to_owned(), "B".to_owned())])),
            })
        );
    }

    #[test]
    fn a_top_level_channel_and_a_message_channel_merge_and_the_message_wins() {
        let frame = format!(
            r#"{{"action":"onMessage","token":"{TOKEN}","tracingId":"t","channel":{{"metadata":{{"customAttributes":{{"a":"top","b":"top"}}}}}},"message":{{"type":"Text","text":"hi","channel":{{"metadata":{{"customAttributes":{{"b":"inner"}}}}}}}}}}"#
        );
        let Action::Message(Inbound::Said { attributes, .. }) = parse(&frame).unwrap().action
        else {
            panic!("a message");
        };
        let expected = BTreeMap::from([
            ("a".to_owned(), "top".to_owned()),
            ("b".to_owned(), "inner".to_owned()),
        ]);
        assert_eq!(attributes, Some(expected));
    }

    #[test]
    fn a_text_one_character_over_the_limit_is_4011_and_keeps_the_tracing_id() {
        let text = "x".repeat(MAX_TEXT_CHARS + 1);
        let frame = format!(
            r#"{{"action":"onMessage","token":"{TOKEN}","tracingId":"t-9","message":{{"type":"Text","text":"{text}"}}}}"#
        );
        let refusal = parse(&frame).unwrap_err();
        assert_eq!(
            (refusal.code, refusal.tracing_id.as_deref()),
            (4011, Some("t-9"))
        );
    }

    #[test]
    fn an_attribute_that_is_not_a_string_is_refused_with_its_name() {
        let frame = format!(
            r#"{{"action":"onMessage","token":"{TOKEN}","message":{{"type":"Text","text":"hi","channel":{{"metadata":{{"customAttributes":{{"tier":2}}}}}}}}}}"#
        );
        let refusal = parse(&frame).unwrap_err();
        assert_eq!(refusal.code, 400);
        assert!(
            refusal.text.contains("customAttributes.tier"),
            "{}",
            refusal.text
        );
    }

    #[test]
    fn unknown_fields_are_ignored_and_unknown_actions_refused() {
        let frame = format!(
            r#"{{"action":"echo","token":"{TOKEN}","tracingId":"SGVhbHRoQ2hlY2tNZXNzYWdlSWQ=","message":{{"type":"Text","text":"ping"}},"future":1}}"#
        );
        assert_eq!(parse(&frame).unwrap().action, Action::Echo);
        let unknown = format!(r#"{{"action":"teleport","token":"{TOKEN}"}}"#);
        assert_eq!(parse(&unknown).unwrap_err().code, 400);
    }
}
