//! Pending creates on DynamoDB (see `api::pending`): one item per subject, `pending#<subject_key>`,
//! holding the subject's creates in the map `creates` under their ids.
//!
//! - Recording one is `SET creates.#id = :create`: one atomic UpdateItem that touches no other
//!   entry, so concurrent recordings of one subject all land, and recording the same id again
//!   replaces only that entry. Its condition `size(creates) < :max` (unless the id is there
//!   already) bounds the item at [`MAX_PENDING_CREATES`].
//! - Clearing one is `REMOVE creates.#id`: exactly its own.
//! - Reading is one consistent GetItem: one item per subject and request, whatever its count.
//!
//! Every entry carries its own `ttl`, which decides when it counts as gone. The item's `ttl` is
//! the latest of its entries' (a recording raises it, never lowers it), so DynamoDB deletes the
//! item only once every entry in it has lapsed. An item whose `ttl` passed is started afresh by
//! the next recording, which drops what lapsed in it; a live item sheds its lapsed entries when
//! a recording finds it full or must read it.

use std::collections::HashMap;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;

use super::codec::{corrupt, n, number, s};
use super::store::DynamoStore;
use super::table::{TTL_ATTRIBUTE, conditional};
use crate::adapters::keys::pending_pk;
use crate::ports::{MAX_PENDING_CREATES, PendingCreate, StoreError};

type Item = HashMap<String, AttributeValue>;

const CREATES: &str = "creates";
const SEALED_HASH: &str = "sealed_hash";
const STARTED_AT: &str = "started_at";
const IN_FLIGHT_UNTIL_MS: &str = "in_flight_until_ms";

/// Rounds of a recording that found the item changed under it (created, filled or renewed by
/// another request of the subject at the same moment).
const PUT_ATTEMPTS: usize = 4;

/// Whether a recording may raise the item's `ttl` to its own, or must find a later one there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ttl {
    Raise,
    Keep,
}

impl DynamoStore {
    pub(super) async fn put_pending(&self, pending: &PendingCreate) -> Result<(), StoreError> {
        let pk = pending_pk(&pending.subject_key);
        for _ in 0..PUT_ATTEMPTS {
            let now = self.clock.now_secs();
            // The common case: the subject's item is live and this create's ttl is the latest.
            if self.add_entry(pending, Ttl::Raise, now).await? {
                return Ok(());
            }
            let Some(item) = self.get_live(pk.clone(), now).await? else {
                if self.start_afresh(pending, now).await? {
                    return Ok(());
                }
                continue;
            };
            let entries = entries(&item)?;
            let lapsed: Vec<&str> = entries
                .iter()
                .filter(|(_, entry)| number(entry, TTL_ATTRIBUTE).is_ok_and(|ttl| ttl < now))
                .map(|(id, _)| id.as_str())
                .collect();
            if !lapsed.is_empty() {
                self.remove_entries(&pk, &lapsed).await?;
                continue;
            }
            if entries.len() >= MAX_PENDING_CREATES && !entries.contains_key(&pending.id) {
                return Err(StoreError::Full);
            }
            // Live, with room: the item holds a later ttl than this create's.
            if self.add_entry(pending, Ttl::Keep, now).await? {
                return Ok(());
            }
        }
        Err(StoreError::Unavailable(
            "the subject's pending creates kept changing during the recording".into(),
        ))
    }

    /// `SET creates.#id` on a live item with room, raising its ttl or finding a later one:
    /// whether the condition held.
    async fn add_entry(
        &self,
        pending: &PendingCreate,
        ttl: Ttl,
        now: i64,
    ) -> Result<bool, StoreError> {
        let room = "attribute_exists(#creates) AND (size(#creates) < :max OR attribute_exists(#creates.#id))";
        let (update, condition) = match ttl {
            Ttl::Raise => (
                "SET #creates.#id = :entry, #ttl = :ttl",
                format!("#ttl BETWEEN :now AND :ttl AND {room}"),
            ),
            Ttl::Keep => (
                "SET #creates.#id = :entry",
                format!("#ttl > :ttl AND #ttl >= :now AND {room}"),
            ),
        };
        let result = self
            .client
            .update_item()
            .table_name(self.table.as_ref())
            .set_key(Some(Self::key(pending_pk(&pending.subject_key))))
            .update_expression(update)
            .condition_expression(condition)
            .expression_attribute_names("#creates", CREATES)
            .expression_attribute_names("#id", pending.id.clone())
            .expression_attribute_names("#ttl", TTL_ATTRIBUTE)
            .expression_attribute_values(":entry", entry(pending))
            .expression_attribute_values(":ttl", n(pending.ttl))
            .expression_attribute_values(":now", n(now))
            .expression_attribute_values(":max", n(MAX_PENDING_CREATES))
            .send()
            .await;
        Ok(conditional(result)?.is_some())
    }

    /// The subject's item made anew with this create alone, where none is live (absent, or
    /// lapsed and not deleted yet: its entries lapsed with it): whether none was.
    async fn start_afresh(&self, pending: &PendingCreate, now: i64) -> Result<bool, StoreError> {
        let creates = HashMap::from([(pending.id.clone(), entry(pending))]);
        let result = self
            .client
            .update_item()
            .table_name(self.table.as_ref())
            .set_key(Some(Self::key(pending_pk(&pending.subject_key))))
            .update_expression("SET subject_key = :subject, #creates = :creates, #ttl = :ttl")
            .condition_expression("attribute_not_exists(#ttl) OR #ttl < :now")
            .expression_attribute_names("#creates", CREATES)
            .expression_attribute_names("#ttl", TTL_ATTRIBUTE)
            .expression_attribute_values(":subject", s(pending.subject_key.clone()))
            .expression_attribute_values(":creates", AttributeValue::M(creates))
            .expression_attribute_values(":ttl", n(pending.ttl))
            .expression_attribute_values(":now", n(now))
            .send()
            .await;
        Ok(conditional(result)?.is_some())
    }

    /// `REMOVE` of lapsed entries (whoever removes one first, it is gone either way).
    async fn remove_entries(&self, pk: &str, ids: &[&str]) -> Result<(), StoreError> {
        let mut request = self
            .client
            .update_item()
            .table_name(self.table.as_ref())
            .set_key(Some(Self::key(pk.to_owned())))
            .condition_expression("attribute_exists(#creates)")
            .expression_attribute_names("#creates", CREATES);
        let mut paths = Vec::with_capacity(ids.len());
        for (i, id) in ids.iter().enumerate() {
            request = request.expression_attribute_names(format!("#e{i}"), *id);
            paths.push(format!("#creates.#e{i}"));
        }
        let result = request
            .update_expression(format!("REMOVE {}", paths.join(", ")))
            .send()
            .await;
        conditional(result)?;
        Ok(())
    }

    pub(super) async fn read_pending(
        &self,
        subject_key: &str,
    ) -> Result<Vec<PendingCreate>, StoreError> {
        let now = self.clock.now_secs();
        let Some(item) = self.get_live(pending_pk(subject_key), now).await? else {
            return Ok(Vec::new());
        };
        let mut pending = entries(&item)?
            .iter()
            .map(|(id, entry)| pending_create(subject_key, id, entry))
            .collect::<Result<Vec<_>, _>>()?;
        pending.retain(|p| p.ttl >= now);
        pending.sort_by(|a, b| (a.started_at, &a.id).cmp(&(b.started_at, &b.id)));
        Ok(pending)
    }

    pub(super) async fn clear_pending(
        &self,
        subject_key: &str,
        id: &str,
    ) -> Result<(), StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(self.table.as_ref())
            .set_key(Some(Self::key(pending_pk(subject_key))))
            .update_expression("REMOVE #creates.#id")
            .condition_expression("attribute_exists(#creates.#id)")
            .expression_attribute_names("#creates", CREATES)
            .expression_attribute_names("#id", id)
            .send()
            .await;
        // A failed condition: it is gone already (cleared by another request, or lapsed).
        conditional(result)?;
        Ok(())
    }
}

/// One entry of the `creates` map.
fn entry(pending: &PendingCreate) -> AttributeValue {
    AttributeValue::M(HashMap::from([
        (
            SEALED_HASH.to_owned(),
            AttributeValue::B(Blob::new(pending.sealed_hash.clone())),
        ),
        (STARTED_AT.to_owned(), n(pending.started_at)),
        (IN_FLIGHT_UNTIL_MS.to_owned(), n(pending.in_flight_until_ms)),
        (TTL_ATTRIBUTE.to_owned(), n(pending.ttl)),
    ]))
}

/// The item's `creates` map, each entry as a map of its own.
fn entries(item: &Item) -> Result<HashMap<String, Item>, StoreError> {
    let Some(AttributeValue::M(creates)) = item.get(CREATES) else {
        return Err(corrupt(CREATES));
    };
    creates
        .iter()
        .map(|(id, entry)| match entry {
            AttributeValue::M(entry) => Ok((id.clone(), entry.clone())),
            _ => Err(corrupt(CREATES)),
        })
        .collect()
}

fn pending_create(subject_key: &str, id: &str, entry: &Item) -> Result<PendingCreate, StoreError> {
    let sealed_hash = match entry.get(SEALED_HASH) {
        Some(AttributeValue::B(blob)) => blob.clone().into_inner(),
        _ => return Err(corrupt(SEALED_HASH)),
    };
    Ok(PendingCreate {
        subject_key: subject_key.to_owned(),
        id: id.to_owned(),
        sealed_hash,
        started_at: number(entry, STARTED_AT)?,
        in_flight_until_ms: number(entry, IN_FLIGHT_UNTIL_MS)?,
        ttl: number(entry, TTL_ATTRIBUTE)?,
    })
}
