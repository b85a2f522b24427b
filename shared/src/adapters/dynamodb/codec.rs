//! Session records to and from DynamoDB items.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::types::AttributeValue;

use super::table::{PARTITION_KEY, TTL_ATTRIBUTE};
use crate::adapters::keys::session_pk;
use crate::payload::GenesysId;
use crate::ports::{SessionRecord, SessionStatus, StoreError};
use crate::session::SessionHash;

type Item = HashMap<String, AttributeValue>;

pub(super) fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

pub(super) fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

/// Lists the attributes whose value is the session hash itself (the schema's computed
/// `session_hash`): the item stores their keys here and never the value.
const HASH_ATTRIBUTES: &str = "hash_attributes";

/// The item for `record`; it holds a digest of the session hash, never the hash: an attribute
/// carrying the hash is stored by name only and filled in again on read.
pub(super) fn session_item(record: &SessionRecord) -> Item {
    let (hashed, plain): (Vec<_>, Vec<_>) = record
        .attributes
        .iter()
        .partition(|(_, v)| v.as_str() == record.session_hash.as_str());
    let attributes = plain
        .into_iter()
        .map(|(k, v)| (k.clone(), s(v.clone())))
        .collect();
    let mut item = HashMap::from([
        (
            PARTITION_KEY.to_owned(),
            s(session_pk(&record.session_hash)),
        ),
        ("subject_key".to_owned(), s(record.subject_key.clone())),
        ("attributes".to_owned(), AttributeValue::M(attributes)),
        ("chain_started_at".to_owned(), n(record.chain_started_at)),
        ("created_at".to_owned(), n(record.created_at)),
        ("expires_at".to_owned(), n(record.expires_at)),
        ("status".to_owned(), s(record.status.as_str())),
        ("refresh_count".to_owned(), n(record.refresh_count)),
        (TTL_ATTRIBUTE.to_owned(), n(record.ttl)),
    ]);
    if let Some(conversation) = &record.conversation_id {
        item.insert("conversation_id".to_owned(), s(conversation.to_string()));
    }
    if let Some(grace_until) = record.grace_until {
        item.insert("grace_until".to_owned(), n(grace_until));
    }
    if let Some(conversation) = &record.initiated_conversation {
        item.insert(
            "initiated_conversation".to_owned(),
            s(conversation.to_string()),
        );
    }
    if !hashed.is_empty() {
        item.insert(
            HASH_ATTRIBUTES.to_owned(),
            AttributeValue::Ss(hashed.into_iter().map(|(k, _)| k.clone()).collect()),
        );
    }
    item
}

/// Reads a session item back; `session_hash` is the caller's (the item only has its digest).
pub(super) fn session_record(
    session_hash: &SessionHash,
    item: &Item,
) -> Result<SessionRecord, StoreError> {
    let mut attributes = match item.get("attributes") {
        Some(AttributeValue::M(map)) => map
            .iter()
            .map(|(k, v)| match v {
                AttributeValue::S(v) => Ok((k.clone(), v.clone())),
                _ => Err(corrupt("attributes")),
            })
            .collect::<Result<BTreeMap<_, _>, _>>()?,
        _ => return Err(corrupt("attributes")),
    };
    match item.get(HASH_ATTRIBUTES) {
        None => {}
        Some(AttributeValue::Ss(keys)) => {
            for key in keys {
                attributes.insert(key.clone(), session_hash.as_str().to_owned());
            }
        }
        Some(_) => return Err(corrupt(HASH_ATTRIBUTES)),
    }
    let status = SessionStatus::parse(string(item, "status")?).ok_or_else(|| corrupt("status"))?;
    let conversation_id = optional_id(item, "conversation_id")?;
    let grace_until = match item.get("grace_until") {
        None => None,
        Some(_) => Some(number(item, "grace_until")?),
    };
    Ok(SessionRecord {
        session_hash: session_hash.clone(),
        subject_key: string(item, "subject_key")?.to_owned(),
        attributes,
        chain_started_at: number(item, "chain_started_at")?,
        created_at: number(item, "created_at")?,
        expires_at: number(item, "expires_at")?,
        status,
        conversation_id,
        refresh_count: u32::try_from(number(item, "refresh_count")?)
            .map_err(|_| corrupt("refresh_count"))?,
        ttl: number(item, TTL_ATTRIBUTE)?,
        grace_until,
        initiated_conversation: optional_id(item, "initiated_conversation")?,
    })
}

pub(super) fn optional_string(item: &Item, name: &str) -> Result<Option<String>, StoreError> {
    match item.get(name) {
        None => Ok(None),
        Some(AttributeValue::S(v)) => Ok(Some(v.clone())),
        Some(_) => Err(corrupt(name)),
    }
}

fn optional_id(item: &Item, name: &str) -> Result<Option<GenesysId>, StoreError> {
    optional_string(item, name)?
        .map(|id| GenesysId::parse(&id, "conversationId").map_err(|_| corrupt(name)))
        .transpose()
}

pub(super) fn string<'a>(item: &'a Item, name: &str) -> Result<&'a str, StoreError> {
    match item.get(name) {
        Some(AttributeValue::S(v)) => Ok(v),
        _ => Err(corrupt(name)),
    }
}

pub(super) fn number(item: &Item, name: &str) -> Result<i64, StoreError> {
    match item.get(name) {
        Some(AttributeValue::N(v)) => v.parse().map_err(|_| corrupt(name)),
        _ => Err(corrupt(name)),
    }
}

pub(super) fn corrupt(attribute: &str) -> StoreError {
    StoreError::Corrupt(format!(
        "attribute `{attribute}` is missing or has the wrong type"
    ))
}
