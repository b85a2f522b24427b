//! What Genesys Cloud sends back, and how unreadable answers become typed errors without echoing
//! a value (a token could be one of them).

use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::error::GenesysError;

/// `POST /oauth/token` → `{access_token, token_type, expires_in}`. No `Debug`: it holds a token.
#[derive(Deserialize)]
pub(crate) struct TokenResponse {
    pub(crate) access_token: String,
    pub(crate) token_type: String,
    pub(crate) expires_in: u64,
}

/// The initiation endpoint's 201 → `{conversationId, token}`. No `Debug`: it holds a token.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CreatedBody {
    pub(crate) conversation_id: String,
    pub(crate) token: String,
}

/// Genesys's `ErrorBody` (`{message, code, status, contextId, details, errors}`), and the OAuth
/// error object the login host may answer with (`{error, error_description}`).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ErrorBody {
    message: Option<String>,
    code: Option<String>,
    context_id: Option<String>,
    error: Option<String>,
    #[serde(rename = "error_description")]
    error_description: Option<String>,
}

const MAX_MESSAGE_CHARS: usize = 300;

/// Turns an error answer into [`GenesysError::Api`]; a body that is not an error object still
/// gives the status.
pub(crate) fn api_error(status: u16, body: &[u8]) -> GenesysError {
    let parsed: ErrorBody = serde_json::from_slice(body).unwrap_or_default();
    let message = parsed
        .message
        .or(parsed.error_description)
        .unwrap_or_default()
        .chars()
        .take(MAX_MESSAGE_CHARS)
        .collect();
    GenesysError::Api {
        status,
        code: parsed.code.or(parsed.error).unwrap_or_default(),
        message,
        context_id: parsed.context_id.unwrap_or_default(),
    }
}

/// Parses a success body; on failure says what and where, never which value.
pub(crate) fn parse<T: DeserializeOwned>(what: &str, body: &[u8]) -> Result<T, GenesysError> {
    serde_json::from_slice(body).map_err(|e| {
        let detail = e.to_string();
        let kind = match e.classify() {
            serde_json::error::Category::Syntax => "not valid json".to_owned(),
            serde_json::error::Category::Eof => "truncated json".to_owned(),
            serde_json::error::Category::Io => "unreadable".to_owned(),
            // serde names missing fields safely; other data errors may quote a value.
            serde_json::error::Category::Data if detail.starts_with("missing field") => detail
                .split(" at line")
                .next()
                .unwrap_or("missing field")
                .to_owned(),
            serde_json::error::Category::Data => "unexpected json shape".to_owned(),
        };
        GenesysError::Malformed(format!(
            "{what}: {kind} (line {}, column {})",
            e.line(),
            e.column()
        ))
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_genesys_error_body_becomes_an_api_error() {
        let body = br#"{"message":"Invalid value","code":"invalid.value","status":400,"contextId":"c-1","details":[],"errors":[]}"#;
        let GenesysError::Api {
            status,
            code,
            message,
            context_id,
        } = api_error(400, body)
        else {
            unreachable!()
        };
        assert_eq!(
            (status, code.as_str(), message.as_str(), context_id.as_str()),
            (400, "invalid.value", "Invalid value", "c-1")
        );
    }

    #[test]
    fn an_oauth_error_and_a_non_json_error_still_give_status_and_code() {
        let oauth = api_error(
            401,
            br#"{"error":"invalid_client","error_description":"nope"}"#,
        );
        assert!(
            matches!(oauth, GenesysError::Api { status: 401, ref code, .. } if code == "invalid_client")
        );
        let html = api_error(502, b"<html>bad gateway</html>");
        assert!(matches!(html, GenesysError::Api { status: 502, ref code, .. } if code.is_empty()));
    }

    #[test]
    fn a_malformed_body_never_quotes_its_values() {
        let error = parse::<CreatedBody>(
            "create",
            br#"{"conversationId": 1, "token": "s3cr3t-token"}"#,
        )
        .err()
        .unwrap();
        let text = error.to_string();
        assert!(!text.contains("s3cr3t"), "{text}");
        assert!(text.contains("unexpected json shape"), "{text}");
        let missing = parse::<CreatedBody>("create", br#"{"conversationId": "c"}"#)
            .err()
            .unwrap();
        assert!(
            missing.to_string().contains("missing field `token`"),
            "{missing}"
        );
        let truncated = parse::<CreatedBody>("create", br#"{"conversationId": "5d1c"#)
            .err()
            .unwrap();
        assert!(
            truncated.to_string().contains("truncated json"),
            "{truncated}"
        );
    }
}
