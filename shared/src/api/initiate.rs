//! `POST /v1/initiations`: the edge (origin → method → content type → size → session token →
//! parse), then idempotency → rate limit → risk score → build and validate attributes → store →
//! strategy.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tokio::time::Instant;

use super::common::{Browser, attribute_failure, within_limit};
use super::risk::RiskPolicy;
use super::strategy::{InitiationStrategy, StrategyOutcome};
use super::{Function, Handler, TicketResponse};
use crate::attributes::{AttributeInputs, AttributeSet};
use crate::http::{Admitted, ApiError, ApiRequest, ApiResponse, BrowserEdge};
use crate::idempotency::{Created, Idempotency, IdempotencyKey, Keyed};
use crate::ports::{IdempotencyStore, RateLimiter, RiskContext, RiskScorer, SessionStore};
use crate::request::InitiationRequest;
use crate::tickets::TicketSettings;

/// Initiations per subject per minute unless configured.
pub const DEFAULT_RATE_LIMIT: u32 = 5;

/// Business rules of initiation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InitiateSettings {
    /// Ticket lifetimes.
    pub ticket: TicketSettings,
    /// Initiations per subject per window.
    pub rate_limit: u32,
    /// The window (seconds). Default 60.
    pub rate_window_secs: u64,
    /// Risk thresholds and failure policy.
    pub risk: RiskPolicy,
    /// Budget for the Genesys call of the `initiation-api` strategy.
    pub genesys_deadline: Duration,
}

impl Default for InitiateSettings {
    fn default() -> Self {
        Self {
            ticket: TicketSettings::default(),
            rate_limit: DEFAULT_RATE_LIMIT,
            rate_window_secs: 60,
            risk: RiskPolicy::default(),
            genesys_deadline: super::strategy::default_genesys_deadline(),
        }
    }
}

/// The ports initiate uses.
#[derive(Debug, Clone)]
pub struct InitiatePorts {
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
}

/// The initiate function.
#[derive(Debug, Clone)]
pub struct InitiateHandler {
    browser: Browser,
    edge: BrowserEdge,
    ports: InitiatePorts,
    idempotency: Idempotency,
    settings: InitiateSettings,
}

#[async_trait]
impl Handler for InitiateHandler {
    fn function(&self) -> Function {
        Function::Initiate
    }

    #[tracing::instrument(name = "initiate", skip_all, fields(subject = tracing::field::Empty))]
    async fn handle(&self, req: ApiRequest) -> ApiResponse {
        if let Some(preflight) = self.edge.preflight(&req) {
            return preflight;
        }
        let result = self.run(&req).await;
        self.edge.respond("initiate", &req, result)
    }
}

impl InitiateHandler {
    /// The function over its ports.
    pub fn new(
        browser: Browser,
        ports: InitiatePorts,
        settings: InitiateSettings,
    ) -> Result<Self, ApiError> {
        let idempotency = Idempotency::new(
            ports.idempotency.clone(),
            ports.sessions.clone(),
            browser.keys.clone(),
            browser.clock.clone(),
        )?;
        Ok(Self {
            edge: browser.edge(),
            browser,
            ports,
            idempotency,
            settings,
        })
    }

    async fn run(&self, req: &ApiRequest) -> Result<ApiResponse, ApiError> {
        let schema = &self.browser.schema;
        let admitted = self
            .edge
            .admit(req, |body| InitiationRequest::parse(schema, body))
            .await?;
        let Some(key) = IdempotencyKey::from_headers(&req.headers)? else {
            return Ok(self.create(req, &admitted).await?.response);
        };
        let canonical = admitted.body.canonical();
        let keyed = Keyed {
            key: &key,
            subject_key: &admitted.subject_key,
            request: &canonical,
            deadline_ms: req.deadline_ms,
            ticket_ttl_secs: self.settings.ticket.ttl_secs,
        };
        self.idempotency
            .run(&keyed, || self.create(req, &admitted))
            .await
    }

    /// Rate limit → risk → attributes → store → strategy.
    async fn create(
        &self,
        req: &ApiRequest,
        admitted: &Admitted<InitiationRequest>,
    ) -> Result<Created, ApiError> {
        let now = self.browser.clock.now_secs();
        let subject_key = admitted.subject_key.as_str();
        let settings = &self.settings;
        let rate = self.ports.rate.as_ref();
        within_limit(
            rate,
            subject_key,
            settings.rate_limit,
            settings.rate_window_secs,
            now,
        )
        .await?;
        let client_ip = req.client_ip.as_deref();
        let ctx = RiskContext {
            subject_key,
            claims: &admitted.session.claims,
            client_ip,
            now_secs: now,
        };
        let risk_score =
            super::risk::score(&self.settings.risk, self.ports.risk.as_ref(), &ctx).await?;

        let hash = self.edge.keys().mint();
        let inputs = AttributeInputs {
            claims: &admitted.session.claims,
            request: admitted.body.fields(),
            session_hash: hash.as_str(),
            client_ip,
            risk_score: Some(risk_score),
        };
        let schema = &self.browser.schema;
        let attributes =
            AttributeSet::build(schema, &inputs).map_err(|e| attribute_failure(schema, &e))?;
        let ticket = self.settings.ticket;
        let record = ticket.issue(
            hash,
            subject_key.to_owned(),
            attributes.to_canonical_map(),
            now,
        );
        self.ports.sessions.create_session(&record).await?;

        let deadline = Instant::now() + self.settings.genesys_deadline;
        let message = admitted.body.initial_message();
        let strategy = self.ports.strategy.as_ref();
        let outcome = super::start_strategy(strategy, &attributes, message, deadline).await?;
        if let StrategyOutcome::Conversation(created) = &outcome {
            super::record_conversation(self.ports.sessions.as_ref(), &record, created).await;
        }
        tracing::info!(
            strategy = strategy.kind().as_str(),
            risk_score,
            attributes = attributes.len(),
            "session issued"
        );
        Ok(Created {
            response: TicketResponse::for_ticket(schema, &record, &ticket, outcome).into_response(),
            expires_at: record.expires_at,
            session_hash: record.session_hash,
        })
    }
}
