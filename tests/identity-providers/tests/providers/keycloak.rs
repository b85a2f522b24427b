//! Keycloak.
//!
//! Audience: https://www.keycloak.org/docs/latest/server_admin/#audience-support (the access
//! token's `aud` holds only what the Audience Resolve mapper (`account`) and an Audience mapper
//! add; the frontend client is not added). Token types: `typ` claim `ID` or `Bearer`
//! (org.keycloak.util.TokenUtil). No `nbf` since 10.0.2 (keycloak/keycloak-community#183,
//! keycloak/keycloak#6788). Mapper claim names: "Token Claim Name … can be a fully qualified name
//! like 'address.street'. In this case, a nested json object will be created"
//! (OIDCAttributeMapperHelper). Keys: every realm gets `rsa-generated` (RS256, `use: sig`) and
//! `rsa-enc-generated` (RSA-OAEP, `use: enc`) providers (DefaultKeyProviders), published with
//! `x5c`, `x5t` and `x5t#S256`.

use super::*;

const KEYCLOAK_ISSUER: &str = "https://sso.shop.example/realms/shop";

fn keycloak_key_set(key: &SigningKey) -> Vec<u8> {
    let signing = key.jwk(json!({
        "kid": key.kid(), "alg": "RS256", "use": "sig",
        "x5c": key.x5c(), "x5t": key.x5t(), "x5t#S256": key.x5t_s256()
    }));
    key_set(&[
        encryption_jwk("c8gtpl0v6rx4Rg7hTDS9AKc7N6hM4wDYf4jl0uWDj6c"),
        signing,
    ])
}

#[tokio::test]
async fn a_keycloak_id_token_with_nested_mapper_claims_is_routed_on_them() {
    let key = SigningKey::rsa("fUHp8a_UD2VTmTY1cUcSjRBHQZO6LBNUE14xuzJ9IDY");
    let site = Site::new(KEYCLOAK_ISSUER, "shop-web", "/shop/tier", "/shop/geo");
    let deployment = Deployment::start(keycloak_key_set(&key), &site).await;
    let t = now();
    let token = key.sign(
        &json!({"alg": "RS256", "typ": "JWT", "kid": key.kid()}),
        &json!({
            "exp": t + 300,
            "iat": t,
            "auth_time": t - 10,
            "jti": "ab7f7b2c-0a5c-4f0e-9a46-2b0bc3d0f1e1",
            "iss": KEYCLOAK_ISSUER,
            "aud": "shop-web",
            "sub": "f6b3b2c4-6c1e-4b43-9f6e-2b3c1a9c4d21",
            "typ": "ID",
            "azp": "shop-web",
            "nonce": "n-0S6_WzA2Mj",
            "sid": "2b7e6a1c-9d3f-4f5b-8c2e-1a0b9c8d7e6f",
            "at_hash": "uHj2WZg2cTcm6k1T6qk5Vw",
            "acr": "1",
            "email_verified": true,
            "name": "Jane Doe",
            "preferred_username": "jane",
            "shop": {"tier": 2, "geo": "emea"}
        }),
    );
    let answer = deployment.initiate_and_validate(&token).await;
    assert_eq!(routed(&answer), (true, "2", "emea"), "{answer}");
}

#[tokio::test]
async fn a_keycloak_access_token_with_an_audience_mapper_maps_a_realm_role_to_a_boolean() {
    let key = SigningKey::rsa("fUHp8a_UD2VTmTY1cUcSjRBHQZO6LBNUE14xuzJ9IDY");
    let mut site = Site::new(
        KEYCLOAK_ISSUER,
        "shop-initiation",
        "/shop/tier",
        "/shop/geo",
    )
    .with("JWT_REQUIRED_CLAIMS", "typ=Bearer");
    site.schema.push_str(
        r#"
[[attribute]]
key = "vip"
description = "The user holds the realm role `vip`."
entity = "participant"
type = "boolean"
source = { claim = "/realm_access/roles", contains = "vip" }
required = true
routing = true
visibility = "visible"
expose = true
"#,
    );
    let deployment = Deployment::start(keycloak_key_set(&key), &site).await;
    let t = now();
    let token = key.sign(
        &json!({"alg": "RS256", "typ": "JWT", "kid": key.kid()}),
        &json!({
            "exp": t + 300,
            "iat": t,
            "auth_time": t - 10,
            "jti": "0d5b2e1a-7c3f-4e2d-9b1a-6f5e4d3c2b1a",
            "iss": KEYCLOAK_ISSUER,
            "aud": ["shop-initiation", "account"],
            "sub": "f6b3b2c4-6c1e-4b43-9f6e-2b3c1a9c4d21",
            "typ": "Bearer",
            "azp": "shop-web",
            "sid": "2b7e6a1c-9d3f-4f5b-8c2e-1a0b9c8d7e6f",
            "acr": "1",
            "allowed-origins": ["https://shop.example"],
            "realm_access": {"roles": ["default-roles-shop", "offline_access", "vip"]},
            "resource_access": {"account": {"roles": ["manage-account", "view-profile"]}},
            "scope": "openid profile email",
            "email_verified": true,
            "preferred_username": "jane",
            "shop": {"tier": 1, "geo": "apac"}
        }),
    );
    let answer = deployment.initiate_and_validate(&token).await;
    assert_eq!(routed(&answer), (true, "1", "apac"), "{answer}");
    assert_eq!(answer["vip"], "true", "{answer}");
}
