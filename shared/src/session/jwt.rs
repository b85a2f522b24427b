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
//!    algorithm, so a public key can never be used as an HMAC secret. When token types are
//!    pinned, the header's `typ` must be one of them.
//! 4. Key: by `kid` from the cached JWKS; an unknown `kid` triggers at most one refetch per
//!    interval. A token without `kid` is accepted only when the JWKS has exactly one key usable
//!    with its `alg`. The `jku`, `x5u`, `jwk` and `x5c` headers are ignored: keys come only from
//!    the configured JWKS URL. A `crit` header is refused (no extension is implemented).
//! 5. Signature, then claims (the `claims` module): `exp` and, when present or required, `nbf`
//!    against the injected [`Clock`] with a small leeway; `iss` among the configured issuers
//!    (with its tenant, for a `{tenantid}` issuer) and the issuer the key is scoped to; `aud`, or
//!    without it `client_id`, among the configured audiences; the pinned claims; a non-empty
//!    string `sub`. What is accepted and why it is still safe: the `policy` module.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};

use super::claims::Expected;
use super::error::{AuthError, sanitize};
use super::jwks::JwksSource;
use super::key_cache::KeyCache;
use super::policy::{VerifierConfig, VerifierConfigError, compile};
use crate::clock::Clock;

/// A verified session: the subject and all claims (for claim-sourced attributes).
#[derive(Clone, PartialEq)]
pub struct VerifiedSession {
    /// Who is calling: the non-empty `sub` claim, qualified by `iss` when more than one issuer is
    /// accepted (a `sub` is unique only within its issuer). Never logged or stored raw.
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
    expected: Expected,
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
        let issuers = compile(&config)?;
        let mut validation = Validation::new(config.algorithms[0]);
        validation.algorithms = config.algorithms.clone();
        // The claims are checked by the `claims` module, against the injected clock.
        validation.set_required_spec_claims::<&str>(&[]);
        validation.validate_aud = false;
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
            expected: Expected { config, issuers },
            validation,
            keys,
            clock,
        })
    }

    /// The configuration in force.
    pub fn config(&self) -> &VerifierConfig {
        &self.expected.config
    }

    /// Verifies `token` (without the `Bearer ` prefix).
    #[tracing::instrument(name = "verify_session_token", skip_all, err(Display, level = "info"))]
    pub async fn verify(&self, token: &str) -> Result<VerifiedSession, AuthError> {
        let max = self.expected.config.max_token_bytes;
        if token.len() > max {
            return Err(AuthError::TooLarge {
                len: token.len(),
                max,
            });
        }
        let header = parse_header(token)?;
        if header.contains_key("crit") {
            return Err(AuthError::CriticalHeader);
        }
        let alg = self.algorithm(&header)?;
        self.check_type(&header)?;
        let kid = match header.get("kid") {
            None => None,
            Some(Value::String(kid)) => Some(kid.as_str()),
            Some(_) => return Err(AuthError::Malformed("header `kid` is not a string")),
        };
        let key = self.keys.select(kid, alg).await?;
        let decoding = DecodingKey::from_jwk(&key.jwk).map_err(AuthError::Jwt)?;
        let mut validation = self.validation.clone();
        validation.algorithms = vec![alg];
        let data = jsonwebtoken::decode::<Map<String, Value>>(token, &decoding, &validation)
            .map_err(map_jwt_error)?;
        let claims = data.claims;
        let now = self.clock.now_secs();
        let subject = self.expected.check(&claims, key.issuer.as_deref(), now)?;
        Ok(VerifiedSession { subject, claims })
    }

    fn algorithm(&self, header: &Map<String, Value>) -> Result<Algorithm, AuthError> {
        match header.get("alg") {
            Some(Value::String(name)) => Algorithm::from_str(name)
                .ok()
                .filter(|alg| self.expected.config.algorithms.contains(alg))
                .ok_or_else(|| AuthError::AlgorithmNotAllowed {
                    alg: sanitize(name),
                }),
            _ => Err(AuthError::Malformed("header has no string `alg`")),
        }
    }

    /// With token types pinned, `typ` must be one of them: a media type, compared without case
    /// and without an `application/` prefix (RFC 7515 §4.1.9, RFC 9068 §2.1).
    fn check_type(&self, header: &Map<String, Value>) -> Result<(), AuthError> {
        let types = &self.expected.config.token_types;
        if types.is_empty() {
            return Ok(());
        }
        let typ = header
            .get("typ")
            .and_then(Value::as_str)
            .map(normalize_type);
        match typ {
            Some(typ) if types.contains(&typ) => Ok(()),
            _ => Err(AuthError::WrongTokenType),
        }
    }
}

/// A `typ` value in the form the configuration keeps: lowercase, without `application/`.
pub fn normalize_type(typ: &str) -> String {
    let lower = typ.trim().to_ascii_lowercase();
    lower
        .strip_prefix("application/")
        .map_or(lower.clone(), str::to_owned)
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
    use crate::session::policy::test_config as config;

    fn build(config: VerifierConfig) -> Result<SessionVerifier, VerifierConfigError> {
        SessionVerifier::new(
            config,
            Arc::new(StaticJwksSource::default()),
            Arc::new(ManualClock::new(0)),
        )
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
        let mut raised = config();
        raised.max_token_bytes = 16 * 1024;
        let v = build(raised).unwrap();
        let err = v.verify(&"a".repeat(16 * 1024 + 1)).await.unwrap_err();
        assert!(matches!(err, AuthError::TooLarge { max: 16384, .. }));
        // Under the raised limit the same bytes are parsed (and found malformed).
        let err = v.verify(&"a".repeat(9000)).await.unwrap_err();
        assert!(matches!(err, AuthError::Malformed(_)));
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

    #[tokio::test]
    async fn a_pinned_token_type_is_checked_before_any_key_is_fetched() {
        let mut c = config();
        c.token_types = vec!["at+jwt".into()];
        let v = build(c).unwrap();
        let token = |typ: &str| {
            let header = URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"ES256","typ":"{typ}"}}"#));
            format!("{header}.e30.c2ln")
        };
        for refused in ["JWT", "jwt", "at+jwt+x"] {
            assert!(
                matches!(
                    v.verify(&token(refused)).await,
                    Err(AuthError::WrongTokenType)
                ),
                "{refused}"
            );
        }
        // Accepted types reach the key cache (here: empty, so the keys are unavailable).
        for accepted in ["at+jwt", "AT+JWT", "application/at+jwt"] {
            assert!(
                matches!(
                    v.verify(&token(accepted)).await,
                    Err(AuthError::JwksUnavailable(_))
                ),
                "{accepted}"
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
    fn token_types_are_compared_as_media_types() {
        assert_eq!(normalize_type("application/AT+JWT"), "at+jwt");
        assert_eq!(normalize_type(" JWT "), "jwt");
    }
}
