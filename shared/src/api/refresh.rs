//! `POST /v1/initiations/refresh`: keeps a ticket valid until Messenger sends it. The edge
//! admits the request, then: the subject's refresh limit → the caller's ticket → the chain's
//! rules ([`crate::tickets`]) → the context derived again from the presented token and a fresh
//! risk score → the old hash revoked atomically with the new one's creation (the store
//! decides: a ticket a validation bound meanwhile answers `used`), with a short grace for a
//! first message that left with it under `messenger` → (with `initiation-api`) only then the
//! previous conversation ended → the strategy.
//!
//! The order matters with `initiation-api`: ending the old conversation before the store
//! decided would disconnect a conversation that a validation binds in between, and the
//! customer's validated conversation would die under a refresh that then fails.

use std::time::Duration;

use async_trait::async_trait;
use tokio::time::Instant;
use tracing::Instrument as _;

use super::browser_edge::{
    Browser, BrowserPorts, BrowserSettings, attribute_failure, respond, within_limit,
};
use super::handler::{Function, Handler};
use super::start::Start;
use super::strategy::StrategyKind;
use super::ticket::TicketResponse;
use crate::attributes::{AttributeInputs, AttributeSet};
use crate::http::{Admitted, ApiError, ApiRequest, ApiResponse, BrowserEdge, NotRefreshable};
use crate::payload::GenesysId;
use crate::ports::{RiskContext, RotateOutcome, SessionRecord};
use crate::request::RefreshRequest;
use crate::session::SessionHash;
use crate::tickets::RefreshRefusal;

/// The refresh-token function: `POST /v1/initiations/refresh`. Around the browser edge's
/// checks, its own part: the chain's rules and the rotation.
#[derive(Debug, Clone)]
pub struct RefreshHandler {
    browser: Browser,
    edge: BrowserEdge,
    ports: BrowserPorts,
    settings: BrowserSettings,
    start: Start,
}

#[async_trait]
impl Handler for RefreshHandler {
    fn function(&self) -> Function {
        Function::Refresh
    }

    async fn handle(&self, req: ApiRequest) -> ApiResponse {
        let span = tracing::info_span!("refresh", subject = tracing::field::Empty);
        let serve = async {
            if let Some(preflight) = self.edge.preflight(&req) {
                return preflight;
            }
            let result = self.answer(&req).await;
            let strategy = self.ports.strategy.kind();
            respond(&self.edge, Function::Refresh, strategy, &req, result)
        };
        serve.instrument(span).await
    }
}

impl RefreshHandler {
    /// The function over its ports.
    pub fn new(browser: Browser, ports: BrowserPorts, settings: BrowserSettings) -> Self {
        Self {
            edge: browser.edge(),
            start: Start::new(&browser, &ports, settings),
            browser,
            ports,
            settings,
        }
    }

    /// The answer to a request that is not a preflight: the edge admits it, then the
    /// subject's refresh limit → the caller's ticket → the chain's rules → the new ticket's
    /// attributes → the rotation → the previous conversation ended → the strategy.
    async fn answer(&self, req: &ApiRequest) -> Result<ApiResponse, ApiError> {
        let admitted = self.edge.admit(req, RefreshRequest::parse).await?;
        let now = self.browser.clock.now_secs();
        let limit_key = format!("refresh:{}", admitted.subject_key);
        let rate = self.ports.rate.as_ref();
        within_limit(rate, &limit_key, self.settings.rate, now).await?;
        let reconciled = self.start.reconcile(&admitted.subject_key).await;

        let old = self.current(&admitted).await?;
        let rules = self.settings.ticket;
        let refresh = rules.check_refresh(&old, now).map_err(refusal)?;
        let hash = self.edge.keys().mint();
        let attributes = self.attributes(req, &admitted, &old, &hash, now).await?;
        let new = rules.successor(&old, refresh, hash, attributes.to_canonical_map(), now);
        let previous = self.previous_conversation(&old, &reconciled)?;
        self.rotate(&old, &new, self.grace_until(now)).await?;
        if let Some(conversation) = previous {
            self.end_previous_conversation(&conversation).await?;
        }
        let outcome = self
            .start
            .start(&new, &attributes, None, now, req.deadline_ms)
            .await?;
        tracing::info!(refresh_count = new.refresh_count, "session refreshed");
        let schema = &self.browser.schema;
        Ok(TicketResponse::for_ticket(schema, &new, &rules, outcome).into_response())
    }

    /// Revokes `old` and stores `new` in one step; a ticket that changed since it was read
    /// cannot be refreshed.
    async fn rotate(
        &self,
        old: &SessionRecord,
        new: &SessionRecord,
        grace_until: i64,
    ) -> Result<(), ApiError> {
        let rotated = self
            .ports
            .sessions
            .rotate_session(&old.session_hash, &old.subject_key, new, grace_until)
            .await?;
        match rotated {
            RotateOutcome::Rotated => Ok(()),
            RotateOutcome::NotFound => Err(ApiError::NotRefreshable(NotRefreshable::Unknown)),
            RotateOutcome::Used => Err(ApiError::NotRefreshable(NotRefreshable::Used)),
            RotateOutcome::Replaced => Err(ApiError::NotRefreshable(NotRefreshable::Replaced)),
        }
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

    /// Until when the replaced ticket may still bind. With `messenger`, for the short grace
    /// of [`crate::tickets::ROTATION_GRACE_SECS`]: a first message may have left with it just
    /// before the page stored the new hash. With `initiation-api`, not at all: the old hash is
    /// an attribute of the conversation this refresh ends, so a message carrying it comes from
    /// a conversation about to be disconnected; binding it would tie the chain to a dead
    /// conversation and revoke the live one (the successor answers `revoked`).
    fn grace_until(&self, now: i64) -> i64 {
        match self.ports.strategy.kind() {
            StrategyKind::Messenger => self.settings.ticket.grace_until(now),
            StrategyKind::InitiationApi => now - 1,
        }
    }

    /// With `initiation-api`, the conversation of the ticket being replaced, which the refresh
    /// ends once the rotation committed; none with `messenger`, nor when this request has just
    /// reconciled the ticket's create (its late conversation is ended already). A ticket whose
    /// conversation is not recorded otherwise is not rotated: the chain could then hold two.
    fn previous_conversation(
        &self,
        old: &SessionRecord,
        reconciled: &[SessionHash],
    ) -> Result<Option<GenesysId>, ApiError> {
        if self.ports.strategy.kind() == StrategyKind::Messenger
            || reconciled.contains(&old.session_hash)
        {
            return Ok(None);
        }
        match &old.initiated_conversation {
            Some(conversation) => Ok(Some(*conversation)),
            None => Err(ApiError::Unavailable {
                what: "the chain's previous conversation is not recorded",
                source: None,
            }),
        }
    }

    /// Ends the replaced ticket's conversation, after the rotation committed (so a validation
    /// that bound the old ticket first kept its conversation: the rotation then answered
    /// `used`). If Genesys fails here, the refresh fails before creating anything: the old
    /// hash is already revoked without grace, so the old conversation can no longer validate,
    /// and the client starts afresh rather than the chain holding two live conversations.
    async fn end_previous_conversation(&self, conversation: &GenesysId) -> Result<(), ApiError> {
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
