//! The frames the Guest API sends, in Genesys's envelope `{type, class, code, body, tracingId}`:
//! `type` is `response` for the answer to a request and `message` for what the server pushes;
//! `tracingId` is the request's, echoed.
//!
//! Every frame is modelled on a fixture of `MyPureCloud/genesys-messenger-transport-mobile-sdk`,
//! `transport/src/androidUnitTest/kotlin/transport/util/Response.kt` (named beside each
//! function), and on the envelope of `shyrka/receive/WebMessagingMessage.kt`.

use serde_json::{Value, json};

use crate::guests::wire::WireMessage;

/// Whether a frame answers a request or is pushed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Response,
    Message,
}

fn envelope(kind: Kind, class: &str, code: u16, body: Value, tracing_id: Option<&str>) -> String {
    let mut frame = json!({
        "type": match kind {
            Kind::Response => "response",
            Kind::Message => "message",
        },
        "class": class,
        "code": code,
        "body": body,
    });
    if let Some(id) = tracing_id {
        frame["tracingId"] = json!(id);
    }
    frame.to_string()
}

/// What `configureSession` learns (`shyrka/receive/SessionResponse.kt`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SessionReply {
    pub(crate) connected: bool,
    pub(crate) new_session: bool,
    pub(crate) read_only: bool,
    pub(crate) max_custom_data_bytes: usize,
    /// `durationSeconds` and `expirationDate` (Unix seconds), when sessions expire.
    pub(crate) expiry: Option<(u64, i64)>,
}

/// `configureSuccess` / `configureSuccessWithNewSessionFalse`. `allowedMedia` and
/// `blockedExtensions` are left out: the sandbox takes no attachments, and the SDK defaults them.
pub(crate) fn session_response(reply: &SessionReply, tracing_id: Option<&str>) -> String {
    let mut body = json!({
        "connected": reply.connected,
        "newSession": reply.new_session,
        "readOnly": reply.read_only,
        "maxCustomDataBytes": reply.max_custom_data_bytes,
        "clearedExistingSession": false,
    });
    if let Some((duration, expiration)) = reply.expiry {
        body["durationSeconds"] = json!(duration);
        body["expirationDate"] = json!(expiration);
    }
    envelope(Kind::Response, "SessionResponse", 200, body, tracing_id)
}

/// `onMessage` (an echo or a push, `type: message`) and `echo` (`type: response`).
pub(crate) fn structured(kind: Kind, message: &WireMessage, tracing_id: Option<&str>) -> String {
    let body = serde_json::to_value(message).unwrap_or(Value::Null);
    envelope(kind, "StructuredMessage", 200, body, tracing_id)
}

/// `echo` (`healthCheckResponse`): exactly the fixture's body, a fresh id.
pub(crate) fn echo(id: &str, tracing_id: Option<&str>) -> String {
    let body = json!({"text": "ping", "type": "Text", "direction": "Inbound", "id": id});
    envelope(Kind::Response, "StructuredMessage", 200, body, tracing_id)
}

/// An error as a `string` body with the error's code: `sessionNotFound` (4007),
/// `sessionExpired` (4006), `messageTooLong` (4011), `customAttributeSizeTooLarge` (4013),
/// `clearConversationForbidden` (403), `webSocketRequestFailed` (400), `unknownErrorEvent` (5000).
pub(crate) fn error(code: u16, text: &str, tracing_id: Option<&str>) -> String {
    envelope(Kind::Response, "string", code, json!(text), tracing_id)
}

/// `tooManyRequests`: HTTP 429 in `code`, the Guest API's 4029 in the body.
pub(crate) fn too_many_requests(retry_after_secs: u64, tracing_id: Option<&str>) -> String {
    let body = json!({
        "retryAfter": retry_after_secs,
        "errorCode": 4029,
        "errorMessage": "Message rate too high for this session",
    });
    envelope(
        Kind::Response,
        "TooManyRequestsErrorMessage",
        429,
        body,
        tracing_id,
    )
}

/// `sessionExpiredEvent` (a `response`, as the fixture has it).
pub(crate) fn session_expired() -> String {
    envelope(Kind::Response, "SessionExpiredEvent", 200, json!({}), None)
}

/// `sessionClearedEvent`.
pub(crate) fn session_cleared() -> String {
    envelope(Kind::Message, "SessionClearedEvent", 200, json!({}), None)
}

/// `connectionClosedEventNoReason`.
pub(crate) fn connection_closed() -> String {
    envelope(Kind::Message, "ConnectionClosedEvent", 200, json!({}), None)
}

/// `jwtResponse`: the bearer of the guest's Platform API history call.
pub(crate) fn jwt(jwt: &str, exp: i64, tracing_id: Option<&str>) -> String {
    envelope(
        Kind::Response,
        "JwtResponse",
        200,
        json!({"jwt": jwt, "exp": exp}),
        tracing_id,
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn an_error_frame_has_the_fixtures_envelope_and_echoes_the_tracing_id() {
        let frame: Value =
            serde_json::from_str(&error(4007, "Session not found", Some("t-1"))).unwrap();
        assert_eq!(
            frame,
            json!({"type": "response", "class": "string", "code": 4007,
                   "body": "Session not found", "tracingId": "t-1"})
        );
    }

    #[test]
    fn a_pushed_frame_without_a_request_carries_no_tracing_id() {
        let frame: Value = serde_json::from_str(&session_cleared()).unwrap();
        assert_eq!(
            frame,
            json!({"type": "message", "class": "SessionClearedEvent", "code": 200, "body": {}})
        );
    }
}
