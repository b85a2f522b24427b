//! Pieces the browser-facing flows share: the ticket response, authentication, error logging.

use http::StatusCode;
use serde::Serialize;
use serde::ser::SerializeMap;

use crate::attributes::{AttributeError, Schema, Source};
use crate::http::{ApiError, ApiResponse, json_response};
use crate::request::attribute_error;
use crate::session::{AuthError, SessionVerifier, VerifiedSession};

use super::strategy::StrategyOutcome;

/// The `201` body of an initiation or refresh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketResponse {
    /// The key of the session-hash attribute (what Messenger's `customAttributes` uses).
    pub hash_key: String,
    /// The new session hash.
    pub session_hash: String,
    /// When it stops validating, RFC 3339.
    pub expires_at: String,
    /// When its chain ends (no refresh after it), RFC 3339.
    pub chain_expires_at: String,
    /// What the strategy produced.
    pub outcome: StrategyOutcome,
}

impl Serialize for TicketResponse {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        match &self.outcome {
            StrategyOutcome::Messenger => {
                map.serialize_entry("strategy", "messenger")?;
                map.serialize_entry("sessionHash", &self.session_hash)?;
                map.serialize_entry("expiresAt", &self.expires_at)?;
                map.serialize_entry("chainExpiresAt", &self.chain_expires_at)?;
                let custom = std::collections::BTreeMap::from([(
                    self.hash_key.as_str(),
                    self.session_hash.as_str(),
                )]);
                map.serialize_entry("customAttributes", &custom)?;
            }
            StrategyOutcome::Conversation(created) => {
                map.serialize_entry("strategy", "initiation-api")?;
                map.serialize_entry("conversationId", &created.conversation_id)?;
                map.serialize_entry("token", created.token.expose())?;
                map.serialize_entry("sessionHash", &self.session_hash)?;
                map.serialize_entry("expiresAt", &self.expires_at)?;
                map.serialize_entry("chainExpiresAt", &self.chain_expires_at)?;
            }
        }
        map.end()
    }
}

impl TicketResponse {
    /// `201 Created` with the body.
    pub fn into_response(self) -> ApiResponse {
        json_response(StatusCode::CREATED, &self)
    }
}

/// RFC 3339 UTC for a Unix time.
pub(crate) fn rfc3339(secs: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// Verifies the bearer session token; every failure is the same 401 to the client, the cause
/// goes to the log.
pub(crate) async fn authenticate(
    verifier: &SessionVerifier,
    token: &str,
) -> Result<VerifiedSession, ApiError> {
    match verifier.verify(token).await {
        Ok(session) => Ok(session),
        Err(AuthError::JwksUnavailable(source)) => Err(ApiError::Unavailable {
            what: "identity provider keys",
            source: Some(Box::new(source)),
        }),
        Err(e) => {
            tracing::warn!(reason = %e, "session token refused");
            Err(ApiError::InvalidSession)
        }
    }
}

/// Maps attribute build failures: a bad request field is the browser's to fix (422); a claim
/// or server value that breaks the schema means this session cannot start a chat (403).
pub(crate) fn attribute_failure(schema: &Schema, errors: &[AttributeError]) -> ApiError {
    let fields: Vec<_> = errors
        .iter()
        .filter_map(|e| match schema.attribute(e.key()).map(|d| d.source()) {
            Some(Source::Request(field)) => Some(attribute_error(field, e)),
            _ => None,
        })
        .collect();
    if fields.len() == errors.len() && !fields.is_empty() {
        return ApiError::Invalid(fields);
    }
    let key = errors
        .iter()
        .find(|e| {
            !matches!(
                schema.attribute(e.key()).map(|d| d.source()),
                Some(Source::Request(_))
            )
        })
        .map_or("attributes", |e| {
            if e.key().is_empty() {
                "attributes"
            } else {
                e.key()
            }
        });
    for e in errors {
        tracing::warn!(attribute = e.key(), rule = e.rule(), "attribute refused");
    }
    ApiError::SessionContext(key.to_owned())
}

/// Logs an error once, with its cause chain, at a level matching who is at fault.
pub(crate) fn log_error(route: &'static str, e: &ApiError) {
    let mut chain = String::new();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        chain.push_str(": ");
        chain.push_str(&s.to_string());
        source = s.source();
    }
    let status = e.status().as_u16();
    if status >= 500 {
        tracing::error!(route, status, error = %e, cause = %chain, "request failed");
    } else {
        tracing::info!(route, status, error = %e, "request refused");
    }
}
