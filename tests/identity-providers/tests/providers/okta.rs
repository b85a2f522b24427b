//! Okta (a custom authorization server).
//!
//! Tokens: https://developer.okta.com/docs/api/openapi/okta-oauth/guides/overview/ ("Access
//! token" and "ID token": header `alg` RS256 and `kid`; access token `ver`, `jti` `AT.…`, `aud`
//! the authorization server's audience, `cid`, `uid`, `scp` an array, no `client_id`; ID token
//! `aud` the client id, `amr`, `idp`, `at_hash`; no `nbf` in either). Access tokens, not ID
//! tokens, are for APIs: https://developer.okta.com/docs/guides/validate-access-tokens/main/.
//! Custom claims: https://developer.okta.com/docs/guides/customize-tokens-returned-from-okta/main/.

use super::*;

const OKTA_ISSUER: &str = "https://shop.okta.com/oauth2/default";
const OKTA_CLIENT: &str = "0oaosna3ilNxgPTmk0h7";

fn okta_key_set(key: &SigningKey) -> Vec<u8> {
    key_set(&[key.jwk(json!({"alg": "RS256", "kid": key.kid(), "use": "sig"}))])
}

#[tokio::test]
async fn an_okta_access_token_for_the_default_authorization_server_is_routed_on_its_claims() {
    let key = SigningKey::rsa("45js03w0djwedsw");
    let site = Site::new(OKTA_ISSUER, "api://default", "tier", "geo");
    let deployment = Deployment::start(okta_key_set(&key), &site).await;
    let t = now();
    let token = key.sign(
        &json!({"alg": "RS256", "kid": key.kid()}),
        &json!({
            "ver": 1,
            "jti": "AT.0mP4JKAZX1iACIT4vbEDF7LpvDVjxypPMf0D7uX39RE",
            "iss": OKTA_ISSUER,
            "aud": "api://default",
            "sub": "00ujmkLgagxeRrAg20g3",
            "iat": t,
            "exp": t + 3600,
            "cid": OKTA_CLIENT,
            "uid": "00ujmkLgagxeRrAg20g3",
            "scp": ["openid", "email", "initiate"],
            "auth_time": t - 30,
            "tier": 3,
            "geo": "latam"
        }),
    );
    let answer = deployment.initiate_and_validate(&token).await;
    assert_eq!(routed(&answer), (true, "3", "latam"), "{answer}");
}

#[tokio::test]
async fn an_okta_id_token_is_routed_on_its_custom_claims() {
    let key = SigningKey::rsa("45js03w0djwedsw");
    let site = Site::new(OKTA_ISSUER, OKTA_CLIENT, "tier", "geo");
    let deployment = Deployment::start(okta_key_set(&key), &site).await;
    let t = now();
    let token = key.sign(
        &json!({"alg": "RS256", "kid": key.kid()}),
        &json!({
            "ver": 1,
            "sub": "00uid4BxXw6I6TV4m0g3",
            "iss": OKTA_ISSUER,
            "aud": OKTA_CLIENT,
            "iat": t,
            "exp": t + 3600,
            "amr": ["pwd"],
            "jti": "ID.4eAWJOCMB3SX8XewDfVR",
            "idp": "00ok1u7AsAkrwdZL3z0g3",
            "auth_time": t - 30,
            "at_hash": "cpqKfdQA5eH891Ff5oJr_Q",
            "tier": "1",
            "geo": "na-east"
        }),
    );
    let answer = deployment.initiate_and_validate(&token).await;
    assert_eq!(routed(&answer), (true, "1", "na-east"), "{answer}");
}
