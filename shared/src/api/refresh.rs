//! `POST /v1/initiations/refresh`: keeps a ticket valid until Messenger sends it. Replaces a
//! ticket that is about to expire (or has: a page that slept) with a fresh one after checking
//! everything initiate would check again: the presented session token, its claims, the risk
//! score, a per-subject rate limit, and the chain's rules ([`crate::tickets`]). The old hash is
//! revoked atomically with the new one's creation, with a short grace for a first message that
//! left with it.

use std::sync::Arc;
use std::time::Duration;

use http::Method;
use tokio::time::Instant;

use crate::attributes::{AttributeInputs, AttributeSet, Schema};
use crate::http::{
    ApiError, ApiRequest, ApiResponse, Cors, DEFAULT_MAX_BODY_BYTES, NotRefreshable,
};
use crate::ports::{
    Clock, RateDecision, RateLimiter, RiskContext, RiskScorer, RotateOutcome, SessionRecord,
    SessionStore,
};
use crate::request::RefreshRequest;
use crate::session::{SessionHash, SessionKeys, SessionVerifier, VerifiedSession};
use crate::tickets::{RefreshRefusal, TicketSettings};

use super::common::{TicketResponse, attribute_failure, authenticate, log_error, rfc3339};
use super::risk::RiskPolicy;
use super::strategy::{InitiationStrategy, StrategyOutcome};

/// Rules of refreshing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefreshSettings {
    /// Ticket lifetimes, maximum age and refresh count.
    pub ticket: TicketSettings,
    /// Refreshes per subject per window, across all its chains. Default 10 a minute: one open
    /// Messenger needs about 1.3.
    pub rate_limit: u32,
    /// The window (seconds). Default 60.
    pub rate_window_secs: u64,
    /// The same risk rules as initiation.
    pub risk: RiskPolicy,
    /// Body cap (bytes).
    pub max_body_bytes: usize,
    /// Budget for the Genesys calls of the `initiation-api` strategy.
    pub genesys_deadline: Duration,
}

impl Default for RefreshSettings {
    fn default() -> Self {
        Self {
            ticket: TicketSettings::default(),
            rate_limit: 10,
            rate_window_secs: 60,
            risk: RiskPolicy::default(),
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
    /// Per-subject refresh limit (its own counters, apart from initiation's).
    pub rate: Arc<dyn RateLimiter>,
    /// Risk scorer, asked again on every refresh.
    pub risk: Arc<dyn RiskScorer>,
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
        self.limit(&subject_key, now).await?;

        let old = self.current(&request, &subject_key).await?;
        let ticket = self.settings.ticket;
        let refresh = ticket.check_refresh(&old, now).map_err(refusal)?;
        let hash = self.keys.mint();
        let attributes = self
            .attributes(req, &session, &subject_key, &old, &hash, now)
            .await?;
        let new = ticket.successor(
            &old,
            refresh,
            hash.as_str().to_owned(),
            attributes.to_canonical_map(),
            now,
        );
        self.end_previous_conversation(&old).await?;
        match self
            .sessions
            .rotate_session(
                &old.session_hash,
                &subject_key,
                &new,
                ticket.grace_until(now),
            )
            .await?
        {
            RotateOutcome::Rotated => {}
            RotateOutcome::NotFound => {
                return Err(ApiError::NotRefreshable(NotRefreshable::Unknown));
            }
            RotateOutcome::NotActive => {
                return Err(ApiError::NotRefreshable(NotRefreshable::Replaced));
            }
        }
        let deadline = Instant::now() + self.settings.genesys_deadline;
        let outcome =
            super::start_strategy(self.strategy.as_ref(), &attributes, None, deadline).await?;
        if let StrategyOutcome::Conversation(created) = &outcome {
            super::record_conversation(self.sessions.as_ref(), &new, created).await;
        }
        tracing::info!(refresh_count = new.refresh_count, "session refreshed");
        Ok(TicketResponse {
            hash_key: self.schema.session_hash_key().to_owned(),
            session_hash: new.session_hash.clone(),
            expires_at: rfc3339(new.expires_at),
            chain_expires_at: rfc3339(ticket.chain_end(&new)),
            outcome,
        }
        .into_response())
    }

    /// The per-subject refresh limit.
    async fn limit(&self, subject_key: &str, now: i64) -> Result<(), ApiError> {
        let key = format!("refresh:{subject_key}");
        let settings = &self.settings;
        match self
            .rate
            .hit(&key, settings.rate_limit, settings.rate_window_secs, now)
            .await?
        {
            RateDecision::Allowed => Ok(()),
            RateDecision::Limited { retry_after_secs } => {
                tracing::info!(retry_after_secs, "refresh rate limited");
                Err(ApiError::RateLimited {
                    retry_after: Duration::from_secs(retry_after_secs),
                })
            }
        }
    }

    /// The caller's ticket: a malformed, unknown or someone else's hash answers alike.
    async fn current(
        &self,
        request: &RefreshRequest,
        subject_key: &str,
    ) -> Result<SessionRecord, ApiError> {
        let unknown = ApiError::NotRefreshable(NotRefreshable::Unknown);
        if SessionHash::parse(&request.session_hash).is_none() {
            return Err(unknown);
        }
        match self.sessions.get_session(&request.session_hash).await? {
            Some(old) if old.subject_key == subject_key => Ok(old),
            _ => Err(unknown),
        }
    }

    /// The new ticket's attributes, derived again from the presented token and a fresh risk
    /// score; what the browser requested at initiation is carried over.
    async fn attributes(
        &self,
        req: &ApiRequest,
        session: &VerifiedSession,
        subject_key: &str,
        old: &SessionRecord,
        hash: &SessionHash,
        now: i64,
    ) -> Result<AttributeSet, ApiError> {
        let client_ip = req.client_ip.as_deref();
        let ctx = RiskContext {
            subject_key,
            claims: &session.claims,
            client_ip,
            now_secs: now,
        };
        let risk_score = super::risk::score(&self.settings.risk, self.risk.as_ref(), &ctx).await?;
        let no_fields = std::collections::BTreeMap::new();
        let inputs = AttributeInputs {
            claims: &session.claims,
            request: &no_fields,
            session_hash: hash.as_str(),
            client_ip,
            risk_score: Some(risk_score),
        };
        AttributeSet::build_refreshed(&self.schema, &inputs, &old.attributes).map_err(|errors| {
            match attribute_failure(&self.schema, &errors) {
                // A carried-over request field that the schema no longer accepts.
                ApiError::Invalid(_) => ApiError::NotRefreshable(NotRefreshable::Unknown),
                other => other,
            }
        })
    }

    /// With `initiation-api`, ends the conversation of the ticket being replaced, so the chain
    /// never holds two. Nothing is rotated if this fails.
    async fn end_previous_conversation(&self, old: &SessionRecord) -> Result<(), ApiError> {
        if self.strategy.kind() == super::strategy::StrategyKind::Messenger {
            return Ok(());
        }
        let Some(conversation) = &old.initiated_conversation else {
            return Err(ApiError::Unavailable {
                what: "the chain's previous conversation is not recorded",
                source: None,
            });
        };
        let deadline = Instant::now() + self.settings.genesys_deadline;
        self.strategy.end(conversation, deadline).await?;
        Ok(())
    }
}

fn refusal(refusal: RefreshRefusal) -> ApiError {
    match refusal {
        RefreshRefusal::TooEarly { retry_after_secs } => ApiError::RateLimited {
            retry_after: Duration::from_secs(retry_after_secs),
        },
        RefreshRefusal::Used => ApiError::NotRefreshable(NotRefreshable::Used),
        RefreshRefusal::Replaced => ApiError::NotRefreshable(NotRefreshable::Replaced),
        RefreshRefusal::ChainEnded => ApiError::NotRefreshable(NotRefreshable::ChainEnded),
    }
}
