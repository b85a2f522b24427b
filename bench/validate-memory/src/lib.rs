//! validate-session on the in-memory store, for `lambda-bench` only.
//!
//! The deployed validate-session holds only the DynamoDB store (a per-container memory store
//! would never see initiate's sessions), so its warm latency always includes a store round trip.
//! This binary runs the same [`ValidateHandler`] behind the same Lambda glue
//! (`secure_initiation_lambda::serve`) on [`MemoryStore`], seeded at init with sessions the harness
//! can name ([`session_hash`]), so the bench can report validate-session's own warm cost next to
//! the floor's. It reads no secret and calls nothing: the data-action credential is a fixed
//! bench fixture ([`USERNAME`], [`PASSWORD`]), never a deployment's.

use std::collections::BTreeMap;
use std::sync::Arc;

use base64::Engine as _;
use secure_initiation::adapters::{MemoryStore, StaticSecrets};
use secure_initiation::api::{
    DataActionCredential, ValidateHandler, ValidatePorts, ValidateSettings,
};
use secure_initiation::attributes::{AttributeInputs, AttributeSet, Schema};
use secure_initiation::ports::{
    Clock, SessionRecord, SessionStatus, SessionStore, StoreError, SystemClock,
};
use secure_initiation::session::SessionHash;
use serde_json::{Value, json};

/// Environment variable: how many sessions to seed (default [`DEFAULT_SESSIONS`]).
pub const SESSIONS_VAR: &str = "BENCH_SESSIONS";
/// Sessions seeded when [`SESSIONS_VAR`] is unset.
pub const DEFAULT_SESSIONS: usize = 2_100;
/// The bench's data-action user name.
pub const USERNAME: &str = "bench-architect";
/// The bench's data-action password (a fixture of this bench binary, not a secret).
pub const PASSWORD: &str = "bench-only-password";
const SECRET_ID: &str = "bench/data-action";
/// Seeded sessions stay valid this long (seconds).
const TICKET_SECS: i64 = 3_600;

/// Why the bench function could not start.
#[derive(Debug, thiserror::Error)]
#[error("seeding the bench sessions: {0}")]
pub struct SeedError(String);

/// The `i`-th seeded session hash: base64url (no padding) of SHA-256 of a fixed label, 43
/// characters like a minted hash. The harness computes the same to address its events.
pub fn session_hash(i: usize) -> String {
    let digest = aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA256,
        format!("lambda-bench session {i}").as_bytes(),
    );
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest.as_ref())
}

/// Builds validate-session's handler on a memory store holding `sessions` active sessions
/// whose attributes are built and validated by the schema, as initiate builds them.
pub async fn handler(sessions: usize) -> Result<ValidateHandler, SeedError> {
    let schema = Arc::new(Schema::default_schema().map_err(|e| SeedError(e.to_string()))?);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let store = seeded(&schema, &clock, sessions).await?;
    let secrets = Arc::new(
        StaticSecrets::new().with(SECRET_ID, &[("username", USERNAME), ("password", PASSWORD)]),
    );
    let ports = ValidatePorts {
        sessions: store,
        gateway: None,
        credential: DataActionCredential::new(secrets, SECRET_ID),
    };
    Ok(ValidateHandler::new(
        schema,
        clock,
        ports,
        ValidateSettings::default(),
    ))
}

/// A memory store holding `sessions` seeded sessions.
pub async fn seeded(
    schema: &Schema,
    clock: &Arc<dyn Clock>,
    sessions: usize,
) -> Result<Arc<MemoryStore>, SeedError> {
    let schema = schema.clone();
    let store = Arc::new(MemoryStore::new(clock.clone()));
    let now = clock.now_secs();
    let claims = match json!({ "tier": 2, "geo": "na-east" }) {
        Value::Object(claims) => claims,
        _ => serde_json::Map::new(),
    };
    let request = BTreeMap::from([("orderId".to_owned(), json!("88472"))]);
    for i in 0..sessions {
        let hash = session_hash(i);
        let inputs = AttributeInputs {
            claims: &claims,
            request: &request,
            session_hash: &hash,
            client_ip: None,
            risk_score: Some(10),
        };
        let attributes =
            AttributeSet::build(&schema, &inputs).map_err(|e| SeedError(format!("{e:?}")))?;
        let record = SessionRecord {
            session_hash: SessionHash::parse(&hash)
                .ok_or_else(|| SeedError(format!("seeded hash {i} is not well formed")))?,
            subject_key: format!("bench-subject-{i}"),
            attributes: attributes.to_canonical_map(),
            chain_started_at: now,
            created_at: now,
            expires_at: now + TICKET_SECS,
            status: SessionStatus::Active,
            conversation_id: None,
            refresh_count: 0,
            ttl: now + TICKET_SECS,
            grace_until: None,
            initiated_conversation: None,
        };
        store
            .create_session(&record)
            .await
            .map_err(|e: StoreError| SeedError(e.to_string()))?;
    }
    Ok(store)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn seeded_hashes_look_minted_and_differ() {
        let (a, b) = (session_hash(0), session_hash(1));
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
        assert_eq!(a, session_hash(0));
    }

    fn hash(i: usize) -> SessionHash {
        SessionHash::parse(&session_hash(i)).unwrap()
    }

    #[tokio::test]
    async fn seeded_sessions_hold_the_schema_attributes() {
        let schema = Schema::default_schema().unwrap();
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let store = seeded(&schema, &clock, 3).await.unwrap();
        assert!(handler(3).await.is_ok());
        let first = store.get_session(&hash(2)).await.unwrap();
        let record = first.unwrap();
        assert_eq!(
            record.attributes.get("priority_tier").map(String::as_str),
            Some("2")
        );
        assert!(store.get_session(&hash(3)).await.unwrap().is_none());
    }
}
