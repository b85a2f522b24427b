//! What a session token must be to pass: [`VerifierConfig`], checked once when the verifier is
//! built ([`SessionVerifier::new`](super::SessionVerifier::new)), so a configuration that would
//! accept forged or foreign tokens never serves a request.
//!
//! Why each setting is what it is, provider by provider, is in
//! `docs/src/web/identity-providers.md`; in short:
//!
//! - **Issuers**: one or more, compared exactly (Google signs with `https://accounts.google.com`
//!   *or* `accounts.google.com`; a site accepting Entra v1 and v2 tokens has two). An issuer
//!   holding `{tenantid}` (Microsoft Entra's multi-tenant form) matches only tokens whose `iss`
//!   is that template with the token's own `tid` in place of `{tenantid}`, and only for the
//!   tenants listed in `tenants`: without that list any Entra tenant (anyone can create one)
//!   could mint tokens for the application with whatever claims its administrator sets.
//! - **Audiences**: one or more. A token passes when its `aud` (a string or an array) holds one
//!   of them, or, having no `aud` at all, when its `client_id` is one of them (RFC 9068 and
//!   Amazon Cognito access tokens). A token with neither is refused.
//! - **`nbf`** is optional (RFC 7519 §4.1.5; most providers never set it, several forbid adding
//!   it); when present it is checked. `require_nbf` restores the requirement.
//! - **Token kind**: `token_types` pins the header `typ` (`at+jwt`, RFC 9068 §2.1) and
//!   `required_claims` pins claims such as Cognito's `token_use`; both are off by default.

use std::time::Duration;

use jsonwebtoken::Algorithm;
use url::Url;

/// Default allowed algorithms.
pub const DEFAULT_ALGORITHMS: [Algorithm; 2] = [Algorithm::RS256, Algorithm::ES256];
/// Default clock-skew allowance for `exp` and `nbf`.
pub const DEFAULT_LEEWAY_SECS: u64 = 30;
/// Largest clock-skew allowance accepted.
pub const MAX_LEEWAY_SECS: u64 = 300;
/// Default minimum time between two JWKS fetches caused by unknown `kid`s.
pub const DEFAULT_JWKS_REFETCH_INTERVAL: Duration = Duration::from_secs(60);
/// Default age after which the cached JWKS is refreshed even if every `kid` is known, so a key the
/// IdP withdrew stops verifying.
pub const DEFAULT_JWKS_MAX_AGE: Duration = Duration::from_secs(600);
/// Default size limit of a token in bytes.
pub const DEFAULT_MAX_TOKEN_BYTES: usize = 8192;
/// Smallest size limit accepted: below it even a plain ID token would not fit.
pub const MIN_MAX_TOKEN_BYTES: usize = 1024;
/// Largest size limit accepted: a token is parsed only after this check, so the limit bounds the
/// work an unauthenticated caller can cause.
pub const MAX_MAX_TOKEN_BYTES: usize = 64 * 1024;
/// The placeholder of a multi-tenant Microsoft Entra issuer, as its discovery document writes it.
pub const TENANT_PLACEHOLDER: &str = "{tenantid}";

/// How session tokens are verified. Build with [`VerifierConfig::new`] and adjust the fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifierConfig {
    /// The IdP's JWKS URL: HTTPS (plain HTTP on a loopback host only with
    /// `allow_loopback_http_jwks`).
    pub jwks_url: Url,
    /// The `iss` values accepted, compared exactly; at most one `{tenantid}` each.
    pub issuers: Vec<String>,
    /// For `{tenantid}` issuers: the tenant ids accepted (lowercase GUIDs). Required with such an
    /// issuer, refused without one.
    pub tenants: Vec<String>,
    /// The values `aud` must hold one of (or, without `aud`, `client_id` must equal).
    pub audiences: Vec<String>,
    /// Allowed signature algorithms (default RS256 and ES256); HS* is refused.
    pub algorithms: Vec<Algorithm>,
    /// Clock-skew allowance for `exp` and `nbf` in seconds (default 30, at most 300).
    pub leeway_secs: u64,
    /// Minimum time between fetches caused by unknown `kid`s (default 60 s).
    pub jwks_refetch_interval: Duration,
    /// Age after which the cached JWKS is refreshed anyway (default 10 min).
    pub jwks_max_age: Duration,
    /// Tokens longer than this are refused unparsed (default 8192, 1024..=65536).
    pub max_token_bytes: usize,
    /// Whether `nbf` must be present (default false). A present `nbf` is always checked and must
    /// be a number.
    pub require_nbf: bool,
    /// Header `typ` values accepted (lowercase, without `application/`); empty: any or none.
    pub token_types: Vec<String>,
    /// Claims a token must carry with one of the listed string values (a name listed twice
    /// accepts either value); empty: none.
    pub required_claims: Vec<(String, String)>,
    /// Whether `http://` JWKS URLs on loopback hosts are accepted (the local stack only: a
    /// deployed function has no identity provider on its loopback).
    pub allow_loopback_http_jwks: bool,
}

impl VerifierConfig {
    /// The defaults for an IdP with one issuer and one audience.
    pub fn new(jwks_url: Url, issuer: impl Into<String>, audience: impl Into<String>) -> Self {
        Self {
            jwks_url,
            issuers: vec![issuer.into()],
            tenants: Vec::new(),
            audiences: vec![audience.into()],
            algorithms: DEFAULT_ALGORITHMS.to_vec(),
            leeway_secs: DEFAULT_LEEWAY_SECS,
            jwks_refetch_interval: DEFAULT_JWKS_REFETCH_INTERVAL,
            jwks_max_age: DEFAULT_JWKS_MAX_AGE,
            max_token_bytes: DEFAULT_MAX_TOKEN_BYTES,
            require_nbf: false,
            token_types: Vec::new(),
            required_claims: Vec::new(),
            allow_loopback_http_jwks: false,
        }
    }
}

impl VerifierConfig {
    /// Whether this configuration is accepted ([`SessionVerifier::new`](super::SessionVerifier::new)
    /// checks the same).
    pub fn check(&self) -> Result<(), VerifierConfigError> {
        compile(self).map(|_| ())
    }
}

/// Why a verifier configuration was refused (at cold start).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifierConfigError {
    /// No algorithm allowed.
    #[error("no signature algorithm is allowed")]
    NoAlgorithms,
    /// A symmetric algorithm: with a public JWKS it lets anyone forge tokens.
    #[error(
        "algorithm `{0}` is not allowed for session tokens (use RS*, PS*, ES256, ES384 or EdDSA)"
    )]
    SymmetricAlgorithm(String),
    /// The JWKS URL is not HTTPS (or HTTP on loopback where that is allowed).
    #[error("jwks url `{0}` must use https")]
    InsecureJwksUrl(String),
    /// No issuer or no audience, or an empty one.
    #[error("`{0}` must list at least one value and no empty one")]
    Empty(&'static str),
    /// Leeway over five minutes.
    #[error("leeway of {0} s is over the maximum of {MAX_LEEWAY_SECS} s")]
    LeewayTooLarge(u64),
    /// A size limit outside `1024..=65536`.
    #[error(
        "a token size limit of {0} bytes is outside {MIN_MAX_TOKEN_BYTES}..={MAX_MAX_TOKEN_BYTES}"
    )]
    TokenLimit(usize),
    /// An issuer with `{tenantid}` twice, or inside its scheme and host.
    #[error("issuer `{0}` must hold `{{tenantid}}` at most once, in its path")]
    BadTemplate(String),
    /// A `{tenantid}` issuer without tenants: any tenant could sign in.
    #[error(
        "issuer `{0}` accepts every tenant: list the tenants whose tokens are accepted (any \
         Microsoft Entra tenant can otherwise mint tokens for the application, with claims its \
         own administrator chooses)"
    )]
    TenantsMissing(String),
    /// Tenants listed, but no `{tenantid}` issuer to apply them to.
    #[error("tenants are listed but no issuer holds `{{tenantid}}`")]
    TenantsUnused,
    /// A tenant that is not a GUID.
    #[error("tenant `{0}` is not a GUID such as `72f988bf-86f1-41af-91ab-2d7cd011db47`")]
    BadTenant(String),
    /// A pinned claim or type with an empty name or value.
    #[error("`{0}` must not hold an empty name or value")]
    EmptyPin(&'static str),
}

/// An accepted issuer, compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Issuer {
    /// Compared exactly.
    Exact(String),
    /// `prefix{tenantid}suffix`, the tenant being the token's `tid`.
    Tenant { prefix: String, suffix: String },
}

impl Issuer {
    fn parse(issuer: &str) -> Result<Self, VerifierConfigError> {
        let bad = || VerifierConfigError::BadTemplate(issuer.to_owned());
        let Some((prefix, suffix)) = issuer.split_once(TENANT_PLACEHOLDER) else {
            return Ok(Self::Exact(issuer.to_owned()));
        };
        // The tenant must be a path segment of an `https` URL: never part of the host, where
        // it would let a token name a host of its choosing.
        let host_end = prefix
            .strip_prefix("https://")
            .and_then(|rest| rest.find('/'));
        let one_segment = prefix.ends_with('/') && (suffix.is_empty() || suffix.starts_with('/'));
        if suffix.contains(TENANT_PLACEHOLDER) || host_end.is_none() || !one_segment {
            return Err(bad());
        }
        Ok(Self::Tenant {
            prefix: prefix.to_owned(),
            suffix: suffix.to_owned(),
        })
    }
}

/// Checks `config` and compiles its issuers.
pub(crate) fn compile(config: &VerifierConfig) -> Result<Vec<Issuer>, VerifierConfigError> {
    check_algorithms(&config.algorithms)?;
    check_jwks_url(&config.jwks_url, config.allow_loopback_http_jwks)?;
    if config.issuers.is_empty() || config.issuers.iter().any(|i| i.trim().is_empty()) {
        return Err(VerifierConfigError::Empty("issuer"));
    }
    if config.audiences.is_empty() || config.audiences.iter().any(|a| a.trim().is_empty()) {
        return Err(VerifierConfigError::Empty("audience"));
    }
    if config.leeway_secs > MAX_LEEWAY_SECS {
        return Err(VerifierConfigError::LeewayTooLarge(config.leeway_secs));
    }
    if !(MIN_MAX_TOKEN_BYTES..=MAX_MAX_TOKEN_BYTES).contains(&config.max_token_bytes) {
        return Err(VerifierConfigError::TokenLimit(config.max_token_bytes));
    }
    if config.token_types.iter().any(|t| t.is_empty()) {
        return Err(VerifierConfigError::EmptyPin("token types"));
    }
    if config
        .required_claims
        .iter()
        .any(|(name, value)| name.is_empty() || value.is_empty())
    {
        return Err(VerifierConfigError::EmptyPin("required claims"));
    }
    let issuers = config
        .issuers
        .iter()
        .map(|i| Issuer::parse(i))
        .collect::<Result<Vec<_>, _>>()?;
    check_tenants(config, &issuers)?;
    Ok(issuers)
}

fn check_algorithms(algorithms: &[Algorithm]) -> Result<(), VerifierConfigError> {
    if algorithms.is_empty() {
        return Err(VerifierConfigError::NoAlgorithms);
    }
    if let Some(alg) = algorithms
        .iter()
        .find(|a| matches!(a, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512))
    {
        return Err(VerifierConfigError::SymmetricAlgorithm(format!("{alg:?}")));
    }
    Ok(())
}

/// Whether `url`'s host is a loopback address: `localhost`, 127.0.0.0/8 or `[::1]`.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

fn check_jwks_url(url: &Url, allow_loopback_http: bool) -> Result<(), VerifierConfigError> {
    let plain_loopback = allow_loopback_http && url.scheme() == "http" && is_loopback(url);
    if url.scheme() == "https" || plain_loopback {
        Ok(())
    } else {
        Err(VerifierConfigError::InsecureJwksUrl(url.to_string()))
    }
}

fn check_tenants(config: &VerifierConfig, issuers: &[Issuer]) -> Result<(), VerifierConfigError> {
    let template = config
        .issuers
        .iter()
        .zip(issuers)
        .find(|(_, i)| matches!(i, Issuer::Tenant { .. }));
    match (template, config.tenants.is_empty()) {
        (Some((issuer, _)), true) => Err(VerifierConfigError::TenantsMissing(issuer.clone())),
        (None, false) => Err(VerifierConfigError::TenantsUnused),
        _ => match config.tenants.iter().find(|t| !is_guid(t)) {
            Some(bad) => Err(VerifierConfigError::BadTenant(bad.clone())),
            None => Ok(()),
        },
    }
}

/// A GUID in its usual lowercase form, `8-4-4-4-12` hexadecimal digits (what Entra writes in
/// `tid` and `iss`).
pub(crate) fn is_guid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
}

/// A configuration for the session module's unit tests.
#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(crate) fn test_config() -> VerifierConfig {
    VerifierConfig::new(
        Url::parse("https://idp.example.com/.well-known/jwks.json").unwrap(),
        "https://idp.example.com/",
        "web-messaging",
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn config() -> VerifierConfig {
        test_config()
    }

    const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";

    #[test]
    fn hs256_cannot_be_configured() {
        let mut c = config();
        c.algorithms = vec![Algorithm::ES256, Algorithm::HS256];
        assert_eq!(
            compile(&c).unwrap_err(),
            VerifierConfigError::SymmetricAlgorithm("HS256".into())
        );
    }

    #[test]
    fn a_plain_http_jwks_url_is_accepted_only_on_loopback_and_only_where_allowed() {
        let mut c = config();
        for url in [
            "http://127.0.0.1:8080/jwks",
            "http://127.3.4.5/jwks",
            "http://[::1]/k",
        ] {
            c.jwks_url = Url::parse(url).unwrap();
            c.allow_loopback_http_jwks = false;
            assert!(
                matches!(compile(&c), Err(VerifierConfigError::InsecureJwksUrl(_))),
                "{url} refused in a deployment"
            );
            c.allow_loopback_http_jwks = true;
            assert!(compile(&c).is_ok(), "{url} accepted in the local stack");
        }
        c.jwks_url = Url::parse("http://LocalHost:8080/realms/shop/certs").unwrap();
        assert!(compile(&c).is_ok());
        for url in [
            "http://idp.example.com/jwks",
            "http://128.0.0.1/jwks",
            "ftp://127.0.0.1/",
        ] {
            c.jwks_url = Url::parse(url).unwrap();
            assert!(compile(&c).is_err(), "{url}");
        }
    }

    #[test]
    fn a_tenant_template_needs_tenants_and_tenants_need_a_template() {
        let mut c = config();
        c.issuers = vec!["https://login.microsoftonline.com/{tenantid}/v2.0".into()];
        assert!(matches!(
            compile(&c),
            Err(VerifierConfigError::TenantsMissing(_))
        ));
        c.tenants = vec![TENANT.into()];
        assert_eq!(
            compile(&c).unwrap(),
            vec![Issuer::Tenant {
                prefix: "https://login.microsoftonline.com/".into(),
                suffix: "/v2.0".into()
            }]
        );
        c.tenants = vec!["contoso.onmicrosoft.com".into()];
        assert!(matches!(
            compile(&c),
            Err(VerifierConfigError::BadTenant(_))
        ));
        c.issuers = vec!["https://sts.windows.net/x/".into()];
        c.tenants = vec![TENANT.into()];
        assert_eq!(compile(&c), Err(VerifierConfigError::TenantsUnused));
    }

    #[test]
    fn the_tenant_placeholder_must_be_one_path_segment_of_an_https_issuer() {
        for issuer in [
            "https://{tenantid}.example.com/",
            "https://login.microsoftonline.com/{tenantid}/{tenantid}",
            "http://login.microsoftonline.com/{tenantid}/v2.0",
            "https://login.microsoftonline.com/x{tenantid}/v2.0",
            "https://login.microsoftonline.com/{tenantid}x/v2.0",
        ] {
            let mut c = config();
            c.issuers = vec![issuer.into()];
            c.tenants = vec![TENANT.into()];
            assert!(
                matches!(compile(&c), Err(VerifierConfigError::BadTemplate(_))),
                "{issuer}"
            );
        }
    }

    #[test]
    fn the_size_limit_stays_within_its_range() {
        let mut c = config();
        for (limit, ok) in [(1023, false), (1024, true), (65_536, true), (65_537, false)] {
            c.max_token_bytes = limit;
            assert_eq!(compile(&c).is_ok(), ok, "{limit}");
        }
    }

    #[test]
    fn empty_issuers_audiences_and_pins_are_refused() {
        let mut c = config();
        c.audiences.push(" ".into());
        assert_eq!(compile(&c), Err(VerifierConfigError::Empty("audience")));
        let mut c = config();
        c.issuers.clear();
        assert_eq!(compile(&c), Err(VerifierConfigError::Empty("issuer")));
        let mut c = config();
        c.required_claims = vec![("token_use".into(), String::new())];
        assert!(matches!(compile(&c), Err(VerifierConfigError::EmptyPin(_))));
    }

    #[test]
    fn guids_are_lowercase_8_4_4_4_12() {
        assert!(is_guid(TENANT));
        assert!(!is_guid(&TENANT.to_uppercase()));
        assert!(!is_guid("72f988bf86f141af91ab2d7cd011db47"));
        assert!(!is_guid("72f988bf-86f1-41af-91ab-2d7cd011db4"));
    }
}
