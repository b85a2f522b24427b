//! The events Lambda delivers: API Gateway HTTP API (payload format 2.0) requests, and the bare
//! input object of an AWS Lambda data action. Answers are read back the same way.

use base64::Engine as _;
use bytes::Bytes;
use serde_json::{Map, Value, json};

/// The caller's address as API Gateway reports it.
pub const SOURCE_IP: &str = "203.0.113.10";

/// An HTTP API (v2) event for `method path` with lower-case `headers` and a JSON `body`.
pub fn http_event(
    method: &str,
    path: &str,
    headers: &[(&str, String)],
    body: Option<&Value>,
) -> Bytes {
    let headers: Map<String, Value> = headers
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), Value::String(v.clone())))
        .collect();
    let mut event = json!({
        "version": "2.0",
        "routeKey": format!("{method} {path}"),
        "rawPath": path,
        "rawQueryString": "",
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "bench",
            "domainName": "bench.execute-api.us-east-1.amazonaws.com",
            "domainPrefix": "bench",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": SOURCE_IP,
                "userAgent": "lambda-bench"
            },
            "requestId": uuid::Uuid::new_v4().to_string(),
            "routeKey": format!("{method} {path}"),
            "stage": "$default",
            "time": "01/Jan/2026:00:00:00 +0000",
            "timeEpoch": 1_767_225_600_000_i64
        },
        "isBase64Encoded": false
    });
    if let (Some(body), Some(obj)) = (body, event.as_object_mut()) {
        obj.insert("body".to_owned(), Value::String(body.to_string()));
    }
    Bytes::from(event.to_string())
}

/// A JSON `POST` with the headers a browser or Genesys sends.
pub fn post_json(path: &str, mut headers: Vec<(&str, String)>, body: &Value) -> Bytes {
    headers.push(("content-type", "application/json".to_owned()));
    http_event("POST", path, &headers, Some(body))
}

/// The data action's Basic `Authorization` header value.
pub fn basic_authorization(user: &str, password: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

/// The Web Services data action's request through API Gateway.
pub fn validation_event(authorization: &str, session_hash: &str, conversation_id: &str) -> Bytes {
    post_json(
        "/v1/session-validations",
        vec![("authorization", authorization.to_owned())],
        &json!({ "sessionHash": session_hash, "conversationId": conversation_id }),
    )
}

/// The AWS Lambda data action's event: the input object itself.
pub fn data_action_event(
    session_hash: &str,
    conversation_id: &str,
    participant_id: Option<&str>,
) -> Bytes {
    let mut input = json!({ "sessionHash": session_hash, "conversationId": conversation_id });
    if let (Some(p), Some(obj)) = (participant_id, input.as_object_mut()) {
        obj.insert("participantId".to_owned(), Value::String(p.to_owned()));
    }
    Bytes::from(input.to_string())
}

/// An API Gateway (v2) answer: its status and its body parsed as JSON (`Null` when empty).
pub fn http_answer(answer: &[u8]) -> Option<(u16, Value)> {
    let value: Value = serde_json::from_slice(answer).ok()?;
    let status = u16::try_from(value.get("statusCode")?.as_u64()?).ok()?;
    let body = match value.get("body").and_then(Value::as_str) {
        Some(text) if !text.is_empty() => serde_json::from_str(text).ok()?,
        _ => Value::Null,
    };
    Some((status, body))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpRequest;

    #[test]
    fn an_http_event_is_what_lambda_http_reads_as_payload_v2() {
        let event = post_json(
            "/v1/initiations",
            vec![("Authorization", "Bearer t".to_owned())],
            &json!({"orderId": "1"}),
        );
        let parsed: ApiGatewayV2httpRequest = serde_json::from_slice(&event).unwrap();
        assert_eq!(parsed.raw_path.as_deref(), Some("/v1/initiations"));
        assert_eq!(parsed.request_context.http.method, http::Method::POST);
        assert_eq!(
            parsed.request_context.http.source_ip.as_deref(),
            Some(SOURCE_IP)
        );
        assert_eq!(parsed.headers["authorization"], "Bearer t");
        assert_eq!(parsed.body.as_deref(), Some(r#"{"orderId":"1"}"#));
    }

    #[test]
    fn a_data_action_event_is_the_bare_input_object() {
        let event: Value = serde_json::from_slice(&data_action_event("h", "c", Some("p"))).unwrap();
        assert_eq!(
            event,
            json!({"sessionHash": "h", "conversationId": "c", "participantId": "p"})
        );
    }

    #[test]
    fn an_http_answer_gives_its_status_and_json_body() {
        let answer =
            br#"{"statusCode":201,"headers":{},"body":"{\"a\":1}","isBase64Encoded":false}"#;
        assert_eq!(http_answer(answer), Some((201, json!({"a": 1}))));
        assert_eq!(http_answer(b"not json"), None);
    }
}
