//! One guest session as the sandbox keeps it, the admin view of it, and why a guest request is
//! refused (each refusal with the frame Genesys answers).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::guests::frames;
use crate::guests::wire::WireMessage;

/// A message of a guest session with what travelled beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GuestMessage {
    /// Order across the sandbox, from 1.
    pub seq: u64,
    /// The conversation it belongs to.
    pub conversation_id: String,
    /// The message itself.
    pub message: WireMessage,
    /// The custom attributes sent with it; `None` when none were sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_attributes: Option<BTreeMap<String, String>>,
}

/// Something that happened to a guest session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionEvent {
    /// Order across the sandbox, from 1.
    pub seq: u64,
    /// RFC 3339.
    pub at: String,
    /// `sessionConfigured`, `sessionResumed`, `conversationStarted`,
    /// `conversationDisconnected`, `conversationCleared`, `sessionExpired`, `sessionClosed`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The conversation concerned, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<String>,
    /// `message`, `autostart`, `agent`, `customer`, ...
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
}

/// One guest session, as the admin routes show it. Its token is the guest's secret and is
/// never serialised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GuestSession {
    /// A public id for admin routes and tests (not the token).
    pub id: String,
    /// The Messenger deployment.
    pub deployment_id: String,
    /// RFC 3339.
    pub created_at: String,
    /// The `Origin` header of the connection that configured it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    /// Whether the session is read-only (a `ReadOnly` disconnect happened).
    pub read_only: bool,
    /// Whether it ended (cleared, expired, or replaced by a new session of the same token).
    pub ended: bool,
    /// The session's latest conversation; `None` before its first message.
    pub conversation_id: Option<String>,
    /// Every conversation of the session, oldest first.
    pub conversations: Vec<String>,
    /// Every message, oldest first.
    pub messages: Vec<GuestMessage>,
    /// Every event, oldest first.
    pub events: Vec<SessionEvent>,
}

/// A live session: the admin view plus what the rules need.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub(crate) view: GuestSession,
    /// Whether `view.conversation_id` is still connected (the next message joins it).
    pub(crate) live: bool,
    /// When the session expires (Unix seconds), if sessions expire.
    pub(crate) expires_at: Option<i64>,
    /// Creation order across the sandbox (the admin list's order).
    pub(crate) created: u64,
}

/// The time of a request, as text and as Unix seconds.
#[derive(Debug, Clone)]
pub(crate) struct Now {
    pub(crate) text: String,
    pub(crate) unix: i64,
}

impl Now {
    pub(crate) fn current() -> Self {
        let now = time::OffsetDateTime::now_utc();
        Self {
            text: now
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            unix: now.unix_timestamp(),
        }
    }
}

/// Why a guest request was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum GuestError {
    /// No session is configured for this token on this connection.
    NotFound,
    /// The token's session expired.
    Expired,
    /// An injected rate limit.
    RateLimited { retry_after_secs: u64 },
    /// The session is read-only after a `ReadOnly` disconnect.
    ReadOnly,
    /// The custom attributes are over the deployment's budget.
    TooLarge { limit: usize },
    /// A `Join` while the deployment has autostart off.
    JoinDisabled,
    /// A `Clear` while the deployment has clearing off.
    ClearDisabled,
}

impl GuestError {
    /// The frame Genesys answers (`frames.rs` names each fixture). Where the fixtures give only
    /// a placeholder text, the sandbox words it; the read-only and `Join` refusals follow the
    /// fixture of a refused `Clear` (403, "Presence events ... are not supported").
    pub(crate) fn frame(&self, tracing_id: Option<&str>) -> String {
        match self {
            Self::NotFound => frames::error(4007, "Session not found", tracing_id),
            Self::Expired => frames::error(4006, "Session expired", tracing_id),
            Self::RateLimited { retry_after_secs } => {
                frames::too_many_requests(*retry_after_secs, tracing_id)
            }
            Self::ReadOnly => frames::error(
                403,
                "The session is read-only: configure a new session (startNew) to write again",
                tracing_id,
            ),
            Self::TooLarge { limit } => frames::error(
                4013,
                &format!("Custom Attributes in channel metadata is larger than {limit} bytes"),
                tracing_id,
            ),
            Self::JoinDisabled => {
                frames::error(403, "Presence events Join are not supported", tracing_id)
            }
            Self::ClearDisabled => frames::error(
                403,
                "Presence events Conversation Clear are not supported",
                tracing_id,
            ),
        }
    }
}

/// UTF-8 bytes of keys plus values, as Genesys counts custom data
/// (`core/CustomAttributesStoreImpl.kt`, `isSizeExceeded`).
pub fn custom_data_bytes(attributes: &BTreeMap<String, String>) -> usize {
    attributes.iter().map(|(k, v)| k.len() + v.len()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_data_is_counted_in_utf8_bytes_of_keys_and_values() {
        let attributes = BTreeMap::from([
            ("session_hash".to_owned(), "abc".to_owned()),
            ("café".to_owned(), "€".to_owned()),
        ]);
        assert_eq!(custom_data_bytes(&attributes), 12 + 3 + 5 + 3);
    }
}
