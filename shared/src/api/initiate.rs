//! `POST /v1/initiations`: the edge (origin → method → content type → size → session token →
//! parse), then idempotency → rate limit → risk score → build and validate attributes → store →
//! strategy.

use std::sync::Arc;

use async_trait::async_trait;

use super::common::{
    Browser, BrowserFlow, BrowserHandler, BrowserPorts, BrowserSettings, attribute_failure,
    within_limit,
};
use super::ownership::{Ownership, vouched};
use super::{Function, TicketResponse};
use crate::attributes::{AttributeInputs, AttributeSet};
use crate::http::{Admitted, ApiError, ApiRequest, ApiResponse};
use crate::idempotency::{Created, Idempotency, IdempotencyKey, Keyed};
use crate::ports::{IdempotencyStore, RiskContext};
use crate::request::InitiationRequest;

/// The initiate function: `POST /v1/initiations`.
pub type InitiateHandler = BrowserHandler<InitiateFlow>;

/// initiate's own part: the `Idempotency-Key` protocol around creating a ticket, and the
/// site's ownership check of the request fields that need it.
#[derive(Debug, Clone)]
pub struct InitiateFlow {
    idempotency: Idempotency,
    ownership: Option<Ownership>,
}

#[async_trait]
impl BrowserFlow for InitiateFlow {
    const FUNCTION: Function = Function::Initiate;

    async fn run(handler: &InitiateHandler, req: &ApiRequest) -> Result<ApiResponse, ApiError> {
        let schema = &handler.browser.schema;
        let admitted = handler
            .edge
            .admit(req, |body| InitiationRequest::parse(schema, body))
            .await?;
        let Some(key) = IdempotencyKey::from_headers(&req.headers)? else {
            return Ok(handler.create(req, &admitted).await?.response);
        };
        let canonical = admitted.body.canonical();
        let keyed = Keyed {
            key: &key,
            subject_key: &admitted.subject_key,
            request: &canonical,
            deadline_ms: req.deadline_ms,
            ticket_ttl_secs: handler.settings.ticket.ttl_secs,
        };
        handler
            .flow
            .idempotency
            .run(&keyed, || handler.create(req, &admitted))
            .await
    }
}

impl InitiateHandler {
    /// The function over its ports; `idempotency` keeps the `Idempotency-Key` records.
    pub fn new(
        browser: Browser,
        ports: BrowserPorts,
        idempotency: Arc<dyn IdempotencyStore>,
        settings: BrowserSettings,
    ) -> Result<Self, ApiError> {
        let idempotency = Idempotency::new(
            idempotency,
            ports.sessions.clone(),
            browser.keys.clone(),
            browser.clock.clone(),
        )?;
        let flow = InitiateFlow {
            idempotency,
            ownership: None,
        };
        Ok(Self::with_flow(browser, ports, settings, flow))
    }

    /// With the site's ownership check: `verify = "ownership"` fields are set only once it
    /// vouched for them (without one, they are not set; see [`super::ownership`]).
    #[must_use]
    pub fn with_ownership(mut self, ownership: Ownership) -> Self {
        self.flow.ownership = Some(ownership);
        self
    }

    /// Rate limit → risk → attributes → store → strategy.
    async fn create(
        &self,
        req: &ApiRequest,
        admitted: &Admitted<InitiationRequest>,
    ) -> Result<Created, ApiError> {
        let now = self.browser.clock.now_secs();
        let subject_key = admitted.subject_key.as_str();
        let rate = self.ports.rate.as_ref();
        within_limit(rate, subject_key, self.settings.rate, now).await?;
        self.reconcile(subject_key).await;
        let client_ip = req.client_ip.as_deref();
        let ctx = RiskContext {
            subject_key,
            claims: &admitted.session.claims,
            client_ip,
            now_secs: now,
        };
        let risk_score =
            super::risk::score(&self.settings.risk, self.ports.risk.as_ref(), &ctx).await?;

        let ownership = self.flow.ownership.as_ref();
        let subject = admitted.session.subject.as_str();
        let schema = &self.browser.schema;
        let fields = vouched(ownership, schema, subject, admitted.body.fields()).await?;
        let hash = self.edge.keys().mint();
        let inputs = AttributeInputs {
            claims: &admitted.session.claims,
            request: &fields,
            session_hash: hash.as_str(),
            client_ip,
            risk_score: Some(risk_score),
        };
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

        let message = admitted.body.initial_message();
        let outcome = self
            .start(&record, &attributes, message, now, req.deadline_ms)
            .await?;
        tracing::info!(
            strategy = self.ports.strategy.kind().as_str(),
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
