//! [`SessionStore`] on DynamoDB: conditional writes decide, a consistent read explains a refusal.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{Put, ReturnValue, TransactWriteItem, Update};

use super::codec::{n, optional_string, s, session_item, session_record};
use super::{DynamoStore, is_condition_failure, store_error};
use crate::adapters::keys::session_pk;
use crate::ports::{
    BindOutcome, RotateOutcome, SessionRecord, SessionStatus, SessionStore, StoreError,
};

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
        match result {
            Ok(_) => Ok(()),
            Err(err) if is_condition_failure(&err) => Err(StoreError::Conflict),
            Err(err) => Err(store_error(err)),
        }
    }

    #[tracing::instrument(name = "store_get_session", skip_all)]
    async fn get_session(&self, session_hash: &str) -> Result<Option<SessionRecord>, StoreError> {
        self.get_live(session_pk(session_hash), self.clock.now_secs())
            .await?
            .map(|item| session_record(session_hash, &item))
            .transpose()
    }

    #[tracing::instrument(name = "store_bind_session", skip_all)]
    async fn bind_session(
        &self,
        session_hash: &str,
        conversation_id: &str,
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
            .expression_attribute_values(":conv", s(conversation_id))
            .expression_attribute_values(":now", n(now_secs))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match result {
            Ok(out) => {
                let item = out.attributes.unwrap_or_default();
                Ok(BindOutcome::Bound(session_record(session_hash, &item)?))
            }
            Err(err) if is_condition_failure(&err) => {
                let Some(item) = self.get_live(session_pk(session_hash), now_secs).await? else {
                    return Ok(BindOutcome::Unknown);
                };
                let record = session_record(session_hash, &item)?;
                let successor = optional_string(&item, SUCCESSOR)?;
                match successor {
                    Some(successor) if in_grace(&record, now_secs) => {
                        self.bind_in_grace(record, &successor, conversation_id, now_secs)
                            .await
                    }
                    _ => Ok(explain_refused_bind(record, conversation_id, now_secs)),
                }
            }
            Err(err) => Err(store_error(err)),
        }
    }

    #[tracing::instrument(name = "store_record_conversation", skip_all)]
    async fn record_conversation(
        &self,
        session_hash: &str,
        conversation_id: &str,
    ) -> Result<(), StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(self.table.as_ref())
            .set_key(Some(Self::key(session_pk(session_hash))))
            .update_expression("SET initiated_conversation = :conv")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":conv", s(conversation_id))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err) if is_condition_failure(&err) => {
                Err(StoreError::Corrupt("no such session".into()))
            }
            Err(err) => Err(store_error(err)),
        }
    }

    #[tracing::instrument(name = "store_rotate_session", skip_all)]
    async fn rotate_session(
        &self,
        old_hash: &str,
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
            let reasons: Vec<String> = match err.as_service_error() {
                Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) => cancelled
                    .cancellation_reasons()
                    .iter()
                    .map(|r| r.code().unwrap_or("None").to_owned())
                    .collect(),
                Some(TransactWriteItemsError::TransactionInProgressException(_)) => {
                    vec!["TransactionInProgress".to_owned()]
                }
                _ => return Err(store_error(err)),
            };
            tracing::debug!(?reasons, "rotation cancelled");
            // Explain from the old record; only a live, active, matching one is worth a retry.
            let old = match self.get_live(session_pk(old_hash), now).await? {
                Some(item) => session_record(old_hash, &item)?,
                None => return Ok(RotateOutcome::NotFound),
            };
            if old.subject_key != subject_key {
                return Ok(RotateOutcome::NotFound);
            }
            if old.status != SessionStatus::Active {
                return Ok(RotateOutcome::NotActive);
            }
            if reasons
                .get(1)
                .is_some_and(|r| r == "ConditionalCheckFailed")
            {
                return Err(StoreError::Conflict);
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
        conversation_id: &str,
        now: i64,
    ) -> Result<BindOutcome, StoreError> {
        let bind = Update::builder()
            .table_name(self.table.as_ref())
            .set_key(Some(Self::key(session_pk(&record.session_hash))))
            .update_expression("SET #status = :bound, conversation_id = :conv REMOVE grace_until")
            .condition_expression(
                "#status = :revoked AND grace_until >= :now AND expires_at >= :now AND #ttl >= :now",
            )
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(":bound", s(SessionStatus::Bound.as_str()))
            .expression_attribute_values(":revoked", s(SessionStatus::Revoked.as_str()))
            .expression_attribute_values(":conv", s(conversation_id))
            .expression_attribute_values(":now", n(now))
            .build()
            .map_err(|e| StoreError::Unavailable(Box::new(e)))?;
        let revoke_successor = Update::builder()
            .table_name(self.table.as_ref())
            .set_key(Some(Self::key(successor_pk.to_owned())))
            .update_expression("SET #status = :revoked")
            .condition_expression("#status = :active AND #ttl >= :now")
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(":revoked", s(SessionStatus::Revoked.as_str()))
            .expression_attribute_values(":active", s(SessionStatus::Active.as_str()))
            .expression_attribute_values(":now", n(now))
            .build()
            .map_err(|e| StoreError::Unavailable(Box::new(e)))?;
        let result = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().update(bind).build())
            .transact_items(
                TransactWriteItem::builder()
                    .update(revoke_successor)
                    .build(),
            )
            .send()
            .await;
        match result {
            Ok(_) => {
                let mut bound = record;
                bound.status = SessionStatus::Bound;
                bound.conversation_id = Some(conversation_id.to_owned());
                bound.grace_until = None;
                Ok(BindOutcome::Bound(bound))
            }
            Err(err) => {
                if !matches!(
                    err.as_service_error(),
                    Some(TransactWriteItemsError::TransactionCanceledException(_))
                ) {
                    return Err(store_error(err));
                }
                // The successor was bound or replaced first, or a concurrent bind of this ticket
                // won: explain from the ticket as it is now.
                let hash = record.session_hash.clone();
                match self.get_live(session_pk(&hash), now).await? {
                    Some(item) => {
                        let current = session_record(&hash, &item)?;
                        Ok(explain_refused_bind(current, conversation_id, now))
                    }
                    None => Ok(BindOutcome::Unknown),
                }
            }
        }
    }

    fn revoke_item(
        &self,
        old_hash: &str,
        subject_key: &str,
        new: &SessionRecord,
        grace_until: i64,
        now: i64,
    ) -> Result<TransactWriteItem, StoreError> {
        let update = Update::builder()
            .table_name(self.table.as_ref())
            .set_key(Some(Self::key(session_pk(old_hash))))
            .update_expression(
                "SET #status = :revoked, grace_until = :grace, successor_pk = :successor",
            )
            .condition_expression("#status = :active AND subject_key = :sk AND #ttl >= :now")
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(":revoked", s(SessionStatus::Revoked.as_str()))
            .expression_attribute_values(":active", s(SessionStatus::Active.as_str()))
            .expression_attribute_values(":sk", s(subject_key))
            .expression_attribute_values(":now", n(now))
            .expression_attribute_values(":grace", n(grace_until))
            .expression_attribute_values(":successor", s(session_pk(&new.session_hash)))
            .build()
            .map_err(|e| StoreError::Unavailable(Box::new(e)))?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    fn create_item(&self, new: &SessionRecord, now: i64) -> Result<TransactWriteItem, StoreError> {
        let put = Put::builder()
            .table_name(self.table.as_ref())
            .set_item(Some(session_item(new)))
            .condition_expression("attribute_not_exists(pk) OR #ttl < :now")
            .expression_attribute_names("#ttl", "ttl")
            .set_expression_attribute_values(Some(HashMap::from([(":now".to_owned(), n(now))])))
            .build()
            .map_err(|e| StoreError::Unavailable(Box::new(e)))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }
}

/// Why a bind's condition failed, read from the record as it is now.
fn explain_refused_bind(record: SessionRecord, conversation_id: &str, now: i64) -> BindOutcome {
    match record.status {
        SessionStatus::Revoked => BindOutcome::Revoked,
        // A concurrent bind by the same conversation won the race: same answer as ours.
        SessionStatus::Bound if record.conversation_id.as_deref() == Some(conversation_id) => {
            BindOutcome::Bound(record)
        }
        SessionStatus::Bound => BindOutcome::Replayed,
        SessionStatus::Active if record.expires_at < now => BindOutcome::Expired,
        // Active and unexpired now, so the condition failed on a state that has since changed
        // (a rotation rolled back cannot happen): report it as unknown rather than guess.
        SessionStatus::Active => BindOutcome::Unknown,
    }
}
