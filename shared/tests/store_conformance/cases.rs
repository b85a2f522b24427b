//! The cases of the store conformance suite, generic over the backend.

use std::collections::BTreeMap;
use std::sync::Arc;

use secure_initiation::payload::GenesysId;
use secure_initiation::ports::{
    BindOutcome, IdempotencyBegin, IdempotencyClaim, IdempotencyCompletion, RateDecision,
    RotateOutcome, SessionRecord, SessionStatus, StoreError,
};
use secure_initiation::session::SessionKeys;

use super::{Backend, START_MS};

const NOW: i64 = START_MS / 1000;
const CONV_A: &str = "2f5d1c7e-0b7a-4c1e-9a55-6d0d3c1e2a01";
const CONV_B: &str = "8e1b7a3c-5d2f-4f6e-8b9a-0c1d2e3f4a5b";

fn conv(id: &str) -> GenesysId {
    GenesysId::parse(id, "conversationId").unwrap()
}
/// A rotation whose old ticket gets no grace (it ended before the case's first bind).
const NO_GRACE: i64 = NOW - 1;

/// A claim on `key` by the request `fingerprint` at `now_secs`, lapsing at `until`.
fn claim<'a>(
    key: &'a str,
    fingerprint: &'a str,
    now_secs: i64,
    until: i64,
) -> IdempotencyClaim<'a> {
    IdempotencyClaim {
        key,
        fingerprint,
        now_secs,
        until,
    }
}

/// A completion of `key` whose body lives until `body_until` and the key until `spent_until`.
fn completion<'a>(
    key: &'a str,
    status: u16,
    sealed_body: &'a [u8],
    body_until: i64,
    spent_until: i64,
) -> IdempotencyCompletion<'a> {
    IdempotencyCompletion {
        key,
        status,
        sealed_body,
        body_until,
        spent_until,
    }
}

fn keys() -> SessionKeys {
    SessionKeys::from_secret(&[42u8; 32]).unwrap()
}

/// A fresh active ticket: issued now, valid 60 s, kept an hour.
pub fn record(subject: &str) -> SessionRecord {
    let keys = keys();
    SessionRecord {
        session_hash: keys.mint(),
        subject_key: keys.subject_key(subject),
        attributes: BTreeMap::from([
            ("priority_tier".to_owned(), "2".to_owned()),
            ("geo_segment".to_owned(), "na-east".to_owned()),
        ]),
        chain_started_at: NOW,
        created_at: NOW,
        expires_at: NOW + 60,
        status: SessionStatus::Active,
        conversation_id: None,
        refresh_count: 0,
        ttl: NOW + 3600,
        grace_until: None,
        initiated_conversation: None,
    }
}

fn successor(old: &SessionRecord) -> SessionRecord {
    let mut new = record("unused");
    new.subject_key = old.subject_key.clone();
    new.chain_started_at = old.chain_started_at;
    new.refresh_count = old.refresh_count + 1;
    new
}

async fn created(b: &Backend, subject: &str) -> SessionRecord {
    let r = record(subject);
    b.store.create_session(&r).await.unwrap();
    r
}

pub async fn a_created_session_reads_back_equal(b: Backend) {
    let r = created(&b, "user-1").await;
    assert_eq!(b.store.get_session(&r.session_hash).await.unwrap(), Some(r));
}

pub async fn a_session_without_attributes_reads_back_equal(b: Backend) {
    let mut r = record("user-1");
    r.attributes.clear();
    r.refresh_count = 4;
    b.store.create_session(&r).await.unwrap();
    assert_eq!(b.store.get_session(&r.session_hash).await.unwrap(), Some(r));
}

pub async fn creating_the_same_hash_twice_conflicts(b: Backend) {
    let r = created(&b, "user-1").await;
    let err = b.store.create_session(&r).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict), "{err:?}");
}

pub async fn an_unknown_hash_reads_as_none(b: Backend) {
    let r = record("user-1");
    assert_eq!(b.store.get_session(&r.session_hash).await.unwrap(), None);
}

pub async fn a_session_past_its_ttl_counts_as_gone(b: Backend) {
    let r = created(&b, "user-1").await;
    b.clock.set_ms((r.ttl + 1) * 1000);
    assert_eq!(b.store.get_session(&r.session_hash).await.unwrap(), None);
    let bind = b
        .store
        .bind_session(&r.session_hash, &conv(CONV_A), r.ttl + 1)
        .await;
    assert_eq!(bind.unwrap(), BindOutcome::Unknown);
    // Its hash may be issued again once the old record is gone.
    b.store.create_session(&r).await.unwrap();
}

pub async fn the_first_bind_wins_and_the_same_conversation_may_ask_again(b: Backend) {
    let r = created(&b, "user-1").await;
    let BindOutcome::Bound(bound) = b
        .store
        .bind_session(&r.session_hash, &conv(CONV_A), NOW)
        .await
        .unwrap()
    else {
        panic!("first bind must bind");
    };
    assert_eq!(bound.status, SessionStatus::Bound);
    assert_eq!(bound.conversation_id, Some(conv(CONV_A)));
    assert_eq!(bound.attributes, r.attributes);
    let again = b
        .store
        .bind_session(&r.session_hash, &conv(CONV_A), NOW + 5)
        .await
        .unwrap();
    assert_eq!(again, BindOutcome::Bound(bound.clone()));
    let other = b
        .store
        .bind_session(&r.session_hash, &conv(CONV_B), NOW + 5)
        .await
        .unwrap();
    assert_eq!(other, BindOutcome::Replayed);
    assert_eq!(
        b.store.get_session(&r.session_hash).await.unwrap(),
        Some(bound)
    );
}

pub async fn binding_a_revoked_session_answers_revoked(b: Backend) {
    let old = created(&b, "user-1").await;
    let new = successor(&old);
    let rotated = b
        .store
        .rotate_session(&old.session_hash, &old.subject_key, &new, NO_GRACE)
        .await;
    assert_eq!(rotated.unwrap(), RotateOutcome::Rotated);
    let bind = b
        .store
        .bind_session(&old.session_hash, &conv(CONV_A), NOW)
        .await
        .unwrap();
    assert_eq!(bind, BindOutcome::Revoked);
}

pub async fn binding_an_expired_session_answers_expired(b: Backend) {
    let r = created(&b, "user-1").await;
    let at_expiry = b
        .store
        .bind_session(&r.session_hash, &conv(CONV_A), r.expires_at + 1)
        .await;
    assert_eq!(at_expiry.unwrap(), BindOutcome::Expired);
    // The last second of its lifetime still binds.
    let last = b
        .store
        .bind_session(&r.session_hash, &conv(CONV_A), r.expires_at)
        .await
        .unwrap();
    assert!(matches!(last, BindOutcome::Bound(_)), "{last:?}");
}

pub async fn binding_an_unknown_hash_answers_unknown(b: Backend) {
    let r = record("user-1");
    let bind = b
        .store
        .bind_session(&r.session_hash, &conv(CONV_A), NOW)
        .await
        .unwrap();
    assert_eq!(bind, BindOutcome::Unknown);
}

pub async fn a_bound_session_past_its_expiry_still_answers_its_own_conversation(b: Backend) {
    let r = created(&b, "user-1").await;
    let first = b
        .store
        .bind_session(&r.session_hash, &conv(CONV_A), NOW)
        .await
        .unwrap();
    let later = r.expires_at + 600;
    let again = b
        .store
        .bind_session(&r.session_hash, &conv(CONV_A), later)
        .await
        .unwrap();
    assert_eq!(again, first);
    let other = b
        .store
        .bind_session(&r.session_hash, &conv(CONV_B), later)
        .await
        .unwrap();
    assert_eq!(other, BindOutcome::Replayed);
}

pub async fn rotation_revokes_the_old_ticket_and_stores_the_new_one(b: Backend) {
    let old = created(&b, "user-1").await;
    let new = successor(&old);
    let rotated = b
        .store
        .rotate_session(&old.session_hash, &old.subject_key, &new, NO_GRACE)
        .await;
    assert_eq!(rotated.unwrap(), RotateOutcome::Rotated);
    let stored_old = b
        .store
        .get_session(&old.session_hash)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored_old.status, SessionStatus::Revoked);
    assert_eq!(stored_old.grace_until, Some(NO_GRACE));
    assert_eq!(
        b.store.get_session(&new.session_hash).await.unwrap(),
        Some(new.clone())
    );
    let again = b
        .store
        .rotate_session(
            &old.session_hash,
            &old.subject_key,
            &successor(&old),
            NO_GRACE,
        )
        .await;
    assert_eq!(again.unwrap(), RotateOutcome::Replaced);
}

pub async fn rotation_by_another_subject_is_not_found_and_changes_nothing(b: Backend) {
    let old = created(&b, "user-1").await;
    let new = successor(&old);
    let other_subject = keys().subject_key("user-2");
    let rotated = b
        .store
        .rotate_session(&old.session_hash, &other_subject, &new, NO_GRACE)
        .await;
    assert_eq!(rotated.unwrap(), RotateOutcome::NotFound);
    assert_eq!(
        b.store.get_session(&old.session_hash).await.unwrap(),
        Some(old)
    );
    assert_eq!(b.store.get_session(&new.session_hash).await.unwrap(), None);
}

pub async fn rotation_of_a_bound_ticket_is_used_and_stores_nothing(b: Backend) {
    let old = created(&b, "user-1").await;
    b.store
        .bind_session(&old.session_hash, &conv(CONV_A), NOW)
        .await
        .unwrap();
    let new = successor(&old);
    let rotated = b
        .store
        .rotate_session(&old.session_hash, &old.subject_key, &new, NO_GRACE)
        .await;
    assert_eq!(rotated.unwrap(), RotateOutcome::Used);
    assert_eq!(b.store.get_session(&new.session_hash).await.unwrap(), None);
    let stored = b
        .store
        .get_session(&old.session_hash)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.status, SessionStatus::Bound);
}

pub async fn rotation_of_a_revoked_ticket_is_replaced(b: Backend) {
    let old = created(&b, "user-1").await;
    let first = successor(&old);
    b.store
        .rotate_session(&old.session_hash, &old.subject_key, &first, NO_GRACE)
        .await
        .unwrap();
    let second = successor(&old);
    let rotated = b
        .store
        .rotate_session(&old.session_hash, &old.subject_key, &second, NO_GRACE)
        .await;
    assert_eq!(rotated.unwrap(), RotateOutcome::Replaced);
    assert_eq!(
        b.store.get_session(&second.session_hash).await.unwrap(),
        None
    );
}

pub async fn rotation_of_an_unknown_hash_is_not_found(b: Backend) {
    let old = record("user-1");
    let new = successor(&old);
    let rotated = b
        .store
        .rotate_session(&old.session_hash, &old.subject_key, &new, NO_GRACE)
        .await;
    assert_eq!(rotated.unwrap(), RotateOutcome::NotFound);
    assert_eq!(b.store.get_session(&new.session_hash).await.unwrap(), None);
}

pub async fn rotation_into_an_existing_hash_changes_neither(b: Backend) {
    let old = created(&b, "user-1").await;
    let taken = created(&b, "user-1").await;
    let mut new = successor(&old);
    new.session_hash = taken.session_hash.clone();
    let err = b
        .store
        .rotate_session(&old.session_hash, &old.subject_key, &new, NO_GRACE)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict), "{err:?}");
    assert_eq!(
        b.store.get_session(&old.session_hash).await.unwrap(),
        Some(old)
    );
    assert_eq!(
        b.store.get_session(&taken.session_hash).await.unwrap(),
        Some(taken)
    );
}

pub async fn the_rate_limit_allows_exactly_n_per_window_then_limits(b: Backend) {
    let subject = keys().subject_key("user-1");
    // Window [NOW - NOW % 60, +60): hits spread over it all count together.
    let start = NOW - NOW.rem_euclid(60);
    for i in 0..5 {
        let d = b.store.hit(&subject, 5, 60, start + i * 10).await.unwrap();
        assert_eq!(d, RateDecision::Allowed, "hit {i}");
    }
    let d = b.store.hit(&subject, 5, 60, start + 45).await.unwrap();
    assert_eq!(
        d,
        RateDecision::Limited {
            retry_after_secs: 15
        }
    );
    let d = b.store.hit(&subject, 5, 60, start + 59).await.unwrap();
    assert_eq!(
        d,
        RateDecision::Limited {
            retry_after_secs: 1
        }
    );
}

pub async fn a_new_window_resets_the_rate_limit(b: Backend) {
    let subject = keys().subject_key("user-1");
    let start = NOW - NOW.rem_euclid(60);
    for _ in 0..3 {
        b.store.hit(&subject, 3, 60, start).await.unwrap();
    }
    assert!(matches!(
        b.store.hit(&subject, 3, 60, start + 1).await.unwrap(),
        RateDecision::Limited { .. }
    ));
    for i in 0..3 {
        let d = b.store.hit(&subject, 3, 60, start + 60 + i).await.unwrap();
        assert_eq!(d, RateDecision::Allowed);
    }
    assert!(matches!(
        b.store.hit(&subject, 3, 60, start + 100).await.unwrap(),
        RateDecision::Limited {
            retry_after_secs: 20
        }
    ));
}

pub async fn rate_limits_are_counted_per_subject(b: Backend) {
    let (one, two) = (keys().subject_key("user-1"), keys().subject_key("user-2"));
    assert_eq!(
        b.store.hit(&one, 1, 60, NOW).await.unwrap(),
        RateDecision::Allowed
    );
    assert!(matches!(
        b.store.hit(&one, 1, 60, NOW).await.unwrap(),
        RateDecision::Limited { .. }
    ));
    assert_eq!(
        b.store.hit(&two, 1, 60, NOW).await.unwrap(),
        RateDecision::Allowed
    );
}

pub async fn a_limit_of_zero_allows_nothing(b: Backend) {
    let subject = keys().subject_key("user-1");
    assert!(matches!(
        b.store.hit(&subject, 0, 60, NOW).await.unwrap(),
        RateDecision::Limited { .. }
    ));
}

pub async fn a_completed_idempotency_key_replays_its_response(b: Backend) {
    let key = "user-1:9f0c";
    assert_eq!(
        b.store
            .begin(&claim(key, "fp-1", NOW, NOW + 3600))
            .await
            .unwrap(),
        IdempotencyBegin::Started
    );
    let body = br#"{"sessionHash":"x"}"#.to_vec();
    b.store
        .complete(&completion(key, 201, &body, NOW + 3600, NOW + 3600))
        .await
        .unwrap();
    let replay = b
        .store
        .begin(&claim(key, "fp-1", NOW + 10, NOW + 10 + 3600))
        .await
        .unwrap();
    assert_eq!(replay, IdempotencyBegin::Completed { status: 201, body });
}

pub async fn an_idempotency_key_reused_for_another_request_is_a_mismatch(b: Backend) {
    let key = "user-1:9f0c";
    b.store
        .begin(&claim(key, "fp-1", NOW, NOW + 3600))
        .await
        .unwrap();
    assert_eq!(
        b.store
            .begin(&claim(key, "fp-2", NOW, NOW + 3600))
            .await
            .unwrap(),
        IdempotencyBegin::Mismatch
    );
    b.store
        .complete(&completion(key, 201, b"{}", NOW + 3600, NOW + 3600))
        .await
        .unwrap();
    assert_eq!(
        b.store
            .begin(&claim(key, "fp-2", NOW, NOW + 3600))
            .await
            .unwrap(),
        IdempotencyBegin::Mismatch
    );
}

pub async fn an_idempotency_key_still_running_answers_in_progress(b: Backend) {
    let key = "user-1:9f0c";
    b.store
        .begin(&claim(key, "fp-1", NOW, NOW + 3600))
        .await
        .unwrap();
    let second = b
        .store
        .begin(&claim(key, "fp-1", NOW + 1, NOW + 1 + 3600))
        .await
        .unwrap();
    assert_eq!(second, IdempotencyBegin::InProgress);
}

pub async fn an_abandoned_idempotency_key_can_be_claimed_again(b: Backend) {
    let key = "user-1:9f0c";
    b.store
        .begin(&claim(key, "fp-1", NOW, NOW + 3600))
        .await
        .unwrap();
    b.store.abandon(key).await.unwrap();
    assert_eq!(
        b.store
            .begin(&claim(key, "fp-1", NOW, NOW + 3600))
            .await
            .unwrap(),
        IdempotencyBegin::Started
    );
    // Abandoning a key nobody holds is harmless.
    b.store.abandon("never-used").await.unwrap();
}

pub async fn abandoning_a_completed_key_keeps_its_response(b: Backend) {
    let key = "user-1:9f0c";
    b.store
        .begin(&claim(key, "fp-1", NOW, NOW + 3600))
        .await
        .unwrap();
    b.store
        .complete(&completion(key, 201, b"first", NOW + 3600, NOW + 3600))
        .await
        .unwrap();
    b.store.abandon(key).await.unwrap();
    let replay = b
        .store
        .begin(&claim(key, "fp-1", NOW, NOW + 3600))
        .await
        .unwrap();
    assert_eq!(
        replay,
        IdempotencyBegin::Completed {
            status: 201,
            body: b"first".to_vec()
        }
    );
}

pub async fn a_completed_key_is_spent_after_its_body_and_free_after_its_retention(b: Backend) {
    let key = "user-1:9f0c";
    b.store
        .begin(&claim(key, "fp-1", NOW, NOW + 60))
        .await
        .unwrap();
    b.store
        .complete(&completion(key, 201, b"first", NOW + 60, NOW + 120))
        .await
        .unwrap();
    let later = NOW + 61;
    b.clock.set_ms(later * 1000);
    let store = &b.store;
    let again = |fp, now| async move { store.begin(&claim(key, fp, now, now + 60)).await };
    assert_eq!(again("fp-1", later).await.unwrap(), IdempotencyBegin::Spent);
    assert_eq!(
        again("fp-2", later).await.unwrap(),
        IdempotencyBegin::Mismatch
    );
    let forgotten = NOW + 121;
    b.clock.set_ms(forgotten * 1000);
    assert_eq!(
        again("fp-2", forgotten).await.unwrap(),
        IdempotencyBegin::Started
    );
}

pub async fn completing_an_unclaimed_key_conflicts(b: Backend) {
    let err = b
        .store
        .complete(&completion(
            "never-claimed",
            201,
            b"{}",
            NOW + 3600,
            NOW + 3600,
        ))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict), "{err:?}");
    b.store
        .begin(&claim("claimed", "fp", NOW, NOW + 60))
        .await
        .unwrap();
    b.store
        .complete(&completion("claimed", 201, b"{}", NOW + 3600, NOW + 3600))
        .await
        .unwrap();
    let twice = b
        .store
        .complete(&completion("claimed", 500, b"{}", NOW + 3600, NOW + 3600))
        .await
        .unwrap_err();
    assert!(matches!(twice, StoreError::Conflict), "{twice:?}");
}

pub async fn concurrent_binds_of_one_hash_bind_exactly_one_conversation(b: Backend) {
    let r = created(&b, "user-1").await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..200 {
        let store = Arc::clone(&b.store);
        let hash = r.session_hash.clone();
        tasks.spawn(async move {
            let conversation = conv(&format!("2f5d1c7e-0b7a-4c1e-9a55-6d0d3c1e2{i:03}"));
            let outcome = store.bind_session(&hash, &conversation, NOW).await.unwrap();
            (conversation, outcome)
        });
    }
    let mut winners = Vec::new();
    let mut replayed = 0;
    while let Some(joined) = tasks.join_next().await {
        match joined.unwrap() {
            (conversation, BindOutcome::Bound(record)) => {
                assert_eq!(record.conversation_id, Some(conversation));
                winners.push(conversation);
            }
            (_, BindOutcome::Replayed) => replayed += 1,
            (_, other) => panic!("unexpected outcome {other:?}"),
        }
    }
    assert_eq!(winners.len(), 1, "winners: {winners:?}");
    assert_eq!(replayed, 199);
    let stored = b.store.get_session(&r.session_hash).await.unwrap().unwrap();
    assert_eq!(stored.conversation_id.as_ref(), winners.first());
}

pub async fn concurrent_hits_allow_exactly_the_limit(b: Backend) {
    const LIMIT: u32 = 10;
    let subject = keys().subject_key("user-1");
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..LIMIT + 20 {
        let store = Arc::clone(&b.store);
        let subject = subject.clone();
        tasks.spawn(async move { store.hit(&subject, LIMIT, 3600, NOW).await.unwrap() });
    }
    let mut allowed = 0;
    let mut limited = 0;
    while let Some(joined) = tasks.join_next().await {
        match joined.unwrap() {
            RateDecision::Allowed => allowed += 1,
            RateDecision::Limited { retry_after_secs } => {
                assert!((1..=3600).contains(&retry_after_secs));
                limited += 1;
            }
        }
    }
    assert_eq!((allowed, limited), (LIMIT, 20));
}

pub async fn a_just_replaced_ticket_binds_within_its_grace_and_revokes_its_successor(b: Backend) {
    let old = created(&b, "user-1").await;
    let new = successor(&old);
    b.store
        .rotate_session(&old.session_hash, &old.subject_key, &new, NOW + 10)
        .await
        .unwrap();
    // The first message left with the old hash just before the page set the new one.
    let BindOutcome::Bound(bound) = b
        .store
        .bind_session(&old.session_hash, &conv(CONV_A), NOW + 3)
        .await
        .unwrap()
    else {
        panic!("a ticket inside its grace must bind");
    };
    assert_eq!(bound.conversation_id, Some(conv(CONV_A)));
    assert_eq!(bound.attributes, old.attributes);
    // The chain is bound once: the successor never validates, the same conversation may ask
    // again, and no other conversation gets the old hash.
    let successor_bind = b
        .store
        .bind_session(&new.session_hash, &conv(CONV_B), NOW + 4)
        .await
        .unwrap();
    assert_eq!(successor_bind, BindOutcome::Revoked);
    let again = b
        .store
        .bind_session(&old.session_hash, &conv(CONV_A), NOW + 20)
        .await
        .unwrap();
    assert!(matches!(again, BindOutcome::Bound(_)), "{again:?}");
    let replay = b
        .store
        .bind_session(&old.session_hash, &conv(CONV_B), NOW + 5)
        .await
        .unwrap();
    assert_eq!(replay, BindOutcome::Replayed);
    let stored_new = b
        .store
        .get_session(&new.session_hash)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored_new.status, SessionStatus::Revoked);
}

pub async fn a_replaced_ticket_answers_revoked_after_its_grace_or_once_its_successor_bound(
    b: Backend,
) {
    // After the grace.
    let old = created(&b, "user-1").await;
    let new = successor(&old);
    b.store
        .rotate_session(&old.session_hash, &old.subject_key, &new, NOW + 10)
        .await
        .unwrap();
    let late = b
        .store
        .bind_session(&old.session_hash, &conv(CONV_A), NOW + 11)
        .await
        .unwrap();
    assert_eq!(late, BindOutcome::Revoked);
    assert!(matches!(
        b.store
            .bind_session(&new.session_hash, &conv(CONV_A), NOW + 11)
            .await
            .unwrap(),
        BindOutcome::Bound(_)
    ));

    // Inside the grace, but the successor reached Genesys first.
    let old = created(&b, "user-2").await;
    let new = successor(&old);
    b.store
        .rotate_session(&old.session_hash, &old.subject_key, &new, NOW + 10)
        .await
        .unwrap();
    assert!(matches!(
        b.store
            .bind_session(&new.session_hash, &conv(CONV_B), NOW + 1)
            .await
            .unwrap(),
        BindOutcome::Bound(_)
    ));
    let old_bind = b
        .store
        .bind_session(&old.session_hash, &conv(CONV_A), NOW + 2)
        .await
        .unwrap();
    assert_eq!(old_bind, BindOutcome::Revoked);

    // The grace never outlives the ticket itself.
    let mut short = record("user-3");
    short.expires_at = NOW + 5;
    b.store.create_session(&short).await.unwrap();
    let next = successor(&short);
    b.store
        .rotate_session(&short.session_hash, &short.subject_key, &next, NOW + 10)
        .await
        .unwrap();
    let expired = b
        .store
        .bind_session(&short.session_hash, &conv(CONV_A), NOW + 6)
        .await
        .unwrap();
    assert_eq!(expired, BindOutcome::Revoked);
}

pub async fn the_conversation_a_strategy_created_is_recorded_on_its_ticket(b: Backend) {
    let r = created(&b, "user-1").await;
    b.store
        .record_conversation(&r.session_hash, &conv(CONV_A))
        .await
        .unwrap();
    let stored = b.store.get_session(&r.session_hash).await.unwrap().unwrap();
    assert_eq!(stored.initiated_conversation, Some(conv(CONV_A)));
    assert_eq!(
        stored.status,
        SessionStatus::Active,
        "recording binds nothing"
    );
    let unknown = record("user-1");
    assert!(
        b.store
            .record_conversation(&unknown.session_hash, &conv(CONV_A))
            .await
            .is_err()
    );
}

pub async fn a_claim_whose_holder_vanished_is_free_after_its_deadline_and_not_before(b: Backend) {
    let key = "user-1:crashed";
    // The holder's invocation must have answered by NOW + 15; it timed out or aborted without
    // completing or releasing the key.
    assert_eq!(
        b.store
            .begin(&claim(key, "fp-1", NOW, NOW + 15))
            .await
            .unwrap(),
        IdempotencyBegin::Started
    );
    b.clock.set_ms((NOW + 15) * 1000);
    assert_eq!(
        b.store
            .begin(&claim(key, "fp-1", NOW + 15, NOW + 30))
            .await
            .unwrap(),
        IdempotencyBegin::InProgress,
        "up to its deadline the holder may still be running"
    );
    b.clock.set_ms((NOW + 16) * 1000);
    assert_eq!(
        b.store
            .begin(&claim(key, "fp-1", NOW + 16, NOW + 31))
            .await
            .unwrap(),
        IdempotencyBegin::Started,
        "after it, the key is free again"
    );
    // And the new holder's completion is kept for as long as it asks, not for the claim's life.
    b.store
        .complete(&completion(key, 201, b"sealed", NOW + 76, NOW + 76))
        .await
        .unwrap();
    b.clock.set_ms((NOW + 70) * 1000);
    assert!(matches!(
        b.store
            .begin(&claim(key, "fp-1", NOW + 70, NOW + 85))
            .await
            .unwrap(),
        IdempotencyBegin::Completed { status: 201, .. }
    ));
}
