//! The DynamoDB store: sessions, rate-limit counters and idempotency records in ONE table.
//!
//! # Table
//! | attribute | type | meaning |
//! | --- | --- | --- |
//! | `pk` | S, partition key (no sort key) | `session#<sha256(session_hash), base64url>`, `rate#<subject_key>#<window index>`, `idem#<key>`, `idembody#<key>`, `pending#<subject_key>` |
//! | `ttl` | N, the table's TTL attribute | Unix seconds after which the item counts as gone |
//!
//! Billing on demand (`PAY_PER_REQUEST`), TTL enabled on `ttl`; [`DynamoStore::create_table`]
//! creates exactly that and the SAM template mirrors it. Other attributes per item type:
//! - session: `subject_key` S, `attributes` M of S, `chain_started_at`/`created_at`/`expires_at`/
//!   `refresh_count` N, `status` S (`active|bound|revoked`), `conversation_id` S once bound. The
//!   raw session hash is never written: the key is its SHA-256, so a leaked table or backup holds
//!   no value that validates.
//! - rate: `count` N.
//! - pending creates (`pending#<subject_key>`, one item per subject): `subject_key` S and
//!   `creates` M, each entry under its create's id a map of `sealed_hash` B (the session hash
//!   the create carries, sealed), `started_at` N, `in_flight_until_ms` N and `ttl` N; the
//!   item's `ttl` is the latest of its entries' (see `pending`).
//! - idempotency: `fingerprint` S, `state` S (`in_progress|completed`), `created_at` N, and once
//!   completed `status_code` N and `body_until` N; its `ttl` is then the key's retention (a
//!   spent key answers `409` for a day after its ticket ended). The sealed body is a separate
//!   item, `idembody#<key>` with `body` B, whose `ttl` is its ticket's end.
//!
//! # Expiry
//! DynamoDB deletes expired items late (often hours, sometimes days), so every read and every
//! condition treats an item whose `ttl` has passed as absent. The in-memory store does the same.
//!
//! # Errors
//! Throttling (`ProvisionedThroughputExceededException`, `ThrottlingException`,
//! `RequestLimitExceeded`) becomes [`StoreError::Throttled`]; any other failure
//! [`StoreError::Unavailable`]; a failed condition becomes the operation's typed outcome.

mod codec;
mod counters;
mod idempotency;
mod pending;
mod sessions;
mod store;
mod table;

pub use store::DynamoStore;
pub use table::{PARTITION_KEY, TTL_ATTRIBUTE};

#[cfg(doc)]
use crate::ports::StoreError;
