//! Auth0.
//!
//! ID token: https://auth0.com/docs/secure/tokens/id-tokens/id-token-structure (`aud` is the
//! client id). Access tokens: https://auth0.com/docs/secure/tokens/access-tokens/access-token-profiles
//! (RFC 9068 profile: `typ: at+jwt`, `aud` an array with the API and `/userinfo`, `client_id`,
//! `jti`, space-separated `scope`). Keys: https://auth0.com/docs/secure/tokens/json-web-tokens/json-web-key-set-properties
//! (`alg`, `kty`, `use`, `x5c`, `n`, `e`, `kid`, `x5t`). Custom claims: Actions'
//! `api.idToken.setCustomClaim` / `api.accessToken.setCustomClaim`, namespaced as Auth0
//! recommends; `nbf` is a restricted claim
//! (https://auth0.com/docs/secure/tokens/json-web-tokens/create-custom-claims). The issuer is the
//! tenant domain with its trailing slash.

use super::*;

const AUTH0_ISSUER: &str = "https://shop.eu.auth0.com/";
const AUTH0_CLIENT: &str = "my_client_id";
const AUTH0_API: &str = "https://api.shop.example/initiations";

fn auth0_key_set(signing: &SigningKey) -> Vec<u8> {
    let next = SigningKey::rsa("next-signing-key");
    let jwk = |k: &SigningKey| {
        k.jwk(json!({
            "alg": "RS256", "kty": "RSA", "use": "sig", "x5c": k.x5c(), "kid": k.kid(), "x5t": k.x5t()
        }))
    };
    key_set(&[jwk(signing), jwk(&next)])
}

#[tokio::test]
async fn an_auth0_id_token_with_namespaced_claims_is_routed_on_them() {
    let key = SigningKey::rsa("NjVBRjY5MDlCMUIwNzU4RTA2QzZFMDQ4QzQ2MDAyQjVDNjk1RTM2Qg");
    let site = Site::new(
        AUTH0_ISSUER,
        AUTH0_CLIENT,
        "https://shop.example/tier",
        "https://shop.example/geo",
    );
    let deployment = Deployment::start(auth0_key_set(&key), &site).await;
    let t = now();
    let token = key.sign(
        &json!({"alg": "RS256", "typ": "JWT", "kid": key.kid()}),
        &json!({
            "iss": AUTH0_ISSUER,
            "sub": "auth0|123456",
            "aud": AUTH0_CLIENT,
            "exp": t + 36_000,
            "iat": t,
            "name": "Jane Doe",
            "email": "janedoe@example.com",
            "sid": "YN6A3VYmwDs-f0Z8Vl2mQBxvN5i0Q0j3",
            "nonce": "n-0S6_WzA2Mj",
            "https://shop.example/tier": 1,
            "https://shop.example/geo": "na-west"
        }),
    );
    let answer = deployment.initiate_and_validate(&token).await;
    assert_eq!(routed(&answer), (true, "1", "na-west"), "{answer}");
}

#[tokio::test]
async fn an_auth0_rfc_9068_access_token_passes_where_only_access_tokens_are_accepted() {
    let key = SigningKey::rsa("NjVBRjY5MDlCMUIwNzU4RTA2QzZFMDQ4QzQ2MDAyQjVDNjk1RTM2Qg");
    let site = Site::new(
        AUTH0_ISSUER,
        AUTH0_API,
        "https://shop.example/tier",
        "https://shop.example/geo",
    )
    .with("JWT_TYP", "at+jwt");
    let deployment = Deployment::start(auth0_key_set(&key), &site).await;
    let t = now();
    let claims = json!({
        "iss": AUTH0_ISSUER,
        "sub": "auth0|123456",
        "aud": [AUTH0_API, "https://shop.eu.auth0.com/userinfo"],
        "client_id": AUTH0_CLIENT,
        "exp": t + 86_400,
        "iat": t,
        "jti": "73WakrfVbNJBaAmhQtEeDv",
        "scope": "openid profile initiate",
        "https://shop.example/tier": 2,
        "https://shop.example/geo": "emea"
    });
    let access = key.sign(
        &json!({"alg": "RS256", "typ": "at+jwt", "kid": key.kid()}),
        &claims,
    );
    let answer = deployment.initiate_and_validate(&access).await;
    assert_eq!(routed(&answer), (true, "2", "emea"), "{answer}");
    // The same claims in an ID token's header (`typ: JWT`) are refused here.
    let id_typed = key.sign(
        &json!({"alg": "RS256", "typ": "JWT", "kid": key.kid()}),
        &claims,
    );
    assert_eq!(deployment.initiate(&id_typed).await.0, 401);
}
