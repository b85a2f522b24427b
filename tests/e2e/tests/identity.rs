//! The local stack's identity provider: the development one by default, the site's own when
//! `JWKS_URL`, `JWT_ISSUER` and `JWT_AUDIENCE` are set (read by the functions' configuration
//! code, so it verifies as a deployment does, plain HTTP allowed on loopback), and the banner
//! says which.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use common::{conversation, spawn_app};
use genesys_sandbox::idp::{self, DevIdp};
use local::{IdentityInForce, Options, cli::banner};
use serde_json::json;

const SITE_ISSUER: &str = "http://127.0.0.1/realms/shop";

/// The site's provider, running on the developer's machine over plain HTTP.
async fn site_provider() -> (Arc<DevIdp>, String) {
    let provider = Arc::new(DevIdp::new(SITE_ISSUER, "shop-web").unwrap());
    let addr = idp::spawn(provider.clone()).await.unwrap();
    (provider, format!("http://{addr}/.well-known/jwks.json"))
}

fn identity(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[tokio::test]
async fn with_its_variables_set_the_stack_accepts_the_sites_tokens_only() {
    let (provider, jwks_url) = site_provider().await;
    let options = Options {
        identity: identity(&[
            ("JWKS_URL", &jwks_url),
            ("JWT_ISSUER", SITE_ISSUER),
            ("JWT_AUDIENCE", "shop-web"),
        ]),
        ..Options::default()
    };
    let app = spawn_app(options.clone()).await;
    assert_eq!(
        app.running.identity,
        IdentityInForce::Site {
            issuers: vec![SITE_ISSUER.to_owned()],
            jwks_url: jwks_url.clone()
        }
    );
    let text = banner(&app.running, &options);
    assert!(
        text.contains(SITE_ISSUER) && text.contains(&jwks_url),
        "{text}"
    );
    assert!(text.contains("/dev/login tokens are refused"), "{text}");

    let token = provider.login_token("jane", Some(3), Some("apac")).unwrap();
    let issued = app.initiate(&token).await;
    let hash = issued["sessionHash"].as_str().unwrap();
    let answer = app.validate(hash, &conversation()).await;
    assert_eq!(answer["valid"], true, "{answer}");
    assert_eq!(answer["priority_tier"], "3");
    assert_eq!(answer["geo_segment"], "apac");

    let dev_token = app.login("mallory").await;
    let refused = app
        .initiate_with(&dev_token, &json!({"orderId": "1"}), None)
        .await;
    assert_eq!(refused.status().as_u16(), 401);
}

#[tokio::test]
async fn with_nothing_set_the_development_provider_is_in_force_and_named() {
    let options = Options::default();
    let app = spawn_app(options.clone()).await;
    assert_eq!(app.running.identity, IdentityInForce::Development);
    let text = banner(&app.running, &options);
    assert!(text.contains("identity provider   development"), "{text}");
    let token = app.login("jane").await;
    assert!(app.initiate(&token).await["sessionHash"].is_string());
}

#[tokio::test]
async fn other_jwt_variables_apply_to_the_development_provider_too() {
    let options = Options {
        identity: identity(&[("JWT_REQUIRE_NBF", "true")]),
        ..Options::default()
    };
    let app = spawn_app(options).await;
    // The development provider issues no `nbf`, as most providers: refused when it is required.
    let token = app.login("jane").await;
    let response = app.initiate_with(&token, &json!({}), None).await;
    assert_eq!(response.status().as_u16(), 401);
}

#[tokio::test]
async fn a_missing_or_refused_identity_variable_stops_the_stack_naming_it() {
    for (pairs, named) in [
        (
            vec![("JWT_ISSUER", SITE_ISSUER), ("JWT_AUDIENCE", "shop-web")],
            "JWKS_URL",
        ),
        (
            vec![
                ("JWKS_URL", "http://idp.shop.example/jwks"),
                ("JWT_ISSUER", SITE_ISSUER),
                ("JWT_AUDIENCE", "shop-web"),
            ],
            "JWKS_URL",
        ),
        (
            vec![
                ("JWKS_URL", "http://127.0.0.1:9/jwks"),
                ("JWT_ISSUER", SITE_ISSUER),
            ],
            "JWT_AUDIENCE",
        ),
    ] {
        let options = Options {
            port: 0,
            identity: identity(&pairs),
            ..Options::default()
        };
        let error = local::spawn(options).await.unwrap_err().to_string();
        assert!(error.contains(named), "{pairs:?}: {error}");
    }
}
