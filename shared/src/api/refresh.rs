//! `POST /v1/initiations/refresh`: keeps a ticket valid until Messenger sends it. The edge
//! admits the request, then: the subject's refresh limit → the caller's ticket → the chain's
//! rules ([`crate::tickets`]) → the context derived again from the presented token and a fresh
//! risk score → (with `initiation-api`) the previous conversation ended → the old hash revoked
//! atomically with the new one's creation, with a short grace for a first message that left
//! with it → the strategy.

use std::time::Duration;

use async_trait::async_trait;
use tokio::time::Instant;

use super::common::{Browser, BrowserPorts, BrowserSettings, attribute_failure, within_limit};
use super::strategy::{StrategyKind, StrategyOutcome};
use super::{Function, Handler, TicketResponse};
use crate::attributes::{AttributeInputs, AttributeSet};
use crate::http::{Admitted, ApiError, ApiRequest, ApiResponse, BrowserEdge, NotRefreshable};
use crate::ports::{RiskContext, RotateOutcome, SessionRecord};
use crate::request::RefreshRequest;
use crate::session::SessionHash;
use crate::tickets::RefreshRefusal;

/// The refresh-token function.
#[derive(Debug, Clone)]
pub struct RefreshHandler {
    browser: Browser,
    edge: BrowserEdge,
    ports: BrowserPorts,
    settings: BrowserSettings,
}

#[async_trait]
impl Handler for RefreshHandler {
    fn function(&self) -> Function {
        Function::Refresh
    }

    #[tracing::instrument(name = "refresh", skip_all, fields(subject = tracing::field::Empty))]
    async fn handle(&self, req: ApiRequest) -> ApiResponse {
        if let Some(preflight) = self.edge.preflight(&req) {
            return preflight;
        }
        let result = self.run(&req).await;
        self.edge.respond("refresh", &req, result)
    }
}

impl RefreshHandler {
    /// The function over its ports.
    pub fn new(browser: Browser, ports: BrowserPorts, settings: BrowserSettings) -> Self {
        Self {
            edge: browser.edge(),
            browser,
            ports,
            settings,
        }
    }

    async fn run(&self, req: &ApiRequest) -> Result<ApiResponse, ApiError> {
        let admitted = self.edge.admit(req, RefreshRequest::parse).await?;
        let now = self.browser.clock.now_secs();
        let settings = &self.settings;
        let limit_key = format!("refresh:{}", admitted.subject_key);
        let rate = self.ports.rate.as_ref();
        within_limit(rate, &limit_key, self.settings.rate, now).await?;

        let old = self.current(&admitted).await?;
        let rules = settings.ticket;
        let refresh = rules.check_refresh(&old, now).map_err(refusal)?;
        let hash = self.edge.keys().mint();
        let attributes = self.attributes(req, &admitted, &old, &hash, now).await?;
        let new = rules.successor(&old, refresh, hash, attributes.to_canonical_map(), now);
        self.end_previous_conversation(&old).await?;
        let rotated = self
            .ports
            .sessions
            .rotate_session(
                &old.session_hash,
                &old.subject_key,
                &new,
                rules.grace_until(now),
            )
            .await?;
        match rotated {
            RotateOutcome::Rotated => {}
            RotateOutcome::NotFound => {
                return Err(ApiError::NotRefreshable(NotRefreshable::Unknown));
            }
            RotateOutcome::NotActive => {
                return Err(ApiError::NotRefreshable(NotRefreshable::Replaced));
            }
        }
        let deadline = Instant::now() + settings.genesys_deadline;
        let strategy = self.ports.strategy.as_ref();
        let outcome = super::start_strategy(strategy, &attributes, None, deadline).await?;
        if let StrategyOutcome::Conversation(created) = &outcome {
            super::record_conversation(self.ports.sessions.as_ref(), &new, created).await;
        }
        tracing::info!(refresh_count = new.refresh_count, "session refreshed");
        let schema = &self.browser.schema;
        Ok(TicketResponse::for_ticket(schema, &new, &rules, outcome).into_response())
    }

    /// The caller's ticket: a malformed, unknown or someone else's hash answers alike.
    async fn current(
        &self,
        admitted: &Admitted<RefreshRequest>,
    ) -> Result<SessionRecord, ApiError> {
        let unknown = ApiError::NotRefreshable(NotRefreshable::Unknown);
        let Some(hash) = admitted.body.session_hash.well_formed() else {
            return Err(unknown);
        };
        match self.ports.sessions.get_session(hash).await? {
            Some(old) if old.subject_key == admitted.subject_key => Ok(old),
            _ => Err(unknown),
        }
    }

    /// The new ticket's attributes, derived again from the presented token and a fresh risk
    /// score; what the browser requested at initiation is carried over.
    async fn attributes(
        &self,
        req: &ApiRequest,
        admitted: &Admitted<RefreshRequest>,
        old: &SessionRecord,
        hash: &SessionHash,
        now: i64,
    ) -> Result<AttributeSet, ApiError> {
        let client_ip = req.client_ip.as_deref();
        let claims = &admitted.session.claims;
        let ctx = RiskContext {
            subject_key: &admitted.subject_key,
            claims,
            client_ip,
            now_secs: now,
        };
        let risk_score =
            super::risk::score(&self.settings.risk, self.ports.risk.as_ref(), &ctx).await?;
        let no_fields = std::collections::BTreeMap::new();
        let inputs = AttributeInputs {
            claims,
            request: &no_fields,
            session_hash: hash.as_str(),
            client_ip,
            risk_score: Some(risk_score),
        };
        let schema = &self.browser.schema;
        AttributeSet::build_refreshed(schema, &inputs, &old.attributes).map_err(|errors| {
            match attribute_failure(schema, &errors) {
                // A carried-over request field that the schema no longer accepts.
                ApiError::Invalid(_) => ApiError::NotRefreshable(NotRefreshable::Unknown),
                other => other,
            }
        })
    }

    /// With `initiation-api`, ends the conversation of the ticket being replaced, so the chain
    /// never holds two. Nothing is rotated if this fails.
    async fn end_previous_conversation(&self, old: &SessionRecord) -> Result<(), ApiError> {
        if self.ports.strategy.kind() == StrategyKind::Messenger {
            return Ok(());
        }
        let Some(conversation) = &old.initiated_conversation else {
            return Err(ApiError::Unavailable {
                what: "the chain's previous conversation is not recorded",
                source: None,
            });
        };
        let deadline = Instant::now() + self.settings.genesys_deadline;
        self.ports.strategy.end(conversation, deadline).await?;
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
