//! Creates whose answer never arrived (`initiation-api`). A create that answers after the
//! deadline still creates: the conversation carries the new ticket's session hash, but the
//! caller got a `504` and the conversation id was never recorded, so nobody could end it.
//!
//! So a create is remembered before it is sent ([`before_create`]: the subject's pending
//! create, with its session hash sealed) and forgotten once its outcome is known
//! ([`after_create`]). A create whose outcome stayed unknown is reconciled when the subject's
//! chain comes back, at its next refresh or initiation ([`reconcile`]): the conversation is
//! looked up by its session hash and ended (never adopted: its platform token never reached the
//! browser), before anything else is created. A lookup that fails leaves the pending create for
//! the next request and lets this one go on: a Genesys analytics outage does not stop customers
//! from starting conversations.

use tokio::time::Instant;

use super::common::BrowserHandler;
use super::strategy::StrategyOutcome;
use crate::attributes::AttributeSet;
use crate::http::ApiError;
use crate::payload::InitialMessage;
use crate::ports::{PendingCreate, SessionRecord};
use crate::session::SessionHash;

/// Additional data of a sealed pending hash: it opens only as this subject's.
fn context(subject_key: &str) -> Vec<u8> {
    format!("pending#{subject_key}").into_bytes()
}

impl<F> BrowserHandler<F> {
    /// Runs the strategy for the stored ticket `record`: a create is remembered while it is
    /// under way, and the conversation it made recorded on the ticket.
    pub(super) async fn start(
        &self,
        record: &SessionRecord,
        attributes: &AttributeSet,
        message: Option<&InitialMessage>,
        now: i64,
    ) -> Result<StrategyOutcome, ApiError> {
        let deadline = Instant::now() + self.settings.genesys_deadline;
        let strategy = self.ports.strategy.as_ref();
        let pending = self.before_create(record, now).await;
        let outcome = super::start_strategy(strategy, attributes, message, deadline).await;
        self.after_create(&record.subject_key, pending, &outcome)
            .await;
        if let Ok(StrategyOutcome::Conversation(created)) = &outcome {
            super::record_conversation(self.ports.sessions.as_ref(), record, created).await;
        }
        outcome
    }

    /// Remembers the create about to be sent for `record`; the sealed hash to forget it by.
    /// Nothing is remembered for a strategy that creates nothing.
    async fn before_create(&self, record: &SessionRecord, now: i64) -> Option<Vec<u8>> {
        if !self.creates_conversations() {
            return None;
        }
        let sealed = self
            .browser
            .keys
            .sealer()
            .and_then(|s| {
                s.seal(
                    &context(&record.subject_key),
                    record.session_hash.as_str().as_bytes(),
                )
            })
            .ok()?;
        let pending = PendingCreate {
            subject_key: record.subject_key.clone(),
            sealed_hash: sealed.clone(),
            started_at: now,
            ttl: now + self.settings.ticket.max_age_secs,
        };
        match self.ports.sessions.put_pending_create(&pending).await {
            Ok(()) => Some(sealed),
            Err(e) => {
                tracing::warn!(error = %e, "pending create not recorded");
                None
            }
        }
    }

    /// Forgets the create once its outcome is known: kept when it may have created a
    /// conversation that was never recorded.
    async fn after_create<T>(
        &self,
        subject_key: &str,
        sealed: Option<Vec<u8>>,
        result: &Result<T, ApiError>,
    ) {
        // A Genesys deadline (504): the create may have happened.
        let unknown = matches!(result, Err(ApiError::Timeout { .. }));
        let Some(sealed) = sealed.filter(|_| !unknown) else {
            return;
        };
        if let Err(e) = self
            .ports
            .sessions
            .clear_pending_create(subject_key, &sealed)
            .await
        {
            tracing::warn!(error = %e, "pending create not cleared");
        }
    }

    /// Ends what the subject's last create left behind, if its outcome stayed unknown: the
    /// session hash it carried, once reconciled.
    pub(super) async fn reconcile(&self, subject_key: &str) -> Option<SessionHash> {
        if !self.creates_conversations() {
            return None;
        }
        let pending = match self.ports.sessions.pending_create(subject_key).await {
            Ok(pending) => pending?,
            Err(e) => {
                tracing::warn!(error = %e, "pending create not read");
                return None;
            }
        };
        let hash = self
            .browser
            .keys
            .sealer()
            .and_then(|s| s.open(&context(subject_key), &pending.sealed_hash))
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .and_then(|text| SessionHash::parse(&text))?;
        let deadline = Instant::now() + self.settings.genesys_deadline;
        let key = self.browser.schema.session_hash_key();
        let strategy = self.ports.strategy.as_ref();
        match strategy
            .reconcile(key, hash.as_str(), pending.started_at, deadline)
            .await
        {
            Ok(ended) => {
                tracing::info!(ended, "pending create reconciled");
                let cleared = self
                    .ports
                    .sessions
                    .clear_pending_create(subject_key, &pending.sealed_hash);
                if let Err(e) = cleared.await {
                    tracing::warn!(error = %e, "pending create not cleared");
                }
                Some(hash)
            }
            Err(e) => {
                tracing::warn!(error = %e, "pending create not reconciled; kept for the next request");
                None
            }
        }
    }

    fn creates_conversations(&self) -> bool {
        self.ports.strategy.kind() == super::strategy::StrategyKind::InitiationApi
    }
}
