//! One test per token a site's browser holds, for each identity provider web teams use: the
//! token, its header and the provider's key set shaped as the provider documents them (cited
//! beside each test), the site configured with the variables the provider guide
//! (`docs/src/web/identity-providers.md`) gives for it, and the tier and segment Architect gets
//! back from validate-session.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use identity_provider_tests::{
    Deployment, SigningKey, Site, encryption_jwk, key_set, now, schema_with_sources,
};
use serde_json::{Value, json};

/// Architect's view: `valid` and the two routing attributes.
fn routed(answer: &Value) -> (bool, &str, &str) {
    (
        answer["valid"].as_bool().unwrap_or(false),
        answer["priority_tier"].as_str().unwrap_or_default(),
        answer["geo_segment"].as_str().unwrap_or_default(),
    )
}

// --- Amazon Cognito -------------------------------------------------------------------------
// Tokens: https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-id-token.html
// and .../amazon-cognito-user-pools-using-the-access-token.html (header `kid` + `alg` only; no
// `nbf`; the access token has `client_id` and `token_use` and no `aud`; custom attributes are
// prefixed `custom:`). Keys: .../amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html (two
// RSA keys, `kid`, `alg`, `kty`, `e`, `n`, `use`; ID and access tokens signed by different keys;
// check `token_use`). Claims added at run time: .../user-pool-lambda-pre-token-generation.html
// (version 1 events add string claims to the ID token, version 2 events typed claims to the
// access token; `nbf` is among the claims a trigger cannot set).

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

// --- Auth0 ----------------------------------------------------------------------------------
// ID token: https://auth0.com/docs/secure/tokens/id-tokens/id-token-structure (`aud` is the
// client id). Access tokens: https://auth0.com/docs/secure/tokens/access-tokens/access-token-profiles
// (RFC 9068 profile: `typ: at+jwt`, `aud` an array with the API and `/userinfo`, `client_id`,
// `jti`, space-separated `scope`). Keys: https://auth0.com/docs/secure/tokens/json-web-tokens/json-web-key-set-properties
// (`alg`, `kty`, `use`, `x5c`, `n`, `e`, `kid`, `x5t`). Custom claims: Actions'
// `api.idToken.setCustomClaim` / `api.accessToken.setCustomClaim`, namespaced as Auth0
// recommends; `nbf` is a restricted claim
// (https://auth0.com/docs/secure/tokens/json-web-tokens/create-custom-claims). The issuer is the
// tenant domain with its trailing slash.

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

// --- Okta (a custom authorization server) ---------------------------------------------------
// Tokens: https://developer.okta.com/docs/api/openapi/okta-oauth/guides/overview/ ("Access
// token" and "ID token": header `alg` RS256 and `kid`; access token `ver`, `jti` `AT.…`, `aud`
// the authorization server's audience, `cid`, `uid`, `scp` an array, no `client_id`; ID token
// `aud` the client id, `amr`, `idp`, `at_hash`; no `nbf` in either). Access tokens, not ID
// tokens, are for APIs: https://developer.okta.com/docs/guides/validate-access-tokens/main/.
// Custom claims: https://developer.okta.com/docs/guides/customize-tokens-returned-from-okta/main/.

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

// --- Microsoft Entra ID ---------------------------------------------------------------------
// Claims: https://learn.microsoft.com/entra/identity-platform/id-token-claims-reference and
// .../access-token-claims-reference (header `typ: JWT`, `alg`, `kid`, and in v1.0 `x5t`; `nbf`
// is set; `ver` 1.0 or 2.0; v1.0 `iss` is `https://sts.windows.net/{tid}/`, v2.0
// `https://login.microsoftonline.com/{tid}/v2.0`; v1.0 access tokens may have the App ID URI
// as `aud`; `scp` a space-separated string; `tid`, `oid`). Keys and issuer validation:
// .../access-tokens#validate-the-issuer (each key carries `kty`, `use`, `kid`, `x5t`, `n`, `e`,
// `x5c` and its `issuer`, templated as `https://login.microsoftonline.com/{tenantid}/v2.0`;
// multi-tenant: substitute `tid`, require `iss` to match exactly, validate the signing key
// issuer). Custom claims: directory extensions as optional claims are emitted as
// `extn.<attributename>` (.../optional-claims#configure-directory-extension-optional-claims).

const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const FOREIGN_TENANT: &str = "f8cdef31-a31e-4b4a-93e4-5f571e91255a";
const ENTRA_APP: &str = "6cb04018-a3f5-46a7-b995-940c78f5aef3";

fn entra_key_set(keys: &[&SigningKey]) -> Vec<u8> {
    let jwk = |k: &SigningKey| {
        k.jwk(json!({
            "use": "sig", "kid": k.kid(), "x5t": k.x5t(), "x5c": k.x5c(),
            "issuer": "https://login.microsoftonline.com/{tenantid}/v2.0"
        }))
    };
    key_set(&keys.iter().map(|k| jwk(k)).collect::<Vec<_>>())
}

fn entra_v2(tenant: &str) -> String {
    format!("https://login.microsoftonline.com/{tenant}/v2.0")
}

#[tokio::test]
async fn an_entra_v2_id_token_with_directory_extension_claims_is_routed_on_them() {
    let key = SigningKey::rsa("nOo3ZDrODXEK1jKWhXslHR_KXEg");
    let site = Site::new(&entra_v2(TENANT), ENTRA_APP, "extn.tier", "extn.geo");
    let deployment = Deployment::start(entra_key_set(&[&key]), &site).await;
    let t = now();
    let token = key.sign(
        &json!({"typ": "JWT", "alg": "RS256", "kid": key.kid()}),
        &json!({
            "aud": ENTRA_APP,
            "iss": entra_v2(TENANT),
            "iat": t,
            "nbf": t,
            "exp": t + 3600,
            "name": "Abe Lincoln",
            "oid": "00000000-0000-0000-66f3-3332eca7ea81",
            "preferred_username": "abeli@microsoft.com",
            "rh": "I",
            "sub": "HKZpfaHyWadeOouYlitjrI-KffTm222X5rrV3xDqfKQ",
            "tid": TENANT,
            "uti": "fqiBqXLPj0eQa82S-IYFAA",
            "ver": "2.0",
            "extn.tier": "2",
            "extn.geo": "emea"
        }),
    );
    let answer = deployment.initiate_and_validate(&token).await;
    assert_eq!(routed(&answer), (true, "2", "emea"), "{answer}");
}

#[tokio::test]
async fn an_entra_v1_access_token_passes_where_v1_and_v2_issuers_are_both_configured() {
    let key = SigningKey::rsa("i6lGk3FZzxRcUb2C3nEQ7syHJlY");
    let issuers = format!("https://sts.windows.net/{TENANT}/,{}", entra_v2(TENANT));
    let site = Site::new(&issuers, "api://shop-initiation", "extn.tier", "extn.geo");
    let deployment = Deployment::start(entra_key_set(&[&key]), &site).await;
    let t = now();
    let token = key.sign(
        &json!({"typ": "JWT", "alg": "RS256", "x5t": key.kid(), "kid": key.kid()}),
        &json!({
            "aud": "api://shop-initiation",
            "iss": format!("https://sts.windows.net/{TENANT}/"),
            "iat": t,
            "nbf": t,
            "exp": t + 3900,
            "acr": "1",
            "aio": "AVQAq/8TAAAA",
            "amr": ["pwd"],
            "appid": "00001111-aaaa-2222-bbbb-3333cccc4444",
            "appidacr": "0",
            "name": "Abe Lincoln",
            "oid": "00000000-0000-0000-66f3-3332eca7ea81",
            "scp": "initiate",
            "sub": "l3_roISQU222bULS9yi2k0XpqpOiMz5H3ZACo1GeXA",
            "tid": TENANT,
            "unique_name": "abeli@microsoft.com",
            "uti": "fqiBqXLPj0eQa82S-IYFAA",
            "ver": "1.0",
            "extn.tier": "3",
            "extn.geo": "na-west"
        }),
    );
    let answer = deployment.initiate_and_validate(&token).await;
    assert_eq!(routed(&answer), (true, "3", "na-west"), "{answer}");
}

/// A v2.0 access token for the API itself (`aud` its client id) from tenant `tid`.
fn entra_access_token(key: &SigningKey, iss_tenant: &str, tid: &str) -> String {
    let t = now();
    key.sign(
        &json!({"typ": "JWT", "alg": "RS256", "kid": key.kid()}),
        &json!({
            "aud": ENTRA_APP,
            "iss": entra_v2(iss_tenant),
            "iat": t,
            "nbf": t,
            "exp": t + 3600,
            "azp": "00001111-aaaa-2222-bbbb-3333cccc4444",
            "azpacr": "0",
            "name": "Abe Lincoln",
            "oid": "00000000-0000-0000-66f3-3332eca7ea81",
            "preferred_username": "abeli@contoso.example",
            "scp": "initiate",
            "sub": "l3_roISQU222bULS9yi2k0XpqpOiMz5H3ZACo1GeXA",
            "tid": tid,
            "uti": "fqiBqXLPj0eQa82S-IYFAA",
            "ver": "2.0",
            "extn.tier": "1",
            "extn.geo": "apac"
        }),
    )
}

#[tokio::test]
async fn an_entra_multi_tenant_token_passes_only_for_an_allowed_tenant_under_its_own_tid() {
    let key = SigningKey::rsa("C2dE3fH4iJ5kL6mN7oP8qR9sT0uV1w");
    let site = Site::new(
        "https://login.microsoftonline.com/{tenantid}/v2.0",
        ENTRA_APP,
        "extn.tier",
        "extn.geo",
    )
    .with("JWT_ALLOWED_TENANTS", TENANT);
    let deployment = Deployment::start(entra_key_set(&[&key]), &site).await;
    let answer = deployment
        .initiate_and_validate(&entra_access_token(&key, TENANT, TENANT))
        .await;
    assert_eq!(routed(&answer), (true, "1", "apac"), "{answer}");
    // Another tenant, genuinely signed by Microsoft's key: not on the list.
    let foreign = entra_access_token(&key, FOREIGN_TENANT, FOREIGN_TENANT);
    assert_eq!(deployment.initiate(&foreign).await.0, 401);
    // An allowed tenant in `iss` that is not the token's own `tid`.
    let borrowed = entra_access_token(&key, TENANT, FOREIGN_TENANT);
    assert_eq!(deployment.initiate(&borrowed).await.0, 401);
}

// --- Keycloak -------------------------------------------------------------------------------
// Audience: https://www.keycloak.org/docs/latest/server_admin/#audience-support (the access
// token's `aud` holds only what the Audience Resolve mapper (`account`) and an Audience mapper
// add; the frontend client is not added). Token types: `typ` claim `ID` or `Bearer`
// (org.keycloak.util.TokenUtil). No `nbf` since 10.0.2 (keycloak/keycloak-community#183,
// keycloak/keycloak#6788). Mapper claim names: "Token Claim Name … can be a fully qualified name
// like 'address.street'. In this case, a nested json object will be created"
// (OIDCAttributeMapperHelper). Keys: every realm gets `rsa-generated` (RS256, `use: sig`) and
// `rsa-enc-generated` (RSA-OAEP, `use: enc`) providers (DefaultKeyProviders), published with
// `x5c`, `x5t` and `x5t#S256`.

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

// --- Firebase Authentication ----------------------------------------------------------------
// ID tokens: https://firebase.google.com/docs/auth/admin/verify-id-tokens#verify_id_tokens_using_a_third-party_jwt_library
// (header `alg` RS256 and `kid`; `aud` the project id; `iss`
// `https://securetoken.google.com/<projectId>`; `sub` the uid; `auth_time`; no `nbf`), with the
// `firebase` object (`identities`, `sign_in_provider`) of the Admin SDK's `DecodedIdToken`.
// Custom claims (`setCustomUserClaims`) appear at the top level of the ID token:
// https://firebase.google.com/docs/auth/admin/custom-claims. Keys: the service account's JWK
// set, https://www.googleapis.com/service_accounts/v1/metadata/jwk/securetoken@system.gserviceaccount.com
// (the JWK format the IAM Credentials API documents beside the X.509 one Firebase's page
// names), RSA keys with `alg`, `use`, `kid`.

#[tokio::test]
async fn a_firebase_id_token_with_custom_claims_is_routed_on_them() {
    let key = SigningKey::rsa("a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4");
    let project = "shop-prod";
    let issuer = format!("https://securetoken.google.com/{project}");
    let site = Site::new(&issuer, project, "tier", "geo");
    let keys = key_set(&[
        key.jwk(json!({"alg": "RS256", "use": "sig", "kid": key.kid()})),
        SigningKey::rsa("f0e1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9")
            .jwk(json!({"alg": "RS256", "use": "sig", "kid": "f0e1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9"})),
    ]);
    let deployment = Deployment::start(keys, &site).await;
    let t = now();
    let token = key.sign(
        &json!({"alg": "RS256", "kid": key.kid(), "typ": "JWT"}),
        &json!({
            "iss": issuer,
            "aud": project,
            "auth_time": t - 120,
            "user_id": "kZ3mXkQ0aPQ2yCq8mUe5m6dFq2v1",
            "sub": "kZ3mXkQ0aPQ2yCq8mUe5m6dFq2v1",
            "iat": t,
            "exp": t + 3600,
            "email": "jane@example.com",
            "email_verified": true,
            "firebase": {
                "identities": {"email": ["jane@example.com"]},
                "sign_in_provider": "password"
            },
            "tier": 3,
            "geo": "latam"
        }),
    );
    let answer = deployment.initiate_and_validate(&token).await;
    assert_eq!(routed(&answer), (true, "3", "latam"), "{answer}");
}

// --- Google ---------------------------------------------------------------------------------
// https://developers.google.com/identity/openid-connect/reference (discovery: `issuer` is
// `https://accounts.google.com`, "however, accounts.google.com is also returned for legacy
// implementations"; `jwks_uri` https://www.googleapis.com/oauth2/v3/certs) and
// https://developers.google.com/identity/openid-connect/openid-connect#an-id-tokens-payload
// (`azp`, `aud` the client id, `hd`, `email`, `at_hash`; no custom claims, so a site routes
// Google users on what it sets itself).

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

// --- PingOne --------------------------------------------------------------------------------
// https://developer.pingidentity.com/pingone-api/foundations/authentication-concepts/access-tokens-and-id-tokens/token-claims.html
// (RS256; header `kid`, optionally `x5t` and `typ: at+jwt`; access token `client_id`, `aud`
// the resources, space-separated `scope`, `iss` `https://auth.pingone.com/<environmentId>/as`,
// `sid`, `env`, `org`; no `nbf`). Custom claims: resource attribute mappings (access tokens) and
// application attribute mappings (ID tokens),
// .../token-customization-and-introspection.html.

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
