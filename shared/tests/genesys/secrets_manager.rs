//! The Secrets Manager source against moto through the real AWS SDK.

use std::sync::Arc;
use std::time::Duration;

use secure_initiation::ports::{ManualClock, SecretError, SecretSource};

use crate::helpers::{SECRET_ID, moto, moto_source, put_credentials};

const TTL: Duration = Duration::from_secs(300);

fn secret(fields: &secure_initiation::ports::SecretFields) -> String {
    fields
        .get(SECRET_ID, "client_secret")
        .unwrap()
        .expose()
        .to_owned()
}

#[tokio::test]
async fn a_secret_is_read_once_and_then_served_from_memory() {
    let moto = moto().await;
    put_credentials(&moto, "id", "one").await;
    let clock = ManualClock::from_system();
    let (source, wire) = moto_source(&moto, &clock, TTL);
    for _ in 0..20 {
        assert_eq!(secret(&source.fields(SECRET_ID).await.unwrap()), "one");
    }
    assert_eq!((source.reads(), wire.count()), (1, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_first_reads_share_one_get_secret_value() {
    let moto = moto().await;
    put_credentials(&moto, "id", "one").await;
    let clock = ManualClock::from_system();
    let (source, wire) = moto_source(&moto, &clock, TTL);
    let reads: Vec<_> = (0..50)
        .map(|_| {
            let source = Arc::clone(&source);
            tokio::spawn(async move { source.fields(SECRET_ID).await })
        })
        .collect();
    for read in reads {
        read.await.unwrap().unwrap();
    }
    assert_eq!((source.reads(), wire.count()), (1, 1));
}

#[tokio::test]
async fn the_ttl_and_invalidate_both_force_a_fresh_read() {
    let moto = moto().await;
    put_credentials(&moto, "id", "one").await;
    let clock = ManualClock::from_system();
    let (source, wire) = moto_source(&moto, &clock, TTL);
    assert_eq!(secret(&source.fields(SECRET_ID).await.unwrap()), "one");

    put_credentials(&moto, "id", "two").await;
    assert_eq!(
        secret(&source.fields(SECRET_ID).await.unwrap()),
        "one",
        "cached"
    );
    source.invalidate(SECRET_ID).await;
    assert_eq!(secret(&source.fields(SECRET_ID).await.unwrap()), "two");
    assert_eq!(wire.count(), 2);

    put_credentials(&moto, "id", "three").await;
    clock.advance_ms(299_000);
    assert_eq!(secret(&source.fields(SECRET_ID).await.unwrap()), "two");
    clock.advance_ms(2_000);
    assert_eq!(secret(&source.fields(SECRET_ID).await.unwrap()), "three");
    assert_eq!(wire.count(), 3);
}

#[tokio::test]
async fn an_unreachable_store_serves_the_cached_value_until_its_ttl() {
    let moto = moto().await;
    put_credentials(&moto, "id", "one").await;
    let clock = ManualClock::from_system();
    let (source, _wire) = moto_source(&moto, &clock, TTL);
    source.fields(SECRET_ID).await.unwrap();
    drop(moto);
    tokio::time::sleep(Duration::from_millis(200)).await;

    source.invalidate(SECRET_ID).await;
    assert_eq!(secret(&source.fields(SECRET_ID).await.unwrap()), "one");
    assert_eq!(source.reads(), 2, "the invalidated read was tried");

    clock.advance_ms(301_000);
    let error = source.fields(SECRET_ID).await.unwrap_err();
    assert!(
        matches!(error, SecretError::Unavailable { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_missing_or_non_json_secret_is_a_typed_error() {
    let moto = moto().await;
    let clock = ManualClock::from_system();
    let (source, _wire) = moto_source(&moto, &clock, TTL);
    assert!(matches!(
        source.fields("no/such/secret").await,
        Err(SecretError::NotFound { .. })
    ));
    moto.secrets_manager()
        .create_secret()
        .name("plain")
        .secret_string("hunter2")
        .send()
        .await
        .unwrap();
    let error = source.fields("plain").await.unwrap_err();
    assert!(matches!(error, SecretError::NotJson { .. }), "{error:?}");
    assert!(!format!("{error} {error:?}").contains("hunter2"));
}
