//! Verifies the end user's session JWT (`Authorization: Bearer ...`) against the identity
//! provider's JWKS.
//!
//! What is checked, in order, and why:
//! 1. Size: a token over `max_token_bytes` is refused before any parsing.
//! 2. Shape: three base64url parts; the header is a JSON object.
//! 3. Algorithm: the header's `alg` must be in the configured list, which can never hold `none` or
//!    an HS* algorithm ([`SessionVerifier::new`] refuses them), and the selected key must fit it
//!    (RSA keys only for RS*/PS*, P-256 only for ES256, P-384 only for ES384, Ed25519 only for
//!    EdDSA, and the key's own `alg`/`use`/`key_ops` must agree). The header alone never picks the
//!    algorithm, so a public key can never be used as an HMAC secret.
//! 4. Key: by `kid` from the cached JWKS; an unknown `kid` triggers at most one refetch per
//!    interval. A token without `kid` is accepted only when the JWKS has exactly one key usable
//!    with its `alg`. The `jku`, `x5u`, `jwk` and `x5c` headers are ignored: keys come only from
//!    the configured JWKS URL. A `crit` header is refused (no extension is implemented).
//! 5. Signature, then claims: `iss`, `aud`, `exp`, `sub` (and `nbf` unless configured otherwise)
//!    are required with the right JSON types; `exp` and `nbf` are compared with the injected
//!    [`Clock`] and a small leeway; `sub` must be a non-empty string.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};
use url::Url;

use super::error::{AuthError, sanitize};
use super::jwks::JwksSource;
use super::key_cache::KeyCache;
use crate::clock::Clock;

/// Default allowed algorithms.
pub const DEFAULT_ALGORITHMS: [Algorithm; 2] = [Algorithm::RS256, Algorithm::ES256];
/// Default clock-skew allowance for `exp` and `nbf`.
pub const DEFAULT_LEEWAY_SECS: u64 = 30;
/// Default minimum time between two JWKS fetches caused by unknown `kid`s.
pub const DEFAULT_JWKS_REFETCH_INTERVAL: Duration = Duration::from_secs(60);
/// Default age after which the cached JWKS is refreshed even if every `kid` is known, so a key the
/// IdP withdrew stops verifying.
pub const DEFAULT_JWKS_MAX_AGE: Duration = Duration::from_secs(600);
/// Default size limit of a token in bytes.
pub const DEFAULT_MAX_TOKEN_BYTES: usize = 8192;

/// How session tokens are verified. Build with [`VerifierConfig::new`] and adjust the fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifierConfig {
    /// The IdP's JWKS URL (HTTPS; plain HTTP only on a loopback host, for the local stack).
    pub jwks_url: Url,
    /// The exact `iss` tokens must carry.
    pub issuer: String,
    /// The value `aud` must carry (or contain, if it is an array).
    pub audience: String,
    /// Allowed signature algorithms (default RS256 and ES256); HS* is refused.
    pub algorithms: Vec<Algorithm>,
    /// Clock-skew allowance for `exp` and `nbf` in seconds (default 30, at most 300).
    pub leeway_secs: u64,
    /// Minimum time between fetches caused by unknown `kid`s (default 60 s).
    pub jwks_refetch_interval: Duration,
    /// Age after which the cached JWKS is refreshed anyway (default 10 min).
    pub jwks_max_age: Duration,
    /// Tokens longer than this are refused unparsed (default 8192).
    pub max_token_bytes: usize,
    /// Whether `nbf` must be present (default true). Some IdPs omit it; a present `nbf` is always
    /// checked and must be a number.
    pub require_nbf: bool,
}

impl VerifierConfig {
    /// The defaults for an IdP.
    pub fn new(jwks_url: Url, issuer: impl Into<String>, audience: impl Into<String>) -> Self {
        Self {
            jwks_url,
            issuer: issuer.into(),
            audience: audience.into(),
            algorithms: DEFAULT_ALGORITHMS.to_vec(),
            leeway_secs: DEFAULT_LEEWAY_SECS,
            jwks_refetch_interval: DEFAULT_JWKS_REFETCH_INTERVAL,
            jwks_max_age: DEFAULT_JWKS_MAX_AGE,
            max_token_bytes: DEFAULT_MAX_TOKEN_BYTES,
            require_nbf: true,
        }
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
    /// The JWKS URL is not HTTPS (or HTTP on loopback).
    #[error("jwks url `{0}` must use https")]
    InsecureJwksUrl(String),
    /// Issuer or audience empty.
    #[error("`{0}` must not be empty")]
    Empty(&'static str),
    /// Leeway over five minutes.
    #[error("leeway of {0} s is over the maximum of 300 s")]
    LeewayTooLarge(u64),
}

/// A verified session: the subject and all claims (for claim-sourced attributes).
#[derive(Clone, PartialEq)]
pub struct VerifiedSession {
    /// The `sub` claim, non-empty.
    pub subject: String,
    /// Every claim of the token.
    pub claims: Map<String, Value>,
}

impl fmt::Debug for VerifiedSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Subjects and claim values are personal data: show only which claims there are.
        f.debug_struct("VerifiedSession")
            .field("subject", &"[redacted]")
            .field("claims", &self.claims.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// Verifies session JWTs; build once per container and share (`Arc`).
#[derive(Debug)]
pub struct SessionVerifier {
    config: VerifierConfig,
    validation: Validation,
    keys: KeyCache,
    clock: Arc<dyn Clock>,
}

impl SessionVerifier {
    /// Checks the configuration and sets up an empty key cache (the first verification fetches).
    pub fn new(
        config: VerifierConfig,
        jwks_source: Arc<dyn JwksSource>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, VerifierConfigError> {
        check_config(&config)?;
        let mut validation = Validation::new(config.algorithms[0]);
        validation.algorithms = config.algorithms.clone();
        let mut required = vec!["exp", "iss", "aud", "sub"];
        if config.require_nbf {
            required.push("nbf");
        }
        validation.set_required_spec_claims(&required);
        validation.set_issuer(&[config.issuer.as_str()]);
        validation.set_audience(&[config.audience.as_str()]);
        validation.validate_aud = true;
        // Time is checked below against the injected clock, not the library's system time.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.leeway = 0;
        let keys = KeyCache::new(
            jwks_source,
            config.jwks_url.clone(),
            clock.clone(),
            config.jwks_refetch_interval,
            config.jwks_max_age,
        );
        Ok(Self {
            config,
            validation,
            keys,
            clock,
        })
    }

    /// The configuration in force.
    pub fn config(&self) -> &VerifierConfig {
        &self.config
    }

    /// Verifies `token` (without the `Bearer ` prefix).
    #[tracing::instrument(name = "verify_session_token", skip_all, err(Display, level = "info"))]
    pub async fn verify(&self, token: &str) -> Result<VerifiedSession, AuthError> {
        if token.len() > self.config.max_token_bytes {
            return Err(AuthError::TooLarge {
                len: token.len(),
                max: self.config.max_token_bytes,
            });
        }
        let header = parse_header(token)?;
        if header.contains_key("crit") {
            return Err(AuthError::CriticalHeader);
        }
        let alg = match header.get("alg") {
            Some(Value::String(name)) => Algorithm::from_str(name)
                .ok()
                .filter(|alg| self.config.algorithms.contains(alg))
                .ok_or_else(|| AuthError::AlgorithmNotAllowed {
                    alg: sanitize(name),
                })?,
            _ => return Err(AuthError::Malformed("header has no string `alg`")),
        };
        let kid = match header.get("kid") {
            None => None,
            Some(Value::String(kid)) => Some(kid.as_str()),
            Some(_) => return Err(AuthError::Malformed("header `kid` is not a string")),
        };
        let jwk = self.keys.select(kid, alg).await?;
        let key = DecodingKey::from_jwk(&jwk).map_err(AuthError::Jwt)?;
        let mut validation = self.validation.clone();
        validation.algorithms = vec![alg];
        let data = jsonwebtoken::decode::<Map<String, Value>>(token, &key, &validation)
            .map_err(map_jwt_error)?;
        let claims = data.claims;
        self.check_times(&claims)?;
        let subject = match claims.get("sub") {
            Some(Value::String(sub)) if !sub.trim().is_empty() => sub.clone(),
            _ => return Err(AuthError::InvalidSubject),
        };
        Ok(VerifiedSession { subject, claims })
    }

    fn check_times(&self, claims: &Map<String, Value>) -> Result<(), AuthError> {
        let now = self.clock.now_secs();
        let leeway = i64::try_from(self.config.leeway_secs).unwrap_or(i64::MAX);
        let exp = numeric_date(claims, "exp")?.ok_or_else(|| missing("exp"))?;
        if exp.saturating_add(leeway) < now {
            return Err(AuthError::Expired);
        }
        match numeric_date(claims, "nbf")? {
            Some(nbf) if nbf.saturating_sub(leeway) > now => Err(AuthError::NotYetValid),
            None if self.config.require_nbf => Err(missing("nbf")),
            _ => Ok(()),
        }
    }
}

fn check_config(config: &VerifierConfig) -> Result<(), VerifierConfigError> {
    if config.algorithms.is_empty() {
        return Err(VerifierConfigError::NoAlgorithms);
    }
    if let Some(alg) = config
        .algorithms
        .iter()
        .find(|a| matches!(a, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512))
    {
        return Err(VerifierConfigError::SymmetricAlgorithm(format!("{alg:?}")));
    }
    let url = &config.jwks_url;
    let loopback = matches!(url.host(), Some(url::Host::Domain("localhost")))
        || matches!(url.host(), Some(url::Host::Ipv4(ip)) if ip.is_loopback())
        || matches!(url.host(), Some(url::Host::Ipv6(ip)) if ip.is_loopback());
    if url.scheme() != "https" && !(url.scheme() == "http" && loopback) {
        return Err(VerifierConfigError::InsecureJwksUrl(url.to_string()));
    }
    if config.issuer.is_empty() {
        return Err(VerifierConfigError::Empty("issuer"));
    }
    if config.audience.is_empty() {
        return Err(VerifierConfigError::Empty("audience"));
    }
    if config.leeway_secs > 300 {
        return Err(VerifierConfigError::LeewayTooLarge(config.leeway_secs));
    }
    Ok(())
}

fn parse_header(token: &str) -> Result<Map<String, Value>, AuthError> {
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(AuthError::Malformed("not three dot-separated parts"));
    };
    if header.is_empty() || payload.is_empty() || signature.is_empty() {
        return Err(AuthError::Malformed("empty part"));
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(header)
        .map_err(|_| AuthError::Malformed("header is not base64url"))?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(AuthError::Malformed("header is not a json object")),
    }
}

/// A NumericDate claim: a JSON number (integer or finite fraction, RFC 7519 §2), anything else
/// is refused rather than skipped.
fn numeric_date(claims: &Map<String, Value>, name: &str) -> Result<Option<i64>, AuthError> {
    match claims.get(name) {
        None => Ok(None),
        Some(Value::Number(n)) => {
            if let Some(i) = n.as_i64() {
                Ok(Some(i))
            } else if let Some(f) = n.as_f64().filter(|f| f.is_finite()) {
                // Fractions are floored: the comparison is in whole seconds.
                #[allow(clippy::cast_possible_truncation)]
                Ok(Some(
                    f.floor().clamp(i64::MIN as f64, i64::MAX as f64) as i64
                ))
            } else {
                Err(missing(name))
            }
        }
        Some(_) => Err(missing(name)),
    }
}

fn missing(claim: &str) -> AuthError {
    AuthError::MissingClaim {
        claim: claim.to_owned(),
    }
}

fn map_jwt_error(error: jsonwebtoken::errors::Error) -> AuthError {
    match error.kind() {
        ErrorKind::InvalidSignature => AuthError::BadSignature,
        ErrorKind::InvalidIssuer => AuthError::WrongIssuer,
        ErrorKind::InvalidAudience => AuthError::WrongAudience,
        ErrorKind::ExpiredSignature => AuthError::Expired,
        ErrorKind::ImmatureSignature => AuthError::NotYetValid,
        ErrorKind::MissingRequiredClaim(claim) | ErrorKind::InvalidClaimFormat(claim) => {
            AuthError::MissingClaim {
                claim: sanitize(claim),
            }
        }
        ErrorKind::InvalidToken | ErrorKind::Base64(_) | ErrorKind::Utf8(_) => {
            AuthError::Malformed("token parts do not decode")
        }
        ErrorKind::Json(_) => AuthError::Malformed("header or claims are not valid json"),
        _ => AuthError::Jwt(error),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::ports::ManualClock;
    use crate::session::StaticJwksSource;

    fn config() -> VerifierConfig {
        VerifierConfig::new(
            Url::parse("https://idp.example.com/.well-known/jwks.json").unwrap(),
            "https://idp.example.com/",
            "web-messaging",
        )
    }

    fn build(config: VerifierConfig) -> Result<SessionVerifier, VerifierConfigError> {
        SessionVerifier::new(
            config,
            Arc::new(StaticJwksSource::default()),
            Arc::new(ManualClock::new(0)),
        )
    }

    #[test]
    fn hs256_cannot_be_configured() {
        let mut c = config();
        c.algorithms = vec![Algorithm::ES256, Algorithm::HS256];
        assert_eq!(
            build(c).unwrap_err(),
            VerifierConfigError::SymmetricAlgorithm("HS256".into())
        );
    }

    #[test]
    fn a_plain_http_jwks_url_is_refused_unless_on_loopback() {
        let mut c = config();
        c.jwks_url = Url::parse("http://idp.example.com/jwks").unwrap();
        assert!(matches!(
            build(c.clone()).unwrap_err(),
            VerifierConfigError::InsecureJwksUrl(_)
        ));
        c.jwks_url = Url::parse("http://127.0.0.1:8080/jwks").unwrap();
        assert!(build(c).is_ok());
    }

    #[tokio::test]
    async fn an_oversized_token_is_refused_before_parsing() {
        let v = build(config()).unwrap();
        let err = v.verify(&"a".repeat(8193)).await.unwrap_err();
        assert!(matches!(
            err,
            AuthError::TooLarge {
                len: 8193,
                max: 8192
            }
        ));
    }

    #[tokio::test]
    async fn a_token_that_is_not_three_parts_is_malformed() {
        let v = build(config()).unwrap();
        for token in ["", "abc", "a.b", "a.b.c.d", "a..c", "!!.b.c"] {
            assert!(
                matches!(v.verify(token).await, Err(AuthError::Malformed(_))),
                "{token}"
            );
        }
    }

    #[test]
    fn error_messages_never_contain_the_token() {
        let token = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJzZWNyZXQtdXNlciJ9.c2ln";
        for err in [
            AuthError::Malformed("x"),
            AuthError::AlgorithmNotAllowed { alg: "none".into() },
            AuthError::BadSignature,
        ] {
            assert!(!err.to_string().contains(token));
            assert!(!err.to_string().contains("secret-user"));
        }
    }

    #[test]
    fn string_and_fractional_numeric_dates() {
        let claims: Map<String, Value> =
            serde_json::from_str(r#"{"exp":"9999999999","nbf":10.7,"iat":-1}"#).unwrap();
        assert!(matches!(
            numeric_date(&claims, "exp"),
            Err(AuthError::MissingClaim { .. })
        ));
        assert_eq!(numeric_date(&claims, "nbf").unwrap(), Some(10));
        assert_eq!(numeric_date(&claims, "iat").unwrap(), Some(-1));
        assert_eq!(numeric_date(&claims, "zzz").unwrap(), None);
    }
}
