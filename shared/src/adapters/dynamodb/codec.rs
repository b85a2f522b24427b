//! Session records to and from DynamoDB items.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::types::AttributeValue;

use super::{PARTITION_KEY, TTL_ATTRIBUTE};
use crate::adapters::keys::session_pk;
use crate::ports::{SessionRecord, SessionStatus, StoreError};

type Item = HashMap<String, AttributeValue>;

pub(super) fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

pub(super) fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

/// The item for `record`; it holds a digest of the session hash, never the hash.
pub(super) fn session_item(record: &SessionRecord) -> Item {
    let attributes = record
        .attributes
        .iter()
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
        item.insert("conversation_id".to_owned(), s(conversation.clone()));
    }
    item
}

/// Reads a session item back; `session_hash` is the caller's (the item only has its digest).
pub(super) fn session_record(session_hash: &str, item: &Item) -> Result<SessionRecord, StoreError> {
    let attributes = match item.get("attributes") {
        Some(AttributeValue::M(map)) => map
            .iter()
            .map(|(k, v)| match v {
                AttributeValue::S(v) => Ok((k.clone(), v.clone())),
                _ => Err(corrupt("attributes")),
            })
            .collect::<Result<BTreeMap<_, _>, _>>()?,
        _ => return Err(corrupt("attributes")),
    };
    let status = SessionStatus::parse(string(item, "status")?).ok_or_else(|| corrupt("status"))?;
    let conversation_id = match item.get("conversation_id") {
        None => None,
        Some(AttributeValue::S(c)) => Some(c.clone()),
        Some(_) => return Err(corrupt("conversation_id")),
    };
    Ok(SessionRecord {
        session_hash: session_hash.to_owned(),
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
    })
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
