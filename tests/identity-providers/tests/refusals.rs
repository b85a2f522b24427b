//! What is still refused, through the production path: every token below gets `401` from a
//! deployment configured as a real site would be (two issuers, two audiences), while a genuine
//! token from the same provider passes. And the token size limit: over it a token is refused
//! before anything of it is parsed; raised, an Entra token with 200 group ids passes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use identity_provider_tests::{Deployment, SigningKey, Site, key_set, now};
use jsonwebtoken::{EncodingKey, Header};
use serde_json::{Map, Value, json};

const ISSUER: &str = "https://idp.shop.example/";
const LEGACY_ISSUER: &str = "idp.shop.example";
const API: &str = "https://api.shop.example";
const CLIENT: &str = "shop-web";

fn site() -> Site {
    Site::new(
        &format!("{ISSUER},{LEGACY_ISSUER}"),
        &format!("{API},{CLIENT}"),
        "tier",
        "geo",
    )
}

fn genuine() -> Map<String, Value> {
    let t = now();
    let Value::Object(claims) = json!({
        "iss": ISSUER, "aud": API, "sub": "user-1", "iat": t, "exp": t + 600,
        "tier": 2, "geo": "emea"
    }) else {
        unreachable!()
    };
    claims
}

fn with(edits: Value) -> Value {
    let mut claims = genuine();
    if let Value::Object(edits) = edits {
        for (name, value) in edits {
            if value.is_null() {
                claims.remove(&name);
            } else {
                claims.insert(name, value);
            }
        }
    }
    Value::Object(claims)
}

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap())
}

#[tokio::test]
async fn every_token_the_issue_lists_still_gets_401_and_a_genuine_one_passes() {
    let key = SigningKey::rsa("key-1");
    let keys = key_set(&[key.jwk(json!({"kid": key.kid(), "alg": "RS256", "use": "sig"}))]);
    let deployment = Deployment::start(keys, &site()).await;
    let header = json!({"alg": "RS256", "kid": key.kid()});
    let signed = |claims: Value| key.sign(&header, &claims);
    let t = now();
    let public_jwk = key.jwk(json!({}));
    let cases: Vec<(&str, String)> = vec![
        (
            "nbf an hour in the future",
            signed(with(json!({"nbf": t + 3600}))),
        ),
        (
            "nbf written as a string",
            signed(with(json!({"nbf": (t - 10).to_string()}))),
        ),
        (
            "exp written as a string",
            signed(with(json!({"exp": (t + 600).to_string()}))),
        ),
        (
            "aud and client_id both absent",
            signed(with(json!({"aud": null}))),
        ),
        (
            "a client_id that is not configured, no aud",
            signed(with(json!({"aud": null, "client_id": "another-app"}))),
        ),
        (
            "an aud that is not configured",
            signed(with(json!({"aud": "another-api"}))),
        ),
        (
            "a configured client_id beside a foreign aud",
            signed(with(json!({"aud": "another-api", "client_id": CLIENT}))),
        ),
        (
            "an issuer not in the list",
            signed(with(json!({"iss": "https://idp.shop.example"}))),
        ),
        (
            "alg none",
            format!(
                "{}.{}.",
                b64(&json!({"alg": "none"})),
                b64(&with(json!({})))
            ),
        ),
        (
            "HS256 signed with the public key",
            jsonwebtoken::encode(
                &Header {
                    kid: Some(key.kid().to_owned()),
                    ..Header::new(jsonwebtoken::Algorithm::HS256)
                },
                &with(json!({})),
                &EncodingKey::from_secret(public_jwk.to_string().as_bytes()),
            )
            .unwrap(),
        ),
        (
            "signed by another key under the same kid",
            SigningKey::rsa("key-1").sign(&header, &with(json!({}))),
        ),
        ("expired", signed(with(json!({"exp": t - 3600})))),
    ];
    for (name, token) in &cases {
        let (status, body) = deployment.initiate(token).await;
        assert_eq!(status, 401, "{name}: {body}");
        assert!(!body.to_string().contains(token.as_str()), "{name}");
    }
    for claims in [
        with(json!({})),
        with(json!({"iss": LEGACY_ISSUER})),
        with(json!({"aud": [CLIENT, "other"]})),
        with(json!({"aud": null, "client_id": CLIENT})),
        with(json!({"nbf": t - 5})),
    ] {
        let (status, body) = deployment.initiate(&signed(claims.clone())).await;
        assert_eq!(status, 201, "{claims}: {body}");
    }
    println!("refused with 401: {} tokens", cases.len());
}

/// An Entra ID token whose user is in 200 groups, the most Entra puts in a JWT before it
/// switches to the overage claim (https://learn.microsoft.com/entra/identity-platform/id-token-claims-reference#groups-overage-claim).
fn entra_token_with_groups(key: &SigningKey, issuer: &str) -> String {
    let t = now();
    let groups: Vec<String> = (0..200)
        .map(|i| format!("{i:08x}-1a2b-4c3d-9e8f-0a1b2c3d4e5f"))
        .collect();
    key.sign(
        &json!({"typ": "JWT", "alg": "RS256", "kid": key.kid()}),
        &json!({
            "aud": CLIENT, "iss": issuer, "iat": t, "nbf": t, "exp": t + 3600,
            "name": "Abe Lincoln", "oid": "00000000-0000-0000-66f3-3332eca7ea81",
            "preferred_username": "abeli@contoso.example", "rh": "I",
            "sub": "HKZpfaHyWadeOouYlitjrI-KffTm222X5rrV3xDqfKQ",
            "tid": "72f988bf-86f1-41af-91ab-2d7cd011db47", "uti": "fqiBqXLPj0eQa82S-IYFAA",
            "ver": "2.0", "groups": groups, "tier": 2, "geo": "emea"
        }),
    )
}

#[tokio::test]
async fn a_token_over_the_limit_is_refused_unparsed_and_passes_with_the_limit_raised() {
    let key = SigningKey::rsa("entra-1");
    let keys = key_set(&[key.jwk(json!({"kid": key.kid(), "use": "sig"}))]);
    let token = entra_token_with_groups(&key, ISSUER);
    assert!(
        (11 * 1024..12 * 1024).contains(&token.len()),
        "an 11 KiB token: {} bytes",
        token.len()
    );

    let default = Deployment::start(keys.clone(), &site()).await;
    assert_eq!(default.initiate(&token).await.0, 401);
    assert_eq!(
        default.jwks.hits(),
        0,
        "refused before any key was looked up"
    );

    let raised = Deployment::start(keys, &site().with("JWT_MAX_TOKEN_BYTES", "16384")).await;
    let answer = raised.initiate_and_validate(&token).await;
    assert_eq!(answer["valid"], true, "{answer}");
    assert_eq!(answer["priority_tier"], "2");
    println!("Entra token with 200 groups: {} bytes", token.len());
}
