//! Pending creates (`initiation-api`): one subject's creates, several at once (two tabs, a
//! double click). Recording one never replaces another, clearing one clears exactly it, and a
//! subject holds a bounded number. Generic over the backend like `cases`.

use std::sync::Arc;

use secure_initiation::ports::{MAX_PENDING_CREATES, PendingCreate, StoreError};

use super::{Backend, START_MS};

pub const NOW: i64 = START_MS / 1000;

/// A pending create of `subject_key` named `id`, sent `started` seconds into the case and kept
/// until `ttl`.
pub fn pending(subject_key: &str, id: &str, started: i64, ttl: i64) -> PendingCreate {
    PendingCreate {
        subject_key: subject_key.to_owned(),
        id: id.to_owned(),
        sealed_hash: format!("sealed-{id}").into_bytes(),
        started_at: NOW + started,
        in_flight_until_ms: (NOW + started + 15) * 1000,
        ttl,
    }
}

async fn put(b: &Backend, pending: &PendingCreate) {
    b.store.put_pending_create(pending).await.unwrap();
}

async fn held(b: &Backend, subject_key: &str) -> Vec<PendingCreate> {
    b.store.pending_creates(subject_key).await.unwrap()
}

fn ids(pending: &[PendingCreate]) -> Vec<&str> {
    pending.iter().map(|p| p.id.as_str()).collect()
}

pub async fn several_pending_creates_of_one_subject_are_all_kept(b: Backend) {
    let tabs = [
        pending("subject-a", "tab-1", 0, NOW + 900),
        pending("subject-a", "tab-2", 1, NOW + 901),
        pending("subject-a", "tab-3", 2, NOW + 902),
    ];
    for tab in &tabs {
        put(&b, tab).await;
    }

    assert_eq!(held(&b, "subject-a").await, tabs, "all three, oldest first");
}

pub async fn clearing_a_pending_create_clears_exactly_its_own(b: Backend) {
    let first = pending("subject-a", "first", 0, NOW + 900);
    let second = pending("subject-a", "second", 1, NOW + 900);
    put(&b, &first).await;
    put(&b, &second).await;

    b.store
        .clear_pending_create("subject-a", "second")
        .await
        .unwrap();
    assert_eq!(
        held(&b, "subject-a").await,
        vec![first.clone()],
        "clearing the second create leaves the first, whose outcome is still unknown"
    );
    b.store
        .clear_pending_create("subject-a", "second")
        .await
        .unwrap();
    assert_eq!(held(&b, "subject-a").await, vec![first], "cleared twice");
    b.store
        .clear_pending_create("subject-a", "first")
        .await
        .unwrap();
    assert_eq!(held(&b, "subject-a").await, vec![]);
}

pub async fn a_pending_create_recorded_again_replaces_only_itself(b: Backend) {
    let first = pending("subject-a", "first", 0, NOW + 900);
    let second = pending("subject-a", "second", 1, NOW + 900);
    put(&b, &first).await;
    put(&b, &second).await;

    // Its request gave up waiting: no longer in flight.
    let released = PendingCreate {
        in_flight_until_ms: START_MS + 800,
        ..first
    };
    put(&b, &released).await;

    assert_eq!(held(&b, "subject-a").await, vec![released, second]);
}

pub async fn pending_creates_are_kept_per_subject(b: Backend) {
    let mine = pending("subject-a", "same-id", 0, NOW + 900);
    let theirs = pending("subject-b", "same-id", 0, NOW + 900);
    put(&b, &mine).await;
    put(&b, &theirs).await;

    b.store
        .clear_pending_create("subject-b", "same-id")
        .await
        .unwrap();

    assert_eq!(held(&b, "subject-a").await, vec![mine]);
    assert_eq!(held(&b, "subject-b").await, vec![]);
}

pub async fn a_pending_create_past_its_ttl_is_gone_and_its_siblings_stay(b: Backend) {
    let short = pending("subject-a", "short", 0, NOW + 10);
    let long = pending("subject-a", "long", 1, NOW + 100);
    put(&b, &short).await;
    put(&b, &long).await;

    b.clock.set_ms((NOW + 11) * 1000);
    assert_eq!(held(&b, "subject-a").await, vec![long]);
    b.clock.set_ms((NOW + 101) * 1000);
    assert_eq!(held(&b, "subject-a").await, vec![]);
    // A create recorded once every other lapsed starts the subject's set afresh.
    let later = pending("subject-a", "later", 102, NOW + 300);
    put(&b, &later).await;
    assert_eq!(held(&b, "subject-a").await, vec![later]);
}

pub async fn a_create_with_an_earlier_ttl_does_not_shorten_its_siblings(b: Backend) {
    let long = pending("subject-a", "long", 0, NOW + 100);
    // Recorded later with a shorter life (another instance's clock, a changed maximum age).
    let short = pending("subject-a", "short", 1, NOW + 50);
    put(&b, &long).await;
    put(&b, &short).await;

    b.clock.set_ms((NOW + 60) * 1000);

    assert_eq!(held(&b, "subject-a").await, vec![long]);
}

pub async fn a_subject_holds_at_most_the_maximum_of_live_pending_creates(b: Backend) {
    // The first few lapse early; the rest live long.
    let lapsing = 3;
    for i in 0..MAX_PENDING_CREATES {
        let ttl = if i < lapsing { NOW + 10 } else { NOW + 900 };
        put(&b, &pending("subject-a", &format!("c{i:02}"), 0, ttl)).await;
    }
    let extra = pending("subject-a", "extra", 1, NOW + 900);
    let refused = b.store.put_pending_create(&extra).await;
    assert!(matches!(refused, Err(StoreError::Full)), "{refused:?}");
    // Recording one of them again is no new create.
    put(&b, &pending("subject-a", "c05", 0, NOW + 900)).await;

    // Once some lapsed, there is room again for as many.
    b.clock.set_ms((NOW + 11) * 1000);
    for i in 0..lapsing {
        put(&b, &pending("subject-a", &format!("new{i}"), 11, NOW + 900)).await;
    }
    let held = held(&b, "subject-a").await;
    assert_eq!(held.len(), MAX_PENDING_CREATES);
    assert!(!ids(&held).contains(&"c00") && ids(&held).contains(&"new2"));
    let refused = b.store.put_pending_create(&extra).await;
    assert!(matches!(refused, Err(StoreError::Full)), "{refused:?}");
}

pub async fn concurrent_recordings_and_clears_of_one_subject_all_land(b: Backend) {
    let store = b.store.clone();
    let record = |id: String| {
        let store = Arc::clone(&store);
        tokio::spawn(async move {
            let create = pending("subject-a", &id, 0, NOW + 900);
            store.put_pending_create(&create).await
        })
    };
    // Eight tabs at once, on a subject with nothing recorded yet.
    let first: Vec<_> = (0..8).map(|i| record(format!("tab-{i}"))).collect();
    for task in first {
        task.await.unwrap().unwrap();
    }
    assert_eq!(held(&b, "subject-a").await.len(), 8);

    // Four answer (cleared) while four more start.
    let mut tasks = Vec::new();
    for i in 0..4 {
        let store = Arc::clone(&store);
        let id = format!("tab-{i}");
        tasks.push(tokio::spawn(async move {
            store.clear_pending_create("subject-a", &id).await
        }));
        tasks.push(record(format!("more-{i}")));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }

    let mut left: Vec<String> = held(&b, "subject-a")
        .await
        .into_iter()
        .map(|p| p.id)
        .collect();
    left.sort();
    assert_eq!(
        left,
        [
            "more-0", "more-1", "more-2", "more-3", "tab-4", "tab-5", "tab-6", "tab-7"
        ]
    );
}
