//! Amazon Cognito.
//!
//! Tokens: https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-id-token.html
//! and .../amazon-cognito-user-pools-using-the-access-token.html (header `kid` + `alg` only; no
//! `nbf`; the access token has `client_id` and `token_use` and no `aud`; custom attributes are
//! prefixed `custom:`). Keys: .../amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html (two
//! RSA keys, `kid`, `alg`, `kty`, `e`, `n`, `use`; ID and access tokens signed by different keys;
//! check `token_use`). Claims added at run time: .../user-pool-lambda-pre-token-generation.html
//! (version 1 events add string claims to the ID token, version 2 events typed claims to the
//! access token; `nbf` is among the claims a trigger cannot set).

use super::*;

const COGNITO_ISSUER: &str = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_example";
const COGNITO_CLIENT: &str = "57cbishk4j24pabc1234567890";

struct Cognito {
    id_key: SigningKey,
    access_key: SigningKey,
}

impl Cognito {
    fn new() -> Self {
        Self {
            id_key: SigningKey::rsa("1234example="),
            access_key: SigningKey::rsa("5678example="),
        }
    }

    fn key_set(&self) -> Vec<u8> {
        let jwk = |k: &SigningKey| k.jwk(json!({"kid": k.kid(), "alg": "RS256", "use": "sig"}));
        key_set(&[jwk(&self.id_key), jwk(&self.access_key)])
    }

    /// Cognito's advice: accept only the token kinds the API means to take.
    fn site(tier_claim: &str, geo_claim: &str) -> Site {
        Site::new(COGNITO_ISSUER, COGNITO_CLIENT, tier_claim, geo_claim)
            .with("JWT_REQUIRED_CLAIMS", "token_use=id,token_use=access")
    }
}

#[tokio::test]
async fn a_cognito_id_token_with_custom_attributes_is_routed_on_them() {
    let cognito = Cognito::new();
    let site = Cognito::site("custom:tier", "custom:geo");
    let deployment = Deployment::start(cognito.key_set(), &site).await;
    let t = now();
    let token = cognito.id_key.sign(
        &json!({"kid": cognito.id_key.kid(), "alg": "RS256"}),
        &json!({
            "sub": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
            "aud": COGNITO_CLIENT,
            "email_verified": true,
            "token_use": "id",
            "auth_time": t - 60,
            "iss": COGNITO_ISSUER,
            "cognito:username": "janedoe",
            "exp": t + 3600,
            "given_name": "Jane",
            "iat": t,
            "email": "janedoe@example.com",
            "jti": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
            "origin_jti": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
            // User pool attributes are strings.
            "custom:tier": "2",
            "custom:geo": "emea"
        }),
    );
    let answer = deployment.initiate_and_validate(&token).await;
    assert_eq!(routed(&answer), (true, "2", "emea"), "{answer}");
}

#[tokio::test]
async fn a_cognito_access_token_without_aud_passes_on_its_client_id() {
    let cognito = Cognito::new();
    let deployment = Deployment::start(cognito.key_set(), &Cognito::site("tier", "geo")).await;
    let t = now();
    let token = cognito.access_key.sign(
        &json!({"kid": cognito.access_key.kid(), "alg": "RS256"}),
        &json!({
            "sub": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
            "device_key": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
            "cognito:groups": ["admin"],
            "token_use": "access",
            "scope": "aws.cognito.signin.user.admin",
            "auth_time": t - 60,
            "iss": COGNITO_ISSUER,
            "exp": t + 3600,
            "iat": t,
            "origin_jti": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
            "jti": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
            "client_id": COGNITO_CLIENT,
            "username": "janedoe@example.com",
            // Added by a version 2 pre token generation trigger: typed values.
            "tier": 3,
            "geo": "apac"
        }),
    );
    let answer = deployment.initiate_and_validate(&token).await;
    assert_eq!(routed(&answer), (true, "3", "apac"), "{answer}");
}
