//! The per-container JWKS cache against the dev identity provider over loopback HTTP: fetches
//! are real and counted.

#![allow(clippy::unwrap_used, clippy::panic, clippy::expect_used)]

#[path = "support/idp_fixture.rs"]
#[allow(dead_code)]
mod idp_fixture;

use std::sync::Arc;

use genesys_sandbox::idp::Algorithm;
use idp_fixture::{Fixture, refused};
use secure_initiation::session::{AuthError, SessionVerifier, StaticJwksSource};
use serde_json::{Value, json};

#[tokio::test]
async fn an_unknown_kid_causes_one_refetch_and_no_more_within_the_interval() {
    let f = Fixture::start().await;
    let v = f.verifier();
    v.verify(&f.token(json!({}), Algorithm::ES256))
        .await
        .unwrap();
    assert_eq!(f.idp.jwks_fetch_count(), 1);
    let claims = Value::Object(f.idp.claims_for("user-1"));
    let unknown = |kid: &str| {
        f.idp
            .sign_raw(
                &json!({ "alg": "ES256", "kid": kid }),
                &claims,
                Algorithm::ES256,
            )
            .unwrap()
    };
    let err = refused(&v, &unknown("made-up-1")).await;
    assert!(matches!(err, AuthError::UnknownKey { .. }), "{err:?}");
    assert_eq!(f.idp.jwks_fetch_count(), 2);
    for i in 0..20 {
        refused(&v, &unknown(&format!("made-up-{i}"))).await;
    }
    assert_eq!(f.idp.jwks_fetch_count(), 2);
    f.clock.advance_ms(59_000);
    refused(&v, &unknown("made-up-x")).await;
    assert_eq!(f.idp.jwks_fetch_count(), 2);
    f.clock.advance_ms(1_000);
    refused(&v, &unknown("made-up-y")).await;
    assert_eq!(f.idp.jwks_fetch_count(), 3);
}

#[tokio::test]
async fn a_rotated_key_is_picked_up_by_one_refetch() {
    let f = Fixture::start().await;
    let v = f.verifier();
    v.verify(&f.token(json!({}), Algorithm::ES256))
        .await
        .unwrap();
    let new_kid = f.idp.rotate(Algorithm::ES256).unwrap();
    let token = f.token(json!({}), Algorithm::ES256);
    assert_eq!(
        jsonwebtoken::decode_header(&token).unwrap().kid,
        Some(new_kid)
    );
    assert!(v.verify(&token).await.is_ok());
    assert!(v.verify(&token).await.is_ok());
    assert_eq!(f.idp.jwks_fetch_count(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_unknown_kids_share_one_fetch() {
    let f = Fixture::start().await;
    let v = Arc::new(f.verifier());
    v.verify(&f.token(json!({}), Algorithm::ES256))
        .await
        .unwrap();
    f.clock.advance_ms(60_000);
    let claims = Value::Object(f.idp.claims_for("user-1"));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..50 {
        let header = json!({ "alg": "ES256", "kid": format!("unknown-{i}") });
        let token = f.idp.sign_raw(&header, &claims, Algorithm::ES256).unwrap();
        let v = Arc::clone(&v);
        tasks.spawn(async move { v.verify(&token).await });
    }
    while let Some(result) = tasks.join_next().await {
        assert!(matches!(result.unwrap(), Err(AuthError::UnknownKey { .. })));
    }
    assert_eq!(f.idp.jwks_fetch_count(), 2);
}

#[tokio::test]
async fn a_token_without_kid_needs_exactly_one_usable_key() {
    let f = Fixture::start().await;
    let claims = Value::Object(f.idp.claims_for("user-1"));
    let token = f
        .idp
        .sign_raw(&json!({ "alg": "ES256" }), &claims, Algorithm::ES256)
        .unwrap();
    assert!(f.verifier().verify(&token).await.is_ok());
    f.idp.rotate(Algorithm::ES256).unwrap();
    let err = refused(&f.verifier(), &token).await;
    assert!(matches!(err, AuthError::MissingKid { .. }), "{err:?}");
}

#[tokio::test]
async fn an_unreachable_jwks_with_nothing_cached_is_unavailable() {
    let f = Fixture::start().await;
    f.idp.set_jwks_available(false);
    let v = f.verifier();
    let token = f.token(json!({}), Algorithm::ES256);
    assert!(matches!(
        refused(&v, &token).await,
        AuthError::JwksUnavailable(_)
    ));
    // Back off instead of hammering the IdP: an immediate retry does not fetch again.
    refused(&v, &token).await;
    assert_eq!(f.idp.jwks_fetch_count(), 1);
    f.idp.set_jwks_available(true);
    f.clock.advance_ms(2_000);
    assert!(v.verify(&token).await.is_ok());
    assert_eq!(f.idp.jwks_fetch_count(), 2);
}

#[tokio::test]
async fn cached_keys_keep_verifying_when_the_idp_goes_down() {
    let f = Fixture::start().await;
    let v = f.verifier();
    let token = f.token(json!({}), Algorithm::ES256);
    v.verify(&token).await.unwrap();
    f.idp.set_jwks_available(false);
    // Even past the maximum cache age, a failed refresh leaves the known keys in use.
    f.clock.advance_ms(601_000);
    let token = f.token(
        json!({ "exp": f.now() + 60, "nbf": f.now(), "iat": f.now() }),
        Algorithm::ES256,
    );
    assert!(v.verify(&token).await.is_ok());
    assert_eq!(f.idp.jwks_fetch_count(), 2);
}

#[tokio::test]
async fn a_static_source_serves_the_same_keys() {
    let f = Fixture::start().await;
    let source = Arc::new(StaticJwksSource::new(f.idp.jwks()));
    let v = SessionVerifier::new(f.config(), source.clone(), Arc::new(f.clock.clone())).unwrap();
    assert!(
        v.verify(&f.token(json!({}), Algorithm::RS256))
            .await
            .is_ok()
    );
    assert_eq!(source.fetch_count(), 1);
    assert_eq!(f.idp.jwks_fetch_count(), 0);
}
