//! The identity-provider variables (`JWKS_URL`, `JWT_*`): lists, the Entra tenant allow-list,
//! the token-kind pins and the size limit, read as a deployment reads them, and what the local
//! stack alone may add (plain HTTP on loopback). A value refused names its variable.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;

use secure_initiation::config::{ConfigError, InitiateConfig, verifier_config};

const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";

fn env(extra: &[(&str, &str)]) -> BTreeMap<String, String> {
    let mut env: BTreeMap<String, String> = [
        ("SESSION_TABLE", "sessions"),
        ("SESSION_KEY_SECRET_ID", "secure-initiation/session-key"),
        ("ALLOWED_ORIGINS", "https://shop.example.com"),
        ("JWKS_URL", "https://idp.example.com/.well-known/jwks.json"),
        ("JWT_ISSUER", "https://idp.example.com/"),
        ("JWT_AUDIENCE", "shop"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    for (k, v) in extra {
        env.insert((*k).to_owned(), (*v).to_owned());
    }
    env
}

fn deployed(
    extra: &[(&str, &str)],
) -> Result<secure_initiation::config::VerifierConfig, ConfigError> {
    InitiateConfig::from_env(&env(extra)).map(|c| c.browser.jwt)
}

#[test]
fn three_settings_give_the_defaults_a_site_expects() {
    let c = deployed(&[]).unwrap();
    assert_eq!(c.issuers, ["https://idp.example.com/"]);
    assert_eq!(c.audiences, ["shop"]);
    assert!(!c.require_nbf, "nbf is optional (RFC 7519)");
    assert_eq!(c.max_token_bytes, 8192);
    assert!(c.token_types.is_empty() && c.required_claims.is_empty() && c.tenants.is_empty());
}

#[test]
fn issuers_and_audiences_are_comma_separated_lists() {
    let c = deployed(&[
        (
            "JWT_ISSUER",
            "https://accounts.google.com, accounts.google.com,,",
        ),
        (
            "JWT_AUDIENCE",
            "api://default,0oaosna3ilNxgPTmk0h7,api://default",
        ),
    ])
    .unwrap();
    assert_eq!(
        c.issuers,
        ["https://accounts.google.com", "accounts.google.com"]
    );
    assert_eq!(c.audiences, ["api://default", "0oaosna3ilNxgPTmk0h7"]);
    let e = deployed(&[("JWT_AUDIENCE", " , ")]).unwrap_err();
    assert_eq!(e.variable(), "JWT_AUDIENCE");
}

#[test]
fn a_multi_tenant_issuer_needs_its_allowed_tenants_and_says_why() {
    let issuer = (
        "JWT_ISSUER",
        "https://login.microsoftonline.com/{tenantid}/v2.0",
    );
    let e = deployed(&[issuer]).unwrap_err();
    assert!(
        matches!(&e, ConfigError::Missing { variable, .. } if *variable == "JWT_ALLOWED_TENANTS"),
        "{e}"
    );
    assert!(e.to_string().contains("any tenant could sign in"), "{e}");
    let upper = TENANT.to_uppercase();
    let c = deployed(&[issuer, ("JWT_ALLOWED_TENANTS", &upper)]).unwrap();
    assert_eq!(c.tenants, [TENANT]);
    for (var, extra) in [
        (
            "JWT_ALLOWED_TENANTS",
            vec![issuer, ("JWT_ALLOWED_TENANTS", "contoso.example")],
        ),
        ("JWT_ALLOWED_TENANTS", vec![("JWT_ALLOWED_TENANTS", TENANT)]),
        (
            "JWT_ISSUER",
            vec![
                ("JWT_ISSUER", "https://{tenantid}.example/"),
                ("JWT_ALLOWED_TENANTS", TENANT),
            ],
        ),
    ] {
        let e = deployed(&extra).unwrap_err();
        assert_eq!(e.variable(), var, "{e}");
    }
}

#[test]
fn nbf_size_and_token_kind_settings_are_read_and_checked() {
    let c = deployed(&[
        ("JWT_REQUIRE_NBF", "true"),
        ("JWT_MAX_TOKEN_BYTES", "16384"),
        ("JWT_TYP", "application/AT+JWT"),
        ("JWT_REQUIRED_CLAIMS", "token_use=id, token_use=access"),
    ])
    .unwrap();
    assert!(c.require_nbf);
    assert_eq!(c.max_token_bytes, 16384);
    assert_eq!(c.token_types, ["at+jwt"]);
    assert_eq!(
        c.required_claims,
        [
            ("token_use".to_owned(), "id".to_owned()),
            ("token_use".to_owned(), "access".to_owned())
        ]
    );
    for (var, value) in [
        ("JWT_MAX_TOKEN_BYTES", "65537"),
        ("JWT_MAX_TOKEN_BYTES", "512"),
        ("JWT_REQUIRE_NBF", "yes"),
        ("JWT_REQUIRED_CLAIMS", "token_use"),
        ("JWT_REQUIRED_CLAIMS", "=access"),
        ("JWT_TYP", "at jwt"),
    ] {
        let e = deployed(&[(var, value)]).unwrap_err();
        assert_eq!(e.variable(), var, "{var}={value}: {e}");
        assert!(e.to_string().contains(value), "{e}");
    }
}

/// The rule of every outbound URL of the functions: loopback traffic never leaves the
/// execution environment, and it is how `cargo lambda watch` reaches the development provider.
#[test]
fn a_plain_http_jwks_is_accepted_on_a_loopback_host_only() {
    for url in [
        "http://127.0.0.1:8080/realms/shop/protocol/openid-connect/certs",
        "http://127.1.2.3/jwks",
        "http://localhost:3000/jwks",
        "http://[::1]:9000/jwks",
    ] {
        let config = deployed(&[("JWKS_URL", url)]).unwrap();
        assert_eq!(config.jwks_url.as_str(), url, "{url}");
        assert!(config.allow_loopback_http_jwks);
        assert!(verifier_config(&env(&[("JWKS_URL", url)])).is_ok(), "{url}");
    }
    for url in [
        "http://idp.example.com/jwks",
        "http://128.0.0.1/jwks",
        "http://127.0.0.1.example.com/jwks",
        "ftp://127.0.0.1/jwks",
    ] {
        let e = deployed(&[("JWKS_URL", url)]).unwrap_err();
        assert_eq!(e.variable(), "JWKS_URL", "{url}");
        assert!(e.to_string().contains(url), "{e}");
    }
}
