//! One conformance suite for every session-store adapter: each case runs against the in-memory
//! store and against DynamoDB on a fresh moto server (real AWS SDK calls).

#![allow(clippy::unwrap_used, clippy::panic, clippy::expect_used)]

#[path = "store_conformance/cases.rs"]
mod cases;
#[path = "store_conformance/pending.rs"]
mod pending;
#[path = "store_conformance/refresh.rs"]
mod refresh;
#[path = "store_conformance/security.rs"]
mod security;

use std::sync::Arc;

use aws_sdk_dynamodb::types::AttributeValue;
use secure_initiation::adapters::{DynamoStore, MemoryStore};
use secure_initiation::http::bytes_response;
use secure_initiation::idempotency::{Created, Idempotency, IdempotencyKey, Keyed};
use secure_initiation::ports::{IdempotencyStore, ManualClock, RateLimiter, SessionStore};
use secure_initiation::session::SessionKeys;
use test_support::moto::MotoServer;
use test_support::serial_proxy::SerialProxy;

/// Every port the adapters implement, as one object.
pub trait Store: SessionStore + RateLimiter + IdempotencyStore {}
impl<T: SessionStore + RateLimiter + IdempotencyStore> Store for T {}

/// A store under test, its clock, and whatever keeps its backend alive.
#[derive(Debug)]
pub struct Backend {
    pub store: Arc<dyn Store>,
    pub clock: ManualClock,
    pub moto: Option<(MotoServer, String)>,
    pub proxy: Option<SerialProxy>,
}

/// The time every case starts at (ms).
pub const START_MS: i64 = 1_700_000_000_000;

async fn memory() -> Backend {
    let clock = ManualClock::new(START_MS);
    Backend {
        store: Arc::new(MemoryStore::new(Arc::new(clock.clone()))),
        clock,
        moto: None,
        proxy: None,
    }
}

async fn dynamodb() -> Backend {
    let moto = match MotoServer::start().await {
        Ok(moto) => moto,
        Err(e) => panic!("this suite needs moto: {e}"),
    };
    // Through the serialising proxy: see `test_support::serial_proxy` for why moto needs it.
    let proxy = SerialProxy::start(moto.endpoint()).await.unwrap();
    let config = aws_sdk_dynamodb::config::Builder::from(&moto.sdk_config())
        .endpoint_url(proxy.url())
        .build();
    let client = aws_sdk_dynamodb::Client::from_conf(config);
    let table = "sessions";
    DynamoStore::create_table(&client, table).await.unwrap();
    let clock = ManualClock::new(START_MS);
    Backend {
        store: Arc::new(DynamoStore::new(client, table, Arc::new(clock.clone()))),
        clock,
        moto: Some((moto, table.to_owned())),
        proxy: Some(proxy),
    }
}

/// Every case, whichever file holds it.
mod cases_and_security {
    pub use super::cases::*;
    pub use super::pending::*;
    pub use super::refresh::*;
    pub use super::security::*;
}

macro_rules! conformance {
    ($($case:ident),* $(,)?) => {
        mod memory {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    super::cases_and_security::$case(super::memory().await).await;
                }
            )*
        }
        mod dynamodb {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    super::cases_and_security::$case(super::dynamodb().await).await;
                }
            )*
        }
    };
}

conformance!(
    a_created_session_reads_back_equal,
    a_session_without_attributes_reads_back_equal,
    creating_the_same_hash_twice_conflicts,
    an_unknown_hash_reads_as_none,
    a_session_past_its_ttl_counts_as_gone,
    the_first_bind_wins_and_the_same_conversation_may_ask_again,
    binding_a_revoked_session_answers_revoked,
    binding_an_expired_session_answers_expired,
    binding_an_unknown_hash_answers_unknown,
    a_bound_session_past_its_expiry_still_answers_its_own_conversation,
    rotation_revokes_the_old_ticket_and_stores_the_new_one,
    rotation_by_another_subject_is_not_found_and_changes_nothing,
    rotation_of_a_bound_ticket_is_used_and_stores_nothing,
    rotation_of_a_revoked_ticket_is_replaced,
    rotation_of_an_unknown_hash_is_not_found,
    rotation_into_an_existing_hash_changes_neither,
    the_rate_limit_allows_exactly_n_per_window_then_limits,
    a_new_window_resets_the_rate_limit,
    rate_limits_are_counted_per_subject,
    a_limit_of_zero_allows_nothing,
    a_completed_idempotency_key_replays_its_response,
    an_idempotency_key_reused_for_another_request_is_a_mismatch,
    an_idempotency_key_still_running_answers_in_progress,
    an_abandoned_idempotency_key_can_be_claimed_again,
    abandoning_a_completed_key_keeps_its_response,
    a_completed_key_is_spent_after_its_body_and_free_after_its_retention,
    completing_an_unclaimed_key_conflicts,
    concurrent_binds_of_one_hash_bind_exactly_one_conversation,
    concurrent_hits_allow_exactly_the_limit,
    a_just_replaced_ticket_binds_within_its_grace_and_revokes_its_successor,
    a_replaced_ticket_answers_revoked_after_its_grace_or_once_its_successor_bound,
    the_conversation_a_strategy_created_is_recorded_on_its_ticket,
    a_claim_whose_holder_vanished_is_free_after_its_deadline_and_not_before,
    a_spent_idempotency_key_answers_409_for_a_day_after_its_ticket_ended,
    a_spent_key_keeps_no_sealed_body_once_its_ticket_ended,
    a_validation_that_binds_during_a_refresh_keeps_its_conversation,
    a_ticket_replaced_under_initiation_api_never_binds_afterwards,
    racing_refreshes_and_validations_never_end_a_validated_conversation,
    several_pending_creates_of_one_subject_are_all_kept,
    clearing_a_pending_create_clears_exactly_its_own,
    a_pending_create_recorded_again_replaces_only_itself,
    pending_creates_are_kept_per_subject,
    a_pending_create_past_its_ttl_is_gone_and_its_siblings_stay,
    a_create_with_an_earlier_ttl_does_not_shorten_its_siblings,
    a_subject_holds_at_most_the_maximum_of_live_pending_creates,
    concurrent_recordings_and_clears_of_one_subject_all_land,
);

/// DynamoDB only: the table never holds a raw session hash (only its digest), neither in a
/// session item nor in an idempotency record (whose remembered `201` is sealed), nor the Genesys
/// conversation token that `201` carries.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dynamodb_table_never_holds_a_raw_session_hash() {
    let backend = dynamodb().await;
    let mut record = cases::record("subject-a");
    // The schema's computed `session_hash` attribute carries the hash itself.
    record.attributes.insert(
        "session_hash".to_owned(),
        record.session_hash.as_str().to_owned(),
    );
    backend.store.create_session(&record).await.unwrap();
    assert_eq!(
        backend
            .store
            .get_session(&record.session_hash)
            .await
            .unwrap(),
        Some(record.clone()),
        "the attribute reads back"
    );

    // A keyed initiation remembered through the idempotency protocol.
    let token = "genesys-conversation-token-5f2c9a";
    let body = serde_json::json!({
        "strategy": "initiation-api",
        "sessionHash": record.session_hash.as_str(),
        "token": token,
    })
    .to_string();
    let idempotency = idempotency(&backend);
    let mut headers = http::HeaderMap::new();
    headers.insert("idempotency-key", "key-1".parse().unwrap());
    let key = IdempotencyKey::from_headers(&headers).unwrap().unwrap();
    let keyed = Keyed {
        key: &key,
        subject_key: &record.subject_key,
        request: b"{}",
        deadline_ms: Some(START_MS + 15_000),
        ticket_ttl_secs: 60,
    };
    let created = || async {
        Ok(Created {
            response: bytes_response(http::StatusCode::CREATED, body.clone().into_bytes()),
            session_hash: record.session_hash.clone(),
            expires_at: record.expires_at,
        })
    };
    let first = idempotency.run(&keyed, created).await.unwrap();
    let replay = idempotency
        .run(&keyed, || async { panic!("a replay creates nothing") })
        .await
        .unwrap();
    assert_eq!(replay.body(), first.body(), "the sealed record replays");

    let (moto, table) = backend.moto.as_ref().unwrap();
    let scan = moto
        .dynamodb()
        .scan()
        .table_name(table)
        .send()
        .await
        .unwrap();
    let items = scan.items();
    assert_eq!(
        items.len(),
        3,
        "the session, the idempotency record and its sealed body"
    );
    let dump = format!("{items:?}");
    assert!(dump.contains("session#") && dump.contains("idem#") && dump.contains("idembody#"));
    assert!(!dump.contains(record.session_hash.as_str()));
    assert!(!dump.contains(token));
    for item in items {
        if let Some(AttributeValue::B(sealed)) = item.get("body") {
            let sealed = sealed.as_ref();
            assert!(!sealed.windows(token.len()).any(|w| w == token.as_bytes()));
        }
    }
}

/// DynamoDB only: a subject's pending creates are one item (one read per request, whatever
/// their count), which expires only after the last of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dynamodb_table_keeps_a_subject_s_pending_creates_in_one_item_that_expires_last() {
    let backend = dynamodb().await;
    let subject = cases::record("subject-a").subject_key;
    for (i, ttl) in [(0, 900), (1, 1800), (2, 600)] {
        let create = pending::pending(&subject, &format!("tab-{i}"), i, pending::NOW + ttl);
        backend.store.put_pending_create(&create).await.unwrap();
    }

    let (moto, table) = backend.moto.as_ref().unwrap();
    let scan = moto
        .dynamodb()
        .scan()
        .table_name(table)
        .send()
        .await
        .unwrap();
    let items = scan.items();
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(
        items[0]["pk"].as_s().unwrap(),
        &format!("pending#{subject}")
    );
    assert_eq!(
        items[0]["ttl"].as_n().unwrap(),
        &(pending::NOW + 1800).to_string(),
        "the item's ttl is its latest create's"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_forged_in_the_dynamodb_table_does_not_replay() {
    security::a_status_changed_in_the_table_does_not_replay(dynamodb().await).await;
}

/// The idempotency protocol over a backend, with the suite's keys.
fn idempotency(backend: &Backend) -> Idempotency {
    let store: Arc<dyn IdempotencyStore> = backend.store.clone();
    let sessions: Arc<dyn SessionStore> = backend.store.clone();
    Idempotency::new(
        store,
        sessions,
        Arc::new(SessionKeys::from_secret(&[42u8; 32]).unwrap()),
        Arc::new(backend.clock.clone()),
    )
    .unwrap()
}
