//! [`SessionStore`] on DynamoDB: conditional writes decide, a consistent read explains a refusal.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::builders::UpdateBuilder;
use aws_sdk_dynamodb::types::{Put, ReturnValue, TransactWriteItem, Update};

use super::codec::{n, optional_string, s, session_item, session_record};
use super::store::DynamoStore;
use super::table::{conditional, store_error, unbuilt};
use crate::adapters::keys::session_pk;
use crate::payload::GenesysId;
use crate::ports::{
    BindOutcome, PendingCreate, RotateOutcome, SessionRecord, SessionStatus, SessionStore,
    StoreError,
};
use crate::session::SessionHash;

/// Attempts of a rotation that lost to a concurrent transaction on the same items.
const ROTATE_ATTEMPTS: usize = 3;

#[async_trait]
impl SessionStore for DynamoStore {
    #[tracing::instrument(name = "store_create_session", skip_all)]
    async fn create_session(&self, record: &SessionRecord) -> Result<(), StoreError> {
        let result = self
            .client
            .put_item()
            .table_name(self.table.as_ref())
            .set_item(Some(session_item(record)))
            .condition_expression("attribute_not_exists(pk) OR #ttl < :now")
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(":now", n(self.clock.now_secs()))
            .send()
            .await;
        conditional(result)?.map(drop).ok_or(StoreError::Conflict)
    }

    #[tracing::instrument(name = "store_get_session", skip_all)]
    async fn get_session(
        &self,
        session_hash: &SessionHash,
    ) -> Result<Option<SessionRecord>, StoreError> {
        self.get_live(session_pk(session_hash), self.clock.now_secs())
            .await?
            .map(|item| session_record(session_hash, &item))
            .transpose()
    }

    #[tracing::instrument(name = "store_bind_session", skip_all)]
    async fn bind_session(
        &self,
        session_hash: &SessionHash,
        conversation_id: &GenesysId,
        now_secs: i64,
    ) -> Result<BindOutcome, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(self.table.as_ref())
            .set_key(Some(Self::key(session_pk(session_hash))))
            .update_expression("SET #status = :bound, conversation_id = :conv")
            .condition_expression(
                "#ttl >= :now AND ((#status = :active AND expires_at >= :now) \
                 OR (#status = :bound AND conversation_id = :conv))",
            )
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(":bound", s(SessionStatus::Bound.as_str()))
            .expression_attribute_values(":active", s(SessionStatus::Active.as_str()))
            .expression_attribute_values(":conv", s(conversation_id.to_string()))
            .expression_attribute_values(":now", n(now_secs))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        if let Some(out) = conditional(result)? {
            let item = out.attributes.unwrap_or_default();
            return Ok(BindOutcome::Bound(session_record(session_hash, &item)?));
        }
        let Some(item) = self.get_live(session_pk(session_hash), now_secs).await? else {
            return Ok(BindOutcome::Unknown);
        };
        let record = session_record(session_hash, &item)?;
        match optional_string(&item, SUCCESSOR)? {
            Some(successor) if in_grace(&record, now_secs) => {
                self.bind_in_grace(record, &successor, conversation_id, now_secs)
                    .await
            }
            _ => Ok(explain_refused_bind(record, conversation_id, now_secs)),
        }
    }

    #[tracing::instrument(name = "store_record_conversation", skip_all)]
    async fn record_conversation(
        &self,
        session_hash: &SessionHash,
        conversation_id: &GenesysId,
    ) -> Result<(), StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(self.table.as_ref())
            .set_key(Some(Self::key(session_pk(session_hash))))
            .update_expression("SET initiated_conversation = :conv")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":conv", s(conversation_id.to_string()))
            .send()
            .await;
        conditional(result)?
            .map(drop)
            .ok_or_else(|| StoreError::Corrupt("no such session".into()))
    }

    #[tracing::instrument(name = "store_put_pending_create", skip_all)]
    async fn put_pending_create(&self, pending: &PendingCreate) -> Result<(), StoreError> {
        self.put_pending(pending).await
    }

    #[tracing::instrument(name = "store_pending_creates", skip_all)]
    async fn pending_creates(&self, subject_key: &str) -> Result<Vec<PendingCreate>, StoreError> {
        self.read_pending(subject_key).await
    }

    #[tracing::instrument(name = "store_clear_pending_create", skip_all)]
    async fn clear_pending_create(&self, subject_key: &str, id: &str) -> Result<(), StoreError> {
        self.clear_pending(subject_key, id).await
    }

    #[tracing::instrument(name = "store_rotate_session", skip_all)]
    async fn rotate_session(
        &self,
        old_hash: &SessionHash,
        subject_key: &str,
        new: &SessionRecord,
        grace_until: i64,
    ) -> Result<RotateOutcome, StoreError> {
        let mut last_error = None;
        for _ in 0..ROTATE_ATTEMPTS {
            let now = self.clock.now_secs();
            let revoke = self.revoke_item(old_hash, subject_key, new, grace_until, now)?;
            let result = self
                .client
                .transact_write_items()
                .transact_items(revoke)
                .transact_items(self.create_item(new, now)?)
                .send()
                .await;
            let err = match result {
                Ok(_) => return Ok(RotateOutcome::Rotated),
                Err(err) => err,
            };
            let Some(reasons) = cancellation_reasons(&err) else {
                return Err(store_error(err));
            };
            tracing::debug!(?reasons, "rotation cancelled");
            if let Some(outcome) = self
                .explain_cancelled_rotation(old_hash, subject_key, &reasons, now)
                .await?
            {
                return Ok(outcome);
            }
            let throttled = reasons
                .iter()
                .any(|r| r == "ThrottlingError" || r == "ProvisionedThroughputExceeded");
            last_error = Some((throttled, err));
        }
        Err(match last_error {
            Some((true, err)) => StoreError::Throttled(Box::new(err)),
            Some((false, err)) => StoreError::Unavailable(Box::new(err)),
            None => StoreError::Unavailable("rotation was not attempted".into()),
        })
    }
}

/// Why a transaction was cancelled, one code per item in order (`None` where that item was
/// fine); `None` for a failure that is not a cancellation.
fn cancellation_reasons<R>(err: &SdkError<TransactWriteItemsError, R>) -> Option<Vec<String>> {
    match err.as_service_error() {
        Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) => Some(
            cancelled
                .cancellation_reasons()
                .iter()
                .map(|r| r.code().unwrap_or("None").to_owned())
                .collect(),
        ),
        Some(TransactWriteItemsError::TransactionInProgressException(_)) => {
            Some(vec!["TransactionInProgress".to_owned()])
        }
        _ => None,
    }
}

/// The key of the ticket that replaced a revoked one (an internal link for the grace bind).
const SUCCESSOR: &str = "successor_pk";

/// Whether a revoked ticket may still bind: inside its grace and its own lifetime.
fn in_grace(record: &SessionRecord, now: i64) -> bool {
    record.status == SessionStatus::Revoked
        && record.grace_until.is_some_and(|g| now <= g)
        && record.expires_at >= now
}

impl DynamoStore {
    /// Binds a ticket a refresh has just revoked, revoking its still-active successor in the
    /// same transaction: the chain binds once, to whichever ticket arrived first.
    async fn bind_in_grace(
        &self,
        record: SessionRecord,
        successor_pk: &str,
        conversation_id: &GenesysId,
        now: i64,
    ) -> Result<BindOutcome, StoreError> {
        let result = self
            .client
            .transact_write_items()
            .transact_items(self.grace_bind_item(&record, conversation_id, now)?)
            .transact_items(self.revoke_successor_item(successor_pk, now)?)
            .send()
            .await;
        match result {
            Ok(_) => {
                let mut bound = record;
                bound.status = SessionStatus::Bound;
                bound.conversation_id = Some(*conversation_id);
                bound.grace_until = None;
                Ok(BindOutcome::Bound(bound))
            }
            Err(err)
                if matches!(
                    err.as_service_error(),
                    Some(TransactWriteItemsError::TransactionCanceledException(_))
                ) =>
            {
                // The successor was bound or replaced first, or a concurrent bind of this ticket
                // won: explain from the ticket as it is now.
                let hash = &record.session_hash;
                match self.get_live(session_pk(hash), now).await? {
                    Some(item) => {
                        let current = session_record(hash, &item)?;
                        Ok(explain_refused_bind(current, conversation_id, now))
                    }
                    None => Ok(BindOutcome::Unknown),
                }
            }
            Err(err) => Err(store_error(err)),
        }
    }

    /// What a cancelled rotation means, read from the old ticket: the outcome to answer, or
    /// `None` when another attempt is worth it (the ticket is live, active and the caller's, so
    /// the transaction lost a race or was throttled).
    async fn explain_cancelled_rotation(
        &self,
        old_hash: &SessionHash,
        subject_key: &str,
        reasons: &[String],
        now: i64,
    ) -> Result<Option<RotateOutcome>, StoreError> {
        let old = match self.get_live(session_pk(old_hash), now).await? {
            Some(item) => session_record(old_hash, &item)?,
            None => return Ok(Some(RotateOutcome::NotFound)),
        };
        if old.subject_key != subject_key {
            return Ok(Some(RotateOutcome::NotFound));
        }
        match old.status {
            SessionStatus::Active => {}
            SessionStatus::Bound => return Ok(Some(RotateOutcome::Used)),
            SessionStatus::Revoked => return Ok(Some(RotateOutcome::Replaced)),
        }
        // The new ticket's hash exists already.
        if reasons
            .get(1)
            .is_some_and(|r| r == "ConditionalCheckFailed")
        {
            return Err(StoreError::Conflict);
        }
        Ok(None)
    }

    /// An update of the session item at `pk`, with the `#status` and `#ttl` names its
    /// expressions use.
    fn status_update(&self, pk: String) -> UpdateBuilder {
        Update::builder()
            .table_name(self.table.as_ref())
            .set_key(Some(Self::key(pk)))
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#ttl", "ttl")
    }

    /// The revoked ticket, bound while its grace lasts.
    fn grace_bind_item(
        &self,
        record: &SessionRecord,
        conversation_id: &GenesysId,
        now: i64,
    ) -> Result<TransactWriteItem, StoreError> {
        let update = "SET #status = :bound, conversation_id = :conv REMOVE grace_until";
        let condition = concat!(
            "#status = :revoked AND grace_until >= :now AND expires_at >= :now",
            " AND #ttl >= :now"
        );
        in_transaction(
            self.status_update(session_pk(&record.session_hash))
                .update_expression(update)
                .condition_expression(condition)
                .expression_attribute_values(":bound", s(SessionStatus::Bound.as_str()))
                .expression_attribute_values(":revoked", s(SessionStatus::Revoked.as_str()))
                .expression_attribute_values(":conv", s(conversation_id.to_string()))
                .expression_attribute_values(":now", n(now)),
        )
    }

    /// The successor revoked, provided it is still active and unused.
    fn revoke_successor_item(
        &self,
        successor_pk: &str,
        now: i64,
    ) -> Result<TransactWriteItem, StoreError> {
        in_transaction(
            self.status_update(successor_pk.to_owned())
                .update_expression("SET #status = :revoked")
                .condition_expression("#status = :active AND #ttl >= :now")
                .expression_attribute_values(":revoked", s(SessionStatus::Revoked.as_str()))
                .expression_attribute_values(":active", s(SessionStatus::Active.as_str()))
                .expression_attribute_values(":now", n(now)),
        )
    }

    fn revoke_item(
        &self,
        old_hash: &SessionHash,
        subject_key: &str,
        new: &SessionRecord,
        grace_until: i64,
        now: i64,
    ) -> Result<TransactWriteItem, StoreError> {
        in_transaction(
            self.status_update(session_pk(old_hash))
                .update_expression(
                    "SET #status = :revoked, grace_until = :grace, successor_pk = :successor",
                )
                .condition_expression("#status = :active AND subject_key = :sk AND #ttl >= :now")
                .expression_attribute_values(":revoked", s(SessionStatus::Revoked.as_str()))
                .expression_attribute_values(":active", s(SessionStatus::Active.as_str()))
                .expression_attribute_values(":sk", s(subject_key))
                .expression_attribute_values(":now", n(now))
                .expression_attribute_values(":grace", n(grace_until))
                .expression_attribute_values(":successor", s(session_pk(&new.session_hash))),
        )
    }

    fn create_item(&self, new: &SessionRecord, now: i64) -> Result<TransactWriteItem, StoreError> {
        let put = Put::builder()
            .table_name(self.table.as_ref())
            .set_item(Some(session_item(new)))
            .condition_expression("attribute_not_exists(pk) OR #ttl < :now")
            .expression_attribute_names("#ttl", "ttl")
            .set_expression_attribute_values(Some(HashMap::from([(":now".to_owned(), n(now))])))
            .build()
            .map_err(unbuilt)?;
        Ok(TransactWriteItem::builder().put(put).build())
    }
}

/// One update of a transaction.
fn in_transaction(update: UpdateBuilder) -> Result<TransactWriteItem, StoreError> {
    let update = update.build().map_err(unbuilt)?;
    Ok(TransactWriteItem::builder().update(update).build())
}

/// Why a bind's condition failed, read from the record as it is now.
fn explain_refused_bind(
    record: SessionRecord,
    conversation_id: &GenesysId,
    now: i64,
) -> BindOutcome {
    match record.status {
        SessionStatus::Revoked => BindOutcome::Revoked,
        // A concurrent bind by the same conversation won the race: same answer as ours.
        SessionStatus::Bound if record.conversation_id.as_ref() == Some(conversation_id) => {
            BindOutcome::Bound(record)
        }
        SessionStatus::Bound => BindOutcome::Replayed,
        SessionStatus::Active if record.expires_at < now => BindOutcome::Expired,
        // Active and unexpired now, so the condition failed on a state that has since changed
        // (a rotation rolled back cannot happen): report it as unknown rather than guess.
        SessionStatus::Active => BindOutcome::Unknown,
    }
}
