//! The request recorder: every request the sandbox receives, with credentials and tokens
//! redacted, so tests and the browser demo can assert what was sent.

use std::collections::BTreeMap;

use axum::http::HeaderMap;
use serde::Serialize;
use serde_json::{Map, Value};

const REDACTED: &str = "[redacted]";

/// One request as the sandbox received it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordedRequest {
    /// Arrival order, from 1.
    pub seq: u64,
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path relative to the sandbox (without a nest prefix).
    pub path: String,
    /// The raw query string, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// Headers, lowercase names; `authorization` keeps only its scheme (`Bearer [redacted]`).
    pub headers: BTreeMap<String, String>,
    /// The body: JSON as JSON, a form as an object of fields, other text as a string, nothing as
    /// `null`. Fields named like secrets or tokens are redacted.
    pub body: Value,
    /// The status answered, or `None` when the connection was reset (or is still open).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
}

impl RecordedRequest {
    /// The body parsed from JSON, if it was JSON.
    pub fn json(&self) -> Option<&Map<String, Value>> {
        self.body.as_object()
    }

    /// A header by lowercase name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
}

pub(crate) fn redact_headers(headers: &HeaderMap) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (name, value) in headers {
        let name = name.as_str().to_ascii_lowercase();
        let value = match name.as_str() {
            "authorization" | "proxy-authorization" => {
                let text = value.to_str().unwrap_or_default();
                match text.split_once(' ') {
                    Some((scheme, _)) => format!("{scheme} {REDACTED}"),
                    None => REDACTED.to_owned(),
                }
            }
            "cookie" | "set-cookie" => REDACTED.to_owned(),
            _ => String::from_utf8_lossy(value.as_bytes()).into_owned(),
        };
        out.entry(name)
            .and_modify(|v: &mut String| {
                v.push_str(", ");
                v.push_str(&value);
            })
            .or_insert(value);
    }
    out
}

pub(crate) fn redact_body(content_type: Option<&str>, body: &[u8]) -> Value {
    if body.is_empty() {
        return Value::Null;
    }
    let is_form =
        content_type.is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if is_form {
        let fields = url::form_urlencoded::parse(body)
            .map(|(k, v)| {
                let value = if is_secret_name(&k) {
                    Value::String(REDACTED.to_owned())
                } else {
                    Value::String(v.into_owned())
                };
                (k.into_owned(), value)
            })
            .collect::<Map<_, _>>();
        return Value::Object(fields);
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(mut value) => {
            redact_json(&mut value);
            value
        }
        Err(_) => Value::String(String::from_utf8_lossy(body).into_owned()),
    }
}

fn redact_json(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if is_secret_name(k) {
                    *v = Value::String(REDACTED.to_owned());
                } else {
                    redact_json(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_json),
        _ => {}
    }
}

fn is_secret_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    ["secret", "password", "token", "assertion"]
        .iter()
        .any(|s| n.contains(s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn credentials_never_reach_the_record() {
        let mut headers = HeaderMap::new();
        headers.insert("authorization", HeaderValue::from_static("Basic c2VjcmV0"));
        let recorded = redact_headers(&headers);
        assert_eq!(recorded["authorization"], "Basic [redacted]");

        let form = redact_body(
            Some("application/x-www-form-urlencoded"),
            b"grant_type=client_credentials&client_secret=hunter2",
        );
        assert_eq!(form["grant_type"], "client_credentials");
        assert_eq!(form["client_secret"], "[redacted]");

        let json = redact_body(
            Some("application/json"),
            br#"{"a":{"access_token":"t0k"},"customAttributes":{"tier":"2"}}"#,
        );
        assert_eq!(json["a"]["access_token"], "[redacted]");
        assert_eq!(json["customAttributes"]["tier"], "2");
    }
}
