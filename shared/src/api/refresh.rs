//! `POST /v1/initiations/refresh`: replaces a ticket that expired before use (the guide's Edge
//! Case 2) after re-checking the session: same subject, still active (never bound or
//! replaced), within its maximum age and refresh count. The old hash is revoked atomically
//! with the new one's creation.

use std::sync::Arc;
use std::time::Duration;

use http::Method;

use crate::attributes::{AttributeSet, Schema};
use crate::http::{ApiError, ApiRequest, ApiResponse, Cors, DEFAULT_MAX_BODY_BYTES};
use crate::ports::{Clock, RotateOutcome, SessionRecord, SessionStatus, SessionStore};
use crate::request::RefreshRequest;
use crate::session::{SessionHash, SessionKeys, SessionVerifier};

use super::common::{TicketResponse, TicketSettings, authenticate, log_error, rfc3339};
use super::initiate::start_strategy;
use super::strategy::InitiationStrategy;

const NOT_REFRESHABLE: &str = "this session cannot be refreshed; start a new chat";

/// Rules of refreshing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefreshSettings {
    /// Ticket lifetimes, maximum age and refresh count.
    pub ticket: TicketSettings,
    /// Body cap (bytes).
    pub max_body_bytes: usize,
    /// Budget for the Genesys call of the `initiation-api` strategy.
    pub genesys_deadline: Duration,
}

impl Default for RefreshSettings {
    fn default() -> Self {
        Self {
            ticket: TicketSettings::default(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            genesys_deadline: Duration::from_secs(5),
        }
    }
}

/// The refresh-token function.
#[derive(Debug, Clone)]
pub struct RefreshHandler {
    /// The attribute schema.
    pub schema: Arc<Schema>,
    /// Time.
    pub clock: Arc<dyn Clock>,
    /// Session-hash and subject keys.
    pub keys: Arc<SessionKeys>,
    /// Session token verification.
    pub verifier: Arc<SessionVerifier>,
    /// Session records.
    pub sessions: Arc<dyn SessionStore>,
    /// The configured strategy.
    pub strategy: Arc<dyn InitiationStrategy>,
    /// Allowed browser origins.
    pub cors: Cors,
    /// Rules.
    pub settings: RefreshSettings,
}

impl RefreshHandler {
    /// Handles one HTTP request; never fails (errors become problem responses).
    #[tracing::instrument(name = "refresh", skip_all, fields(subject = tracing::field::Empty))]
    pub async fn handle(&self, req: ApiRequest) -> ApiResponse {
        if Cors::is_preflight(&req.method, &req.headers) {
            return self.cors.preflight(&req.headers);
        }
        let mut response = match self.run(&req).await {
            Ok(r) => r,
            Err(e) => {
                log_error("refresh", &e);
                e.into_response()
            }
        };
        self.cors.decorate(&req.headers, &mut response);
        response
    }

    async fn run(&self, req: &ApiRequest) -> Result<ApiResponse, ApiError> {
        self.cors.check(&req.headers)?;
        if req.method != Method::POST {
            return Err(ApiError::MethodNotAllowed);
        }
        req.require_json()?;
        req.require_size(self.settings.max_body_bytes)?;
        let session = authenticate(&self.verifier, req.bearer()?).await?;
        let request = RefreshRequest::parse(&req.body)?;
        let subject_key = self.keys.subject_key(&session.subject);
        tracing::Span::current().record("subject", subject_key.as_str());
        let now = self.clock.now_secs();
        let ticket = self.settings.ticket;

        if SessionHash::parse(&request.session_hash).is_none() {
            return Err(ApiError::NotRefreshable(NOT_REFRESHABLE));
        }
        let old = match self.sessions.get_session(&request.session_hash).await? {
            // Someone else's session answers exactly like an unknown one.
            Some(old) if old.subject_key == subject_key => old,
            _ => return Err(ApiError::NotRefreshable(NOT_REFRESHABLE)),
        };
        if old.status != SessionStatus::Active {
            return Err(ApiError::NotRefreshable(
                "this session was already used or replaced; start a new chat",
            ));
        }
        if now >= old.chain_started_at + ticket.max_age_secs {
            return Err(ApiError::NotRefreshable(
                "this session is too old; start a new chat",
            ));
        }
        if old.refresh_count >= ticket.max_refreshes {
            return Err(ApiError::NotRefreshable(
                "this session was refreshed too often; start a new chat",
            ));
        }

        let hash = self.keys.mint();
        let mut stored = old.attributes.clone();
        stored.insert(
            self.schema.session_hash_key().to_owned(),
            hash.as_str().to_owned(),
        );
        let attributes = AttributeSet::from_canonical(&self.schema, &stored).map_err(|errors| {
            for e in &errors {
                tracing::warn!(
                    attribute = e.key(),
                    rule = e.rule(),
                    "stored attribute no longer valid"
                );
            }
            ApiError::NotRefreshable(
                "the session's context no longer matches the schema; start a new chat",
            )
        })?;
        let new = SessionRecord {
            session_hash: hash.as_str().to_owned(),
            subject_key: subject_key.clone(),
            attributes: attributes.to_canonical_map(),
            chain_started_at: old.chain_started_at,
            created_at: now,
            expires_at: now + ticket.ttl_secs,
            status: SessionStatus::Active,
            conversation_id: None,
            refresh_count: old.refresh_count + 1,
            ttl: now + ticket.retention_secs.max(ticket.max_age_secs),
        };
        match self
            .sessions
            .rotate_session(&old.session_hash, &subject_key, &new)
            .await?
        {
            RotateOutcome::Rotated => {}
            RotateOutcome::NotFound => return Err(ApiError::NotRefreshable(NOT_REFRESHABLE)),
            RotateOutcome::NotActive => {
                return Err(ApiError::NotRefreshable(
                    "this session was already used or replaced; start a new chat",
                ));
            }
        }
        let outcome = start_strategy(
            self.strategy.as_ref(),
            &attributes,
            None,
            self.settings.genesys_deadline,
        )
        .await?;
        tracing::info!(refresh_count = new.refresh_count, "session refreshed");
        Ok(TicketResponse {
            hash_key: self.schema.session_hash_key().to_owned(),
            session_hash: hash.as_str().to_owned(),
            expires_at: rfc3339(new.expires_at),
            outcome,
        }
        .into_response())
    }
}
