//! The session verifier against the dev identity provider's real keys: which tokens pass and
//! which are refused.

#![allow(clippy::unwrap_used, clippy::panic, clippy::expect_used)]

#[path = "support/idp_fixture.rs"]
#[allow(dead_code)]
mod idp_fixture;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use genesys_sandbox::idp::{Algorithm, DevIdp};
use idp_fixture::{Fixture, b64, refused, segments};
use jsonwebtoken::{EncodingKey, Header};
use secure_initiation::session::AuthError;
use serde_json::{Map, Value, json};
#[tokio::test]
async fn a_valid_es256_token_is_accepted() {
    let f = Fixture::start().await;
    let token = f
        .idp
        .login_token("user-1", Some(2), Some("na-east"))
        .unwrap();
    let session = f.verifier().verify(&token).await.unwrap();
    assert_eq!(session.subject, "user-1");
    assert_eq!(session.claims["tier"], 2);
    assert_eq!(session.claims["geo"], "na-east");
    assert!(!format!("{session:?}").contains("user-1"));
}

#[tokio::test]
async fn a_valid_rs256_token_is_accepted() {
    let f = Fixture::start().await;
    let token = f.token(json!({}), Algorithm::RS256);
    assert_eq!(f.verifier().verify(&token).await.unwrap().subject, "user-1");
}

#[tokio::test]
async fn a_token_from_dev_login_over_http_is_accepted() {
    let f = Fixture::start().await;
    let login = f
        .jwks_url
        .join("/dev/login?sub=user-7&tier=3&geo=eu-west")
        .unwrap();
    let body: Value = reqwest::get(login).await.unwrap().json().await.unwrap();
    let token = body["token"].as_str().unwrap();
    let session = f.verifier().verify(token).await.unwrap();
    assert_eq!(session.subject, "user-7");
    assert_eq!(session.claims["tier"], 3);
    assert_eq!(session.claims["geo"], "eu-west");
    assert_eq!(
        jsonwebtoken::decode_header(token).unwrap().alg,
        Algorithm::ES256
    );
}

#[tokio::test]
async fn an_expired_token_is_rejected_beyond_the_leeway() {
    let f = Fixture::start().await;
    let v = f.verifier();
    let expired = f.token(json!({ "exp": f.now() - 31 }), Algorithm::ES256);
    assert!(matches!(refused(&v, &expired).await, AuthError::Expired));
    let within_leeway = f.token(json!({ "exp": f.now() - 20 }), Algorithm::ES256);
    assert!(v.verify(&within_leeway).await.is_ok());
    f.clock.advance_ms(15_000);
    assert!(matches!(
        refused(&v, &within_leeway).await,
        AuthError::Expired
    ));
}

#[tokio::test]
async fn a_token_not_valid_yet_is_rejected() {
    let f = Fixture::start().await;
    let v = f.verifier();
    let future = f.token(json!({ "nbf": f.now() + 120 }), Algorithm::ES256);
    assert!(matches!(refused(&v, &future).await, AuthError::NotYetValid));
    let skewed = f.token(json!({ "nbf": f.now() + 20 }), Algorithm::ES256);
    assert!(v.verify(&skewed).await.is_ok());
}

#[tokio::test]
async fn a_token_from_another_issuer_is_rejected() {
    let f = Fixture::start().await;
    let token = f.token(json!({ "iss": "https://evil.example/" }), Algorithm::ES256);
    assert!(matches!(
        refused(&f.verifier(), &token).await,
        AuthError::WrongIssuer
    ));
}

#[tokio::test]
async fn a_token_for_another_audience_is_rejected() {
    let f = Fixture::start().await;
    let v = f.verifier();
    let token = f.token(json!({ "aud": "another-app" }), Algorithm::ES256);
    assert!(matches!(
        refused(&v, &token).await,
        AuthError::WrongAudience
    ));
    let listed = f.token(
        json!({ "aud": ["another-app", f.idp.audience()] }),
        Algorithm::ES256,
    );
    assert!(v.verify(&listed).await.is_ok());
}

#[tokio::test]
async fn a_token_without_a_required_claim_is_rejected() {
    let f = Fixture::start().await;
    let v = f.verifier();
    for claim in ["exp", "iss", "sub"] {
        let token = f.token(json!({ claim: null }), Algorithm::ES256);
        let err = refused(&v, &token).await;
        assert!(
            matches!(&err, AuthError::MissingClaim { claim: c } if c == claim),
            "{claim}: {err:?}"
        );
    }
    let no_audience = f.token(json!({ "aud": null }), Algorithm::ES256);
    assert!(matches!(
        refused(&v, &no_audience).await,
        AuthError::NoAudience
    ));
}

#[tokio::test]
async fn a_token_without_nbf_is_accepted_unless_nbf_is_required() {
    let f = Fixture::start().await;
    let token = f.token(json!({ "nbf": null }), Algorithm::ES256);
    assert!(f.verifier().verify(&token).await.is_ok());
    let mut config = f.config();
    config.require_nbf = true;
    let err = refused(&f.verifier_with(config.clone()), &token).await;
    assert!(matches!(&err, AuthError::MissingClaim { claim } if claim == "nbf"));
    let with_nbf = f.token(json!({ "nbf": f.now() - 5 }), Algorithm::ES256);
    assert!(f.verifier_with(config).verify(&with_nbf).await.is_ok());
}

#[tokio::test]
async fn a_token_with_a_string_exp_or_nbf_is_rejected() {
    let f = Fixture::start().await;
    let v = f.verifier();
    let exp = f.token(
        json!({ "exp": (f.now() + 300).to_string() }),
        Algorithm::ES256,
    );
    assert!(matches!(
        refused(&v, &exp).await,
        AuthError::MissingClaim { .. }
    ));
    let nbf = f.token(
        json!({ "nbf": (f.now() + 3600).to_string() }),
        Algorithm::ES256,
    );
    assert!(matches!(
        refused(&v, &nbf).await,
        AuthError::MissingClaim { .. }
    ));
}

#[tokio::test]
async fn an_empty_or_non_string_subject_is_rejected() {
    let f = Fixture::start().await;
    let v = f.verifier();
    let empty = f.token(json!({ "sub": "  " }), Algorithm::ES256);
    assert!(matches!(
        refused(&v, &empty).await,
        AuthError::InvalidSubject
    ));
    let number = f.token(json!({ "sub": 42 }), Algorithm::ES256);
    refused(&v, &number).await;
}

#[tokio::test]
async fn a_token_with_alg_none_is_rejected() {
    let f = Fixture::start().await;
    let v = f.verifier();
    let claims = Value::Object(f.idp.claims_for("user-1"));
    let kid = f.idp.kid(Algorithm::ES256).unwrap();
    for alg in ["none", "None", "NONE"] {
        let header = json!({ "alg": alg, "typ": "JWT", "kid": kid });
        let unsigned = format!("{}.{}.", b64(&header), b64(&claims));
        assert!(matches!(
            refused(&v, &unsigned).await,
            AuthError::Malformed(_)
        ));
        let with_junk = format!("{}.{}.c2ln", b64(&header), b64(&claims));
        let err = refused(&v, &with_junk).await;
        assert!(
            matches!(err, AuthError::AlgorithmNotAllowed { .. }),
            "{err:?}"
        );
    }
}

#[tokio::test]
async fn an_hs256_token_signed_with_the_public_key_is_rejected() {
    let f = Fixture::start().await;
    let v = f.verifier();
    for alg in [Algorithm::RS256, Algorithm::ES256] {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(f.idp.kid(alg).unwrap());
        let claims = f.idp.claims_for("user-1");
        for secret in [
            f.idp.public_key_pem(alg).unwrap().into_bytes(),
            f.idp.public_key_der(alg).unwrap(),
        ] {
            let token =
                jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(&secret)).unwrap();
            let err = refused(&v, &token).await;
            assert!(
                matches!(err, AuthError::AlgorithmNotAllowed { .. }),
                "{err:?}"
            );
        }
    }
}

#[tokio::test]
async fn an_rs256_header_on_an_ec_key_is_rejected() {
    let f = Fixture::start().await;
    let v = f.verifier();
    let claims = Value::Object(f.idp.claims_for("user-1"));
    let ec_kid = f.idp.kid(Algorithm::ES256).unwrap();
    let rsa_kid = f.idp.kid(Algorithm::RS256).unwrap();
    let lying_rs = json!({ "alg": "RS256", "kid": ec_kid });
    let token = f
        .idp
        .sign_raw(&lying_rs, &claims, Algorithm::ES256)
        .unwrap();
    assert!(matches!(
        refused(&v, &token).await,
        AuthError::KeyMismatch { .. }
    ));
    let lying_es = json!({ "alg": "ES256", "kid": rsa_kid });
    let token = f
        .idp
        .sign_raw(&lying_es, &claims, Algorithm::RS256)
        .unwrap();
    assert!(matches!(
        refused(&v, &token).await,
        AuthError::KeyMismatch { .. }
    ));
    // The same key with an honest header verifies: the refusal was the mismatch.
    let honest = json!({ "alg": "ES256", "kid": ec_kid });
    let token = f.idp.sign_raw(&honest, &claims, Algorithm::ES256).unwrap();
    assert!(v.verify(&token).await.is_ok());
}

#[tokio::test]
async fn an_algorithm_outside_the_configured_list_is_rejected() {
    let f = Fixture::start().await;
    let mut config = f.config();
    config.algorithms = vec![Algorithm::ES256];
    let token = f.token(json!({}), Algorithm::RS256);
    let err = refused(&f.verifier_with(config), &token).await;
    assert!(matches!(err, AuthError::AlgorithmNotAllowed { .. }));
}

#[tokio::test]
async fn a_tampered_payload_is_rejected() {
    let f = Fixture::start().await;
    let v = f.verifier();
    for alg in [Algorithm::ES256, Algorithm::RS256] {
        let token = f.idp.login_token("user-1", Some(1), None).unwrap();
        let token = if alg == Algorithm::RS256 {
            f.token(json!({ "tier": 1 }), alg)
        } else {
            token
        };
        let (header, payload, signature) = segments(&token);
        let mut claims: Map<String, Value> =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
        claims.insert("tier".into(), json!(4));
        let forged = format!("{header}.{}.{signature}", b64(&Value::Object(claims)));
        assert!(matches!(
            refused(&v, &forged).await,
            AuthError::BadSignature
        ));
    }
}

#[tokio::test]
async fn keys_offered_in_the_header_are_never_trusted() {
    let f = Fixture::start().await;
    let v = f.verifier();
    let attacker = DevIdp::with_defaults().unwrap();
    let attacker_jwk = attacker.jwks().keys[0].clone();
    let claims = Value::Object(f.idp.claims_for("user-1"));
    // Same `kid` as the real key (both IdPs name it `dev-es256-1`), attacker's key everywhere.
    let header = json!({
        "alg": "ES256",
        "kid": attacker.kid(Algorithm::ES256).unwrap(),
        "jwk": attacker_jwk,
        "jku": "http://127.0.0.1:9/jwks.json",
        "x5u": "http://127.0.0.1:9/cert.pem",
    });
    let token = attacker
        .sign_raw(&header, &claims, Algorithm::ES256)
        .unwrap();
    assert!(matches!(refused(&v, &token).await, AuthError::BadSignature));
    assert_eq!(f.idp.jwks_fetch_count(), 1);
}

#[tokio::test]
async fn a_critical_header_extension_is_rejected() {
    let f = Fixture::start().await;
    let claims = Value::Object(f.idp.claims_for("user-1"));
    let header = json!({
        "alg": "ES256",
        "kid": f.idp.kid(Algorithm::ES256).unwrap(),
        "crit": ["exp"],
    });
    let token = f.idp.sign_raw(&header, &claims, Algorithm::ES256).unwrap();
    assert!(matches!(
        refused(&f.verifier(), &token).await,
        AuthError::CriticalHeader
    ));
}
