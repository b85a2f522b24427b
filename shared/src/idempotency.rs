//! The `Idempotency-Key` protocol of initiate: the same key (scoped to the subject) with the
//! same request replays the first answer and creates nothing; with another request it is a
//! `409`.
//!
//! Decisions clients rely on:
//! - **The fingerprint is of the parsed request, canonicalised** (fields sorted, no
//!   whitespace), not of the bytes: a retry library that re-serialises the same JSON with other
//!   spacing or key order is the same request. Types count: `88472` and `"88472"` differ.
//! - **A claim lives until the invocation's deadline** (the Lambda deadline, or the local
//!   stack's request budget), not for the record's whole life: a function that times out or
//!   aborts between claim and completion leaves the key free again once it could no longer be
//!   running, never a day of `409 still in progress`.
//! - **What is remembered is sealed** (AES-256-GCM under a key derived from the session-hash
//!   secret, bound to the record's key and the HTTP status) and **the body lives as long as the
//!   ticket it holds**: a copy of the table holds no session hash or Genesys token that works,
//!   nothing readable outlives its ticket, and someone able to write to the table cannot turn a
//!   remembered `201` into a `504` (the status is part of what the seal authenticates).
//! - **A spent key stays spent**: once the body is dropped, the key itself (its fingerprint
//!   and status, nothing of the response) is kept for [`SPENT_KEY_RETENTION_SECS`] (a day)
//!   and answers `409`. Forgetting it with the ticket would let a client's retry a minute later
//!   create a second ticket — with `initiation-api`, a second live conversation. A day covers
//!   every retry policy we know of (they give up within minutes) while a key's record still
//!   ends; a client that wants another ticket sends a new key.
//! - **A replay returns the first `201` only while its ticket is still usable** (unbound,
//!   unrefreshed, unexpired). Once the ticket was used by a conversation, replaced by a
//!   refresh or has expired, the same key answers `409`: the client already has what it needs,
//!   or must start again with a new key. A remembered `504` (a Genesys create whose outcome is
//!   unknown) replays as the same `504` for one ticket lifetime, so a retry cannot create a
//!   second conversation, and then the key is spent like any other.

use std::future::Future;
use std::sync::Arc;

use http::{HeaderMap, HeaderValue, StatusCode, header};

use crate::http::{ApiError, ApiResponse, bytes_response};
use crate::ports::{
    Clock, IdempotencyBegin, IdempotencyClaim, IdempotencyCompletion, IdempotencyStore,
    SessionStatus, SessionStore,
};
use crate::session::{Sealer, SessionHash, SessionKeys};
use crate::telemetry::metrics::Replayed;

/// Longest `Idempotency-Key` accepted.
pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 255;

/// How long a claim lives when the request carries no deadline (seconds): above the functions'
/// 15 s Lambda timeout.
pub const DEFAULT_CLAIM_SECS: i64 = 30;

/// How long a key stays spent after its remembered body was dropped (seconds): a day.
pub const SPENT_KEY_RETENTION_SECS: i64 = 86_400;

/// A checked `Idempotency-Key` header: 1 to 255 visible ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// The key of a request, if it sent one.
    pub fn from_headers(headers: &HeaderMap) -> Result<Option<Self>, ApiError> {
        let Some(value) = headers.get("idempotency-key") else {
            return Ok(None);
        };
        let key = value.to_str().map_err(|_| {
            ApiError::Malformed("`Idempotency-Key` must be visible ASCII".to_owned())
        })?;
        if key.is_empty()
            || key.len() > MAX_IDEMPOTENCY_KEY_LEN
            || !key.bytes().all(|b| b.is_ascii_graphic())
        {
            return Err(ApiError::Malformed(format!(
                "`Idempotency-Key` must be 1 to {MAX_IDEMPOTENCY_KEY_LEN} visible ASCII characters"
            )));
        }
        Ok(Some(Self(key.to_owned())))
    }
}

/// Why a spent key is refused.
const SPENT: &str = "the ticket this Idempotency-Key created was already used, replaced or has expired; start again with a new key";

/// What the seal of a remembered response authenticates besides its body: the record's key
/// (sealed bytes open only where they were written) and the HTTP status (a status changed in
/// the table no longer opens).
fn sealed_context(record: &str, status: u16) -> Vec<u8> {
    format!("{record}#{status}").into_bytes()
}

/// What a creation hands back to be remembered.
#[derive(Debug)]
pub struct Created {
    /// The `201`.
    pub response: ApiResponse,
    /// Its ticket, whose state decides what a replay gets.
    pub session_hash: SessionHash,
    /// When the ticket expires (Unix seconds): the record lives as long.
    pub expires_at: i64,
}

/// What [`Idempotency::begin`] made of a keyed request.
#[derive(Debug)]
pub enum Begun {
    /// The key is this request's: create, then [`Idempotency::finish`].
    Claimed(Claim),
    /// The key's first answer, replayed.
    Answered(ApiResponse),
}

/// A claimed key, until [`Idempotency::finish`] completes or releases it.
#[derive(Debug)]
pub struct Claim {
    record: String,
    unknown_until: i64,
}

/// The protocol over its store.
#[derive(Debug, Clone)]
pub struct Idempotency {
    store: Arc<dyn IdempotencyStore>,
    sessions: Arc<dyn SessionStore>,
    keys: Arc<SessionKeys>,
    sealer: Arc<Sealer>,
    clock: Arc<dyn Clock>,
}

/// One keyed request.
#[derive(Debug)]
pub struct Keyed<'a> {
    /// The request's `Idempotency-Key`.
    pub key: &'a IdempotencyKey,
    /// The caller's keyed subject (a key is the subject's own).
    pub subject_key: &'a str,
    /// The canonical form of the parsed request.
    pub request: &'a [u8],
    /// When the invocation must have answered (Unix ms), if known.
    pub deadline_ms: Option<i64>,
    /// How long a remembered `504` lives (a ticket lifetime, seconds).
    pub ticket_ttl_secs: i64,
}

impl Idempotency {
    /// The protocol over `store`, reading ticket states from `sessions`.
    pub fn new(
        store: Arc<dyn IdempotencyStore>,
        sessions: Arc<dyn SessionStore>,
        keys: Arc<SessionKeys>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, ApiError> {
        let sealer = keys
            .sealer()
            .map_err(|e| ApiError::Internal(format!("idempotency sealer: {e}")))?;
        Ok(Self {
            store,
            sessions,
            keys,
            sealer: Arc::new(sealer),
            clock,
        })
    }

    /// Runs `create` once per key: [`Self::begin`], then `create` if the key was claimed, then
    /// [`Self::finish`].
    pub async fn run<F, Fut>(&self, keyed: &Keyed<'_>, create: F) -> Result<ApiResponse, ApiError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Created, ApiError>>,
    {
        match self.begin(keyed).await? {
            Begun::Answered(response) => Ok(response),
            Begun::Claimed(claim) => self.finish(claim, create().await).await,
        }
    }

    /// Claims the key for this request, or answers it: the first answer replayed, or a
    /// conflict (still in progress, another request, spent).
    pub async fn begin(&self, keyed: &Keyed<'_>) -> Result<Begun, ApiError> {
        let record = self.keys.fingerprint(&[
            b"idempotency",
            keyed.subject_key.as_bytes(),
            keyed.key.0.as_bytes(),
        ]);
        let fingerprint = self.keys.fingerprint(&[b"request", keyed.request]);
        let now = self.clock.now_secs();
        let claim_until = keyed
            .deadline_ms
            .map_or(now + DEFAULT_CLAIM_SECS, |ms| ms.div_euclid(1000) + 1);
        let claim = IdempotencyClaim {
            key: &record,
            fingerprint: &fingerprint,
            now_secs: now,
            until: claim_until,
        };
        match self.store.begin(&claim).await? {
            IdempotencyBegin::Started => Ok(Begun::Claimed(Claim {
                record,
                unknown_until: now + keyed.ticket_ttl_secs,
            })),
            IdempotencyBegin::Completed { status, body } => {
                let replay = self.replay(&record, status, &body, now).await?;
                Ok(Begun::Answered(replay))
            }
            IdempotencyBegin::InProgress => Err(ApiError::IdempotencyConflict(
                "a request with this Idempotency-Key is still in progress",
            )),
            IdempotencyBegin::Mismatch => Err(ApiError::IdempotencyConflict(
                "this Idempotency-Key was used with a different request",
            )),
            IdempotencyBegin::Spent => {
                tracing::info!("spent idempotency key");
                Err(ApiError::IdempotencyConflict(SPENT))
            }
        }
    }

    /// Remembers what the claimed request's create answered, and answers it.
    pub async fn finish(
        &self,
        claim: Claim,
        result: Result<Created, ApiError>,
    ) -> Result<ApiResponse, ApiError> {
        self.remember(&claim.record, &result, claim.unknown_until)
            .await;
        result.map(|created| created.response)
    }

    /// Completes the claim with what a retry must get, or releases it when nothing was created.
    async fn remember(&self, record: &str, result: &Result<Created, ApiError>, unknown_until: i64) {
        let (status, body, keep_until) = match result {
            Ok(created) => (
                created.response.status().as_u16(),
                created.response.body().clone(),
                created.expires_at,
            ),
            // The create may have reached Genesys: remember the unknown outcome rather than let
            // a retry with the same key create a second conversation.
            Err(e @ ApiError::Timeout { .. }) => (
                e.status().as_u16(),
                serde_json::to_vec(&e.problem()).unwrap_or_default(),
                unknown_until,
            ),
            Err(_) => {
                if let Err(e) = self.store.abandon(record).await {
                    tracing::warn!(error = %e, "idempotency record not released");
                }
                return;
            }
        };
        let sealed = match self.sealer.seal(&sealed_context(record, status), &body) {
            Ok(sealed) => sealed,
            Err(e) => {
                tracing::error!(error = %e, "idempotency record not sealed");
                return;
            }
        };
        let completion = IdempotencyCompletion {
            key: record,
            status,
            sealed_body: &sealed,
            body_until: keep_until,
            spent_until: keep_until + SPENT_KEY_RETENTION_SECS,
        };
        if let Err(e) = self.store.complete(&completion).await {
            tracing::warn!(error = %e, "idempotency record not completed");
        }
    }

    /// The first answer again, while its ticket is still usable.
    async fn replay(
        &self,
        record: &str,
        status: u16,
        sealed: &[u8],
        now: i64,
    ) -> Result<ApiResponse, ApiError> {
        let body = self
            .sealer
            .open(&sealed_context(record, status), sealed)
            .map_err(|e| {
                ApiError::Internal(format!("idempotency record could not be opened: {e}"))
            })?;
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if status.is_success() && !self.ticket_usable(&body, now).await? {
            return Err(ApiError::IdempotencyConflict(SPENT));
        }
        tracing::info!(status = status.as_u16(), "idempotent replay");
        let mut replay = bytes_response(status, body);
        replay.extensions_mut().insert(Replayed);
        if !status.is_success() {
            // A remembered failure (an unknown create outcome) is still a problem.
            replay.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/problem+json"),
            );
        }
        Ok(replay)
    }

    async fn ticket_usable(&self, body: &[u8], now: i64) -> Result<bool, ApiError> {
        let hash = serde_json::from_slice::<serde_json::Value>(body)
            .ok()
            .and_then(|v| v.get("sessionHash")?.as_str().and_then(SessionHash::parse));
        let Some(hash) = hash else {
            return Ok(false);
        };
        Ok(self
            .sessions
            .get_session(&hash)
            .await?
            .is_some_and(|t| t.status == SessionStatus::Active && t.expires_at >= now))
    }
}
