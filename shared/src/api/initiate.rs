//! `POST /v1/initiations`: the edge (origin → method → content type → size → session token →
//! parse), then idempotency → rate limit → risk score → build and validate attributes → store →
//! strategy.

use std::sync::Arc;

use async_trait::async_trait;
use tracing::Instrument as _;

use super::browser_edge::{
    Browser, BrowserPorts, BrowserSettings, attribute_failure, respond, within_limit,
};
use super::handler::{Function, Handler};
use super::ownership::{Ownership, vouched};
use super::start::Start;
use super::ticket::TicketResponse;
use crate::attributes::{AttributeInputs, AttributeSet};
use crate::http::{Admitted, ApiError, ApiRequest, ApiResponse, BrowserEdge};
use crate::idempotency::{Begun, Created, Idempotency, IdempotencyKey, Keyed};
use crate::ports::{IdempotencyStore, RiskContext};
use crate::request::InitiationRequest;

/// The initiate function: `POST /v1/initiations`. Around the browser edge's checks, its own
/// part: the `Idempotency-Key` protocol around creating a ticket, and the site's ownership
/// check of the request fields that need it.
#[derive(Debug, Clone)]
pub struct InitiateHandler {
    browser: Browser,
    edge: BrowserEdge,
    ports: BrowserPorts,
    settings: BrowserSettings,
    idempotency: Idempotency,
    ownership: Option<Ownership>,
    start: Start,
}

#[async_trait]
impl Handler for InitiateHandler {
    fn function(&self) -> Function {
        Function::Initiate
    }

    async fn handle(&self, req: ApiRequest) -> ApiResponse {
        let span = tracing::info_span!("initiate", subject = tracing::field::Empty);
        let serve = async {
            if let Some(preflight) = self.edge.preflight(&req) {
                return preflight;
            }
            let result = self.answer(&req).await;
            let strategy = self.ports.strategy.kind();
            respond(&self.edge, Function::Initiate, strategy, &req, result)
        };
        serve.instrument(span).await
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
        Ok(Self {
            edge: browser.edge(),
            start: Start::new(&browser, &ports, settings),
            browser,
            ports,
            settings,
            idempotency,
            ownership: None,
        })
    }

    /// With the site's ownership check: `verify = "ownership"` fields are set only once it
    /// vouched for them (without one, they are not set; see [`super::ownership`]).
    #[must_use]
    pub fn with_ownership(mut self, ownership: Ownership) -> Self {
        self.ownership = Some(ownership);
        self
    }

    /// The answer to a request that is not a preflight: the edge admits it, then a ticket is
    /// created, once per `Idempotency-Key` when the request has one.
    async fn answer(&self, req: &ApiRequest) -> Result<ApiResponse, ApiError> {
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
        match self.idempotency.begin(&keyed).await? {
            Begun::Answered(response) => Ok(response),
            Begun::Claimed(claim) => {
                let created = self.create(req, &admitted).await;
                self.idempotency.finish(claim, created).await
            }
        }
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
        self.start.reconcile(subject_key).await;
        let client_ip = req.client_ip.as_deref();
        let ctx = RiskContext {
            subject_key,
            claims: &admitted.session.claims,
            client_ip,
            now_secs: now,
        };
        let risk_score =
            super::risk::score(&self.settings.risk, self.ports.risk.as_ref(), &ctx).await?;

        let ownership = self.ownership.as_ref();
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
            .start
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
