//! The `201` of an initiation or a refresh: what the browser hands to Messenger (or to the
//! widget, with `initiation-api`) and when it stops working.

use http::StatusCode;
use serde::Serialize;
use serde::ser::SerializeMap;

use super::strategy::StrategyOutcome;
use crate::attributes::Schema;
use crate::http::{ApiResponse, json_response};
use crate::ports::SessionRecord;
use crate::session::SessionHash;
use crate::tickets::TicketSettings;

/// The `201` body of an initiation or refresh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketResponse {
    /// The key of the session-hash attribute (what Messenger's `customAttributes` uses).
    pub hash_key: String,
    /// The new session hash.
    pub session_hash: SessionHash,
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
                map.serialize_entry("sessionHash", self.session_hash.as_str())?;
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
                map.serialize_entry("sessionHash", self.session_hash.as_str())?;
                map.serialize_entry("expiresAt", &self.expires_at)?;
                map.serialize_entry("chainExpiresAt", &self.chain_expires_at)?;
            }
        }
        map.end()
    }
}

impl TicketResponse {
    /// The answer for a stored ticket.
    pub(crate) fn for_ticket(
        schema: &Schema,
        record: &SessionRecord,
        rules: &TicketSettings,
        outcome: StrategyOutcome,
    ) -> Self {
        Self {
            hash_key: schema.session_hash_key().to_owned(),
            session_hash: record.session_hash.clone(),
            expires_at: rfc3339(record.expires_at),
            chain_expires_at: rfc3339(rules.chain_end(record)),
            outcome,
        }
    }

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
