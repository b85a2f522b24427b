//! Firebase Authentication.
//!
//! ID tokens: https://firebase.google.com/docs/auth/admin/verify-id-tokens#verify_id_tokens_using_a_third-party_jwt_library
//! (header `alg` RS256 and `kid`; `aud` the project id; `iss`
//! `https://securetoken.google.com/<projectId>`; `sub` the uid; `auth_time`; no `nbf`), with the
//! `firebase` object (`identities`, `sign_in_provider`) of the Admin SDK's `DecodedIdToken`.
//! Custom claims (`setCustomUserClaims`) appear at the top level of the ID token:
//! https://firebase.google.com/docs/auth/admin/custom-claims. Keys: the service account's JWK
//! set, https://www.googleapis.com/service_accounts/v1/metadata/jwk/securetoken@system.gserviceaccount.com
//! (the JWK format the IAM Credentials API documents beside the X.509 one Firebase's page
//! names), RSA keys with `alg`, `use`, `kid`.

use super::*;

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
