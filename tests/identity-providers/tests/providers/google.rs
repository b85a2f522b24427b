//! Google.
//!
//! https://developers.google.com/identity/openid-connect/reference (discovery: `issuer` is
//! `https://accounts.google.com`, "however, accounts.google.com is also returned for legacy
//! implementations"; `jwks_uri` https://www.googleapis.com/oauth2/v3/certs) and
//! https://developers.google.com/identity/openid-connect/openid-connect#an-id-tokens-payload
//! (`azp`, `aud` the client id, `hd`, `email`, `at_hash`; no custom claims, so a site routes
//! Google users on what it sets itself).

use super::*;

#[tokio::test]
async fn a_google_id_token_passes_under_either_issuer_spelling() {
    let key = SigningKey::rsa("c8ab71536ef96d7bf8e9ebab0e6d9a2e2a3f3c8e");
    let client = "1234987819200.apps.googleusercontent.com";
    let mut site = Site::new(
        "https://accounts.google.com,accounts.google.com",
        client,
        "x",
        "y",
    );
    site.schema = schema_with_sources(r#"{ static = 1 }"#, r#"{ static = "na-east" }"#);
    let keys = key_set(&[key.jwk(json!({"use": "sig", "alg": "RS256", "kid": key.kid()}))]);
    let deployment = Deployment::start(keys, &site).await;
    for issuer in ["https://accounts.google.com", "accounts.google.com"] {
        let t = now();
        let token = key.sign(
            &json!({"alg": "RS256", "kid": key.kid(), "typ": "JWT"}),
            &json!({
                "iss": issuer,
                "azp": client,
                "aud": client,
                "sub": "110169484474386276334",
                "at_hash": "HK6E_P6Dh8Y93mRNtsDB1Q",
                "hd": "shop.example",
                "email": "jsmith@shop.example",
                "email_verified": true,
                "iat": t,
                "exp": t + 3600,
                "nonce": "0394852-3190485-2490358"
            }),
        );
        let answer = deployment.initiate_and_validate(&token).await;
        assert_eq!(
            routed(&answer),
            (true, "1", "na-east"),
            "{issuer}: {answer}"
        );
    }
}
