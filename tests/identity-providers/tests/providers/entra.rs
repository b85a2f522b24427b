//! Microsoft Entra ID.
//!
//! Claims: https://learn.microsoft.com/entra/identity-platform/id-token-claims-reference and
//! .../access-token-claims-reference (header `typ: JWT`, `alg`, `kid`, and in v1.0 `x5t`; `nbf`
//! is set; `ver` 1.0 or 2.0; v1.0 `iss` is `https://sts.windows.net/{tid}/`, v2.0
//! `https://login.microsoftonline.com/{tid}/v2.0`; v1.0 access tokens may have the App ID URI
//! as `aud`; `scp` a space-separated string; `tid`, `oid`). Keys and issuer validation:
//! .../access-tokens#validate-the-issuer (each key carries `kty`, `use`, `kid`, `x5t`, `n`, `e`,
//! `x5c` and its `issuer`, templated as `https://login.microsoftonline.com/{tenantid}/v2.0`;
//! multi-tenant: substitute `tid`, require `iss` to match exactly, validate the signing key
//! issuer). Custom claims: directory extensions as optional claims are emitted as
//! `extn.<attributename>` (.../optional-claims#configure-directory-extension-optional-claims).

use super::*;

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
