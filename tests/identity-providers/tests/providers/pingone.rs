//! PingOne.
//!
//! https://developer.pingidentity.com/pingone-api/foundations/authentication-concepts/access-tokens-and-id-tokens/token-claims.html
//! (RS256; header `kid`, optionally `x5t` and `typ: at+jwt`; access token `client_id`, `aud`
//! the resources, space-separated `scope`, `iss` `https://auth.pingone.com/<environmentId>/as`,
//! `sid`, `env`, `org`; no `nbf`). Custom claims: resource attribute mappings (access tokens) and
//! application attribute mappings (ID tokens),
//! .../token-customization-and-introspection.html.

use super::*;

const PINGONE_ENV: &str = "abfba8f6-49eb-49f5-a5d9-80ad5c98f9f6";
const PINGONE_CLIENT: &str = "0af5fe4a-7e2b-4c6f-9f8b-9b2ad1c7e5d3";

fn pingone_issuer() -> String {
    format!("https://auth.pingone.com/{PINGONE_ENV}/as")
}

fn pingone_key_set(key: &SigningKey) -> Vec<u8> {
    key_set(&[key.jwk(json!({"use": "sig", "kid": key.kid(), "x5t": key.x5t(), "alg": "RS256"}))])
}

#[tokio::test]
async fn a_pingone_access_token_for_a_custom_resource_is_routed_on_its_attributes() {
    let key = SigningKey::rsa("default");
    let api = "https://api.shop.example";
    let site = Site::new(&pingone_issuer(), api, "tier", "geo");
    let deployment = Deployment::start(pingone_key_set(&key), &site).await;
    let t = now();
    let token = key.sign(
        &json!({"kid": key.kid(), "x5t": key.x5t(), "alg": "RS256", "typ": "at+jwt"}),
        &json!({
            "client_id": PINGONE_CLIENT,
            "iss": pingone_issuer(),
            "jti": "3b1f4d29-0b8e-4d25-b2a8-6f0d6c3a9e71",
            "iat": t,
            "exp": t + 3600,
            "aud": [api],
            "scope": "openid initiate",
            "sub": "9b5d6e41-30a5-4b61-a6c3-3b0d2a1f9c8e",
            "sid": "6d1c2b0a-9f8e-4d7c-b6a5-4e3d2c1b0a9f",
            "env": PINGONE_ENV,
            "org": "8f7e6d5c-4b3a-4f2e-9d1c-0b9a8f7e6d5c",
            "tier": 2,
            "geo": "na-east"
        }),
    );
    let answer = deployment.initiate_and_validate(&token).await;
    assert_eq!(routed(&answer), (true, "2", "na-east"), "{answer}");
}

#[tokio::test]
async fn a_pingone_id_token_is_routed_on_its_mapped_attributes() {
    let key = SigningKey::rsa("default");
    let site = Site::new(&pingone_issuer(), PINGONE_CLIENT, "tier", "geo");
    let deployment = Deployment::start(pingone_key_set(&key), &site).await;
    let t = now();
    let token = key.sign(
        &json!({"kid": key.kid(), "alg": "RS256"}),
        &json!({
            "sub": "9b5d6e41-30a5-4b61-a6c3-3b0d2a1f9c8e",
            "aud": PINGONE_CLIENT,
            "iss": pingone_issuer(),
            "iat": t,
            "exp": t + 3600,
            "auth_time": t - 20,
            "acr": "Single_Factor",
            "amr": ["pwd"],
            "nonce": "n-0S6_WzA2Mj",
            "sid": "6d1c2b0a-9f8e-4d7c-b6a5-4e3d2c1b0a9f",
            "env": PINGONE_ENV,
            "org": "8f7e6d5c-4b3a-4f2e-9d1c-0b9a8f7e6d5c",
            "tier": "3",
            "geo": "emea"
        }),
    );
    let answer = deployment.initiate_and_validate(&token).await;
    assert_eq!(routed(&answer), (true, "3", "emea"), "{answer}");
}
