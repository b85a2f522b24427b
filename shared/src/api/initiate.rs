//! `POST /v1/initiations`: authenticate → parse → idempotency → rate limit → risk score →
//! build and validate attributes → store → strategy.

use std::sync::Arc;
use std::time::Duration;

use http::{Method, StatusCode};
use tokio::time::Instant;

use crate::attributes::{AttributeInputs, AttributeSet, Schema};
use crate::http::{
    ApiError, ApiRequest, ApiResponse, Cors, DEFAULT_MAX_BODY_BYTES, bytes_response,
};
use crate::ports::{
    Clock, IdempotencyBegin, IdempotencyStore, RateDecision, RateLimiter, RiskContext, RiskScorer,
    SessionStore,
};
use crate::request::InitiationRequest;
use crate::session::{SessionKeys, SessionVerifier, VerifiedSession};

use super::common::{TicketResponse, attribute_failure, authenticate, log_error, rfc3339};
use super::risk::RiskPolicy;
use super::strategy::{InitiationStrategy, StrategyOutcome};
use crate::tickets::TicketSettings;

/// Longest `Idempotency-Key` accepted.
pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 255;

/// Business rules of initiation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InitiateSettings {
    /// Ticket lifetimes.
    pub ticket: TicketSettings,
    /// Initiations per subject per window. Default 5.
    pub rate_limit: u32,
    /// The window (seconds). Default 60.
    pub rate_window_secs: u64,
    /// Risk thresholds and failure policy.
    pub risk: RiskPolicy,
    /// Body cap (bytes).
    pub max_body_bytes: usize,
    /// Budget for the Genesys call of the `initiation-api` strategy.
    pub genesys_deadline: Duration,
    /// How long an `Idempotency-Key` is remembered (seconds).
    pub idempotency_ttl_secs: i64,
}

impl Default for InitiateSettings {
    fn default() -> Self {
        Self {
            ticket: TicketSettings::default(),
            rate_limit: 5,
            rate_window_secs: 60,
            risk: RiskPolicy::default(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            genesys_deadline: Duration::from_secs(5),
            idempotency_ttl_secs: 86_400,
        }
    }
}

/// The initiate function.
#[derive(Debug, Clone)]
pub struct InitiateHandler {
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
    /// Per-subject rate limit.
    pub rate: Arc<dyn RateLimiter>,
    /// `Idempotency-Key` records.
    pub idempotency: Arc<dyn IdempotencyStore>,
    /// Risk scorer.
    pub risk: Arc<dyn RiskScorer>,
    /// The configured strategy.
    pub strategy: Arc<dyn InitiationStrategy>,
    /// Allowed browser origins.
    pub cors: Cors,
    /// Business rules.
    pub settings: InitiateSettings,
}

impl InitiateHandler {
    /// Handles one HTTP request; never fails (errors become problem responses).
    #[tracing::instrument(name = "initiate", skip_all, fields(subject = tracing::field::Empty))]
    pub async fn handle(&self, req: ApiRequest) -> ApiResponse {
        if Cors::is_preflight(&req.method, &req.headers) {
            return self.cors.preflight(&req.headers);
        }
        let mut response = match self.run(&req).await {
            Ok(r) => r,
            Err(e) => {
                log_error("initiate", &e);
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
        let request = InitiationRequest::parse(&self.schema, &req.body)?;
        let subject_key = self.keys.subject_key(&session.subject);
        let span = tracing::Span::current();
        span.record("subject", subject_key.as_str());

        let Some(idempotency_key) = idempotency_key(req)? else {
            return self.create(req, &session, &subject_key, &request).await;
        };
        let scoped = self.keys.fingerprint(&[
            b"idempotency",
            subject_key.as_bytes(),
            idempotency_key.as_bytes(),
        ]);
        let fingerprint = self.keys.fingerprint(&[b"request", &req.body]);
        let now = self.clock.now_secs();
        match self
            .idempotency
            .begin(
                &scoped,
                &fingerprint,
                now,
                self.settings.idempotency_ttl_secs,
            )
            .await?
        {
            IdempotencyBegin::Started => {}
            IdempotencyBegin::Completed { status, body } => {
                tracing::info!("idempotent replay");
                let status = StatusCode::from_u16(status).unwrap_or(StatusCode::CREATED);
                let mut replay = bytes_response(status, body);
                if status.is_client_error() || status.is_server_error() {
                    // A remembered failure (an unknown create outcome) is still a problem.
                    replay.headers_mut().insert(
                        http::header::CONTENT_TYPE,
                        http::HeaderValue::from_static("application/problem+json"),
                    );
                }
                return Ok(replay);
            }
            IdempotencyBegin::InProgress => {
                return Err(ApiError::IdempotencyConflict(
                    "a request with this Idempotency-Key is still in progress",
                ));
            }
            IdempotencyBegin::Mismatch => {
                return Err(ApiError::IdempotencyConflict(
                    "this Idempotency-Key was used with a different request",
                ));
            }
        }
        let result = self.create(req, &session, &subject_key, &request).await;
        match &result {
            Ok(response) => {
                if let Err(e) = self
                    .idempotency
                    .complete(&scoped, response.status().as_u16(), response.body())
                    .await
                {
                    tracing::warn!(error = %e, "idempotency record not completed");
                }
            }
            // The create may have reached Genesys: remember the unknown outcome rather than let a
            // retry with the same key create a second conversation.
            Err(e @ ApiError::Timeout { .. }) => {
                let problem = serde_json::to_vec(&e.problem()).unwrap_or_default();
                if let Err(e) = self
                    .idempotency
                    .complete(&scoped, e.status().as_u16(), &problem)
                    .await
                {
                    tracing::warn!(error = %e, "idempotency record not completed");
                }
            }
            Err(_) => {
                if let Err(e) = self.idempotency.abandon(&scoped).await {
                    tracing::warn!(error = %e, "idempotency record not released");
                }
            }
        }
        result
    }

    async fn create(
        &self,
        req: &ApiRequest,
        session: &VerifiedSession,
        subject_key: &str,
        request: &InitiationRequest,
    ) -> Result<ApiResponse, ApiError> {
        let now = self.clock.now_secs();
        if let RateDecision::Limited { retry_after_secs } = self
            .rate
            .hit(
                subject_key,
                self.settings.rate_limit,
                self.settings.rate_window_secs,
                now,
            )
            .await?
        {
            tracing::info!(retry_after_secs, "rate limited");
            return Err(ApiError::RateLimited {
                retry_after: Duration::from_secs(retry_after_secs),
            });
        }

        let client_ip = req.client_ip.as_deref();
        let ctx = RiskContext {
            subject_key,
            claims: &session.claims,
            client_ip,
            now_secs: now,
        };
        let risk_score = super::risk::score(&self.settings.risk, self.risk.as_ref(), &ctx).await?;

        let hash = self.keys.mint();
        let inputs = AttributeInputs {
            claims: &session.claims,
            request: request.fields(),
            session_hash: hash.as_str(),
            client_ip,
            risk_score: Some(risk_score),
        };
        let attributes = AttributeSet::build(&self.schema, &inputs)
            .map_err(|e| attribute_failure(&self.schema, &e))?;

        let ticket = self.settings.ticket;
        let record = ticket.issue(
            hash.as_str().to_owned(),
            subject_key.to_owned(),
            attributes.to_canonical_map(),
            now,
        );
        self.sessions.create_session(&record).await?;

        let deadline = Instant::now() + self.settings.genesys_deadline;
        let outcome = super::start_strategy(
            self.strategy.as_ref(),
            &attributes,
            request.initial_message(),
            deadline,
        )
        .await?;
        if let StrategyOutcome::Conversation(created) = &outcome {
            super::record_conversation(self.sessions.as_ref(), &record, created).await;
        }
        tracing::info!(
            strategy = self.strategy.kind().as_str(),
            risk_score,
            attributes = attributes.len(),
            "session issued"
        );
        Ok(TicketResponse {
            hash_key: self.schema.session_hash_key().to_owned(),
            session_hash: record.session_hash.clone(),
            expires_at: rfc3339(record.expires_at),
            chain_expires_at: rfc3339(ticket.chain_end(&record)),
            outcome,
        }
        .into_response())
    }
}

fn idempotency_key(req: &ApiRequest) -> Result<Option<&str>, ApiError> {
    let Some(value) = req.headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .map_err(|_| ApiError::Malformed("`Idempotency-Key` must be visible ASCII".to_owned()))?;
    if key.is_empty()
        || key.len() > MAX_IDEMPOTENCY_KEY_LEN
        || !key.bytes().all(|b| b.is_ascii_graphic())
    {
        return Err(ApiError::Malformed(format!(
            "`Idempotency-Key` must be 1 to {MAX_IDEMPOTENCY_KEY_LEN} visible ASCII characters"
        )));
    }
    Ok(Some(key))
}
