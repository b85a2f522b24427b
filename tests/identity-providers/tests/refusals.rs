//! What is still refused, through the production path: every token below gets `401` from a
//! deployment configured as a real site would be (two issuers, two audiences), with the reason
//! in the function's log (JSON, as deployed) and never in the body, while a genuine token from
//! the same provider passes. A claim of the wrong shape is a typed refusal naming the attribute.
//! And the token size limit: over it a token is refused before anything of it is parsed; raised,
//! an Entra token with 200 group ids passes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use identity_provider_tests::{Deployment, SigningKey, Site, key_set, now, schema_with_sources};
use jsonwebtoken::{EncodingKey, Header};
use secure_initiation::telemetry::{LogFormat, subscriber};
use serde_json::{Map, Value, json};
use test_support::logs::Capture;

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

/// The functions' log as deployed (JSON, INFO), captured for this test's thread: the handlers
/// run on the test's current-thread runtime, so every line they log lands here.
fn capture_logs() -> (Capture, tracing::subscriber::DefaultGuard) {
    let logs = Capture::default();
    let guard = tracing::subscriber::set_default(subscriber(
        tracing::Level::INFO,
        LogFormat::Json,
        logs.clone(),
    ));
    (logs, guard)
}

#[tokio::test]
async fn every_token_the_issue_lists_still_gets_401_and_a_genuine_one_passes() {
    let key = SigningKey::rsa("key-1");
    let keys = key_set(&[key.jwk(json!({"kid": key.kid(), "alg": "RS256", "use": "sig"}))]);
    let (logs, _subscriber) = capture_logs();
    let deployment = Deployment::start(keys, &site()).await;
    let header = json!({"alg": "RS256", "kid": key.kid()});
    let signed = |claims: Value| key.sign(&header, &claims);
    let t = now();
    let public_jwk = key.jwk(json!({}));
    // Each refusal: its name, the token, and the reason the log gives (the body never does).
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "nbf an hour in the future",
            signed(with(json!({"nbf": t + 3600}))),
            "token is not valid yet",
        ),
        (
            "nbf written as a string",
            signed(with(json!({"nbf": (t - 10).to_string()}))),
            "claim `nbf` is missing or has the wrong type",
        ),
        (
            "exp written as a string",
            signed(with(json!({"exp": (t + 600).to_string()}))),
            "claim `exp` is missing or has the wrong type",
        ),
        (
            "aud and client_id both absent",
            signed(with(json!({"aud": null}))),
            "token has neither `aud` nor `client_id`",
        ),
        (
            "a client_id that is not configured, no aud",
            signed(with(json!({"aud": null, "client_id": "another-app"}))),
            "token audience (or client_id) is not one of the configured audiences",
        ),
        (
            "an aud that is not configured",
            signed(with(json!({"aud": "another-api"}))),
            "token audience (or client_id) is not one of the configured audiences",
        ),
        (
            "a configured client_id beside a foreign aud",
            signed(with(json!({"aud": "another-api", "client_id": CLIENT}))),
            "token audience (or client_id) is not one of the configured audiences",
        ),
        (
            "an issuer not in the list",
            signed(with(json!({"iss": "https://idp.shop.example"}))),
            "token issuer is not one of the configured issuers",
        ),
        (
            "alg none",
            format!(
                "{}.{}.",
                b64(&json!({"alg": "none"})),
                b64(&with(json!({})))
            ),
            // An unsigned token has an empty third part: refused before its header is read.
            "token is malformed: empty part",
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
            "algorithm `HS256` is not allowed",
        ),
        (
            "signed by another key under the same kid",
            SigningKey::rsa("key-1").sign(&header, &with(json!({}))),
            "signature does not verify",
        ),
        (
            "expired",
            signed(with(json!({"exp": t - 3600}))),
            "token has expired",
        ),
    ];
    for (name, token, reason) in &cases {
        let mark = logs.mark();
        let (status, body) = deployment.initiate(token).await;
        let logged = logs.since(mark);
        assert_eq!(status, 401, "{name}: {body}");
        assert!(
            logged.contains("session token refused") && logged.contains(reason),
            "{name}: the log gives the reason `{reason}`: {logged}"
        );
        let body = body.to_string();
        assert!(
            !body.contains(reason) && !body.contains(token.as_str()),
            "{name}: {body}"
        );
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

    let (logs, _subscriber) = capture_logs();
    let default = Deployment::start(keys.clone(), &site()).await;
    assert_eq!(default.initiate(&token).await.0, 401);
    let limit = format!("token of {} bytes exceeds the limit of 8192", token.len());
    assert!(logs.text().contains(&limit), "{}", logs.text());
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

#[tokio::test]
async fn a_claim_of_the_wrong_shape_is_a_typed_403_naming_the_attribute() {
    let key = SigningKey::rsa("key-1");
    let keys = key_set(&[key.jwk(json!({"kid": key.kid(), "use": "sig"}))]);
    let mut site = site();
    site.schema = schema_with_sources(r#"{ claim = "/shop/tier" }"#, r#"{ claim = "/shop/geo" }"#);
    let deployment = Deployment::start(keys, &site).await;
    let header = json!({"alg": "RS256", "kid": key.kid()});
    for (shop, attribute) in [
        (
            json!({"tier": {"level": 2}, "geo": "emea"}),
            "priority_tier",
        ),
        (json!({"tier": [2], "geo": "emea"}), "priority_tier"),
        (json!({"tier": 2, "geo": ["emea"]}), "geo_segment"),
    ] {
        let token = key.sign(&header, &with(json!({ "shop": shop })));
        let (status, problem) = deployment.initiate(&token).await;
        assert_eq!(status, 403, "{shop}: {problem}");
        assert_eq!(
            problem["type"], "urn:secure-initiation:problem:session-context-refused",
            "{problem}"
        );
        assert!(
            problem["detail"].as_str().unwrap().contains(attribute),
            "{shop}: {problem}"
        );
    }
    let token = key.sign(&header, &with(json!({"shop": {"tier": 2, "geo": "emea"}})));
    assert_eq!(deployment.initiate(&token).await.0, 201);
}
