//! Why a session token was refused. The variants tell causes apart for the logs; the HTTP layer
//! answers every one of them with the same 401 (except [`AuthError::JwksUnavailable`], a 503),
//! so a caller learns nothing about which check failed.
//!
//! No variant holds the token or any claim value: at most the header's `alg` and `kid`, cut to
//! a short, printable form.

/// Why the identity provider's key set could not be obtained.
#[derive(Debug, thiserror::Error)]
pub enum JwksError {
    /// The request failed (connection, TLS, timeout).
    #[error("jwks request failed")]
    Http(#[source] reqwest::Error),
    /// The client's TLS roots are unusable (`SSL_CERT_FILE`).
    #[error("jwks client: {0}")]
    Tls(#[source] crate::tls::TlsRootsError),
    /// The server answered with a non-success status.
    #[error("jwks endpoint answered status {0}")]
    Status(u16),
    /// The body exceeded the size cap.
    #[error("jwks document is larger than {max} bytes")]
    TooLarge {
        /// The cap in bytes.
        max: usize,
    },
    /// The body was not a JSON key set (`{"keys": [...]}`).
    #[error("jwks document is not a json key set")]
    Json(#[source] serde_json::Error),
    /// The in-memory source was told to fail (tests).
    #[error("jwks source unavailable")]
    Unavailable,
}

/// Why a session JWT was refused.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Refused before parsing: longer than the configured maximum.
    #[error("token of {len} bytes exceeds the limit of {max}")]
    TooLarge {
        /// Its length in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// Not a compact JWS (three base64url parts, JSON header and claims).
    #[error("token is malformed: {0}")]
    Malformed(&'static str),
    /// The header's `alg` is not in the allowed list (this covers `none` and every HS*).
    #[error("algorithm `{alg}` is not allowed")]
    AlgorithmNotAllowed {
        /// The header's `alg`, sanitised.
        alg: String,
    },
    /// The header lists critical extensions (`crit`), none of which this verifier implements.
    #[error("token has critical header extensions")]
    CriticalHeader,
    /// No `kid`, and the key set does not have exactly one key usable with the header's `alg`.
    #[error("token has no `kid` and the key set has no single key for `{alg}`")]
    MissingKid {
        /// The header's `alg`.
        alg: String,
    },
    /// The `kid` is not in the key set, even after the permitted refetch.
    #[error("no key with kid `{kid}` in the key set")]
    UnknownKey {
        /// The header's `kid`, sanitised.
        kid: String,
    },
    /// The key named by `kid` cannot verify the header's `alg` (wrong type, curve, `alg`, `use`
    /// or `key_ops`); the token's header alone never selects the algorithm.
    #[error("key `{kid}` cannot be used with algorithm `{alg}`")]
    KeyMismatch {
        /// The `kid`, sanitised.
        kid: String,
        /// The header's `alg`.
        alg: String,
    },
    /// The signature does not verify under the selected key.
    #[error("signature does not verify")]
    BadSignature,
    /// `exp` (plus leeway) has passed.
    #[error("token has expired")]
    Expired,
    /// `nbf` (minus leeway) is still in the future.
    #[error("token is not valid yet")]
    NotYetValid,
    /// `iss` is none of the configured issuers.
    #[error("token issuer is not one of the configured issuers")]
    WrongIssuer,
    /// `iss` fills a `{tenantid}` issuer, but not with the token's own `tid`, or with a tenant
    /// that is not allowed.
    #[error("token tenant refused: {0}")]
    WrongTenant(&'static str),
    /// The signing key is scoped to another issuer than the token's (Microsoft Entra).
    #[error("the signing key is scoped to another issuer than the token's")]
    KeyIssuerMismatch,
    /// `aud` holds none of the configured audiences (or, without `aud`, `client_id` is not one).
    #[error("token audience (or client_id) is not one of the configured audiences")]
    WrongAudience,
    /// Neither `aud` nor `client_id`: the token names no recipient, so it is never accepted.
    #[error("token has neither `aud` nor `client_id`")]
    NoAudience,
    /// The header `typ` is not one of the configured token types.
    #[error("token type (header `typ`) is not one of the configured types")]
    WrongTokenType,
    /// A pinned claim is absent or has a value not listed for it.
    #[error("claim `{claim}` does not have one of its configured values")]
    ClaimMismatch {
        /// The claim's name.
        claim: String,
    },
    /// A required claim is absent or has the wrong JSON type (a string `exp`, for example).
    #[error("claim `{claim}` is missing or has the wrong type")]
    MissingClaim {
        /// The claim's name.
        claim: String,
    },
    /// `sub` is not a non-empty string.
    #[error("claim `sub` is not a non-empty string")]
    InvalidSubject,
    /// The identity provider's key set could not be fetched and nothing is cached (maps to 503).
    #[error("identity provider key set unavailable")]
    JwksUnavailable(#[source] JwksError),
    /// Any other refusal from the JWT library (kept for the log).
    #[error("token refused")]
    Jwt(#[source] jsonwebtoken::errors::Error),
}

impl AuthError {
    /// A short, stable name for the cause, for metrics and structured logs.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::TooLarge { .. } => "too_large",
            Self::Malformed(_) => "malformed",
            Self::AlgorithmNotAllowed { .. } => "algorithm_not_allowed",
            Self::CriticalHeader => "critical_header",
            Self::MissingKid { .. } => "missing_kid",
            Self::UnknownKey { .. } => "unknown_key",
            Self::KeyMismatch { .. } => "key_mismatch",
            Self::BadSignature => "bad_signature",
            Self::Expired => "expired",
            Self::NotYetValid => "not_yet_valid",
            Self::WrongIssuer => "wrong_issuer",
            Self::WrongTenant(_) => "wrong_tenant",
            Self::KeyIssuerMismatch => "key_issuer_mismatch",
            Self::WrongAudience => "wrong_audience",
            Self::NoAudience => "no_audience",
            Self::WrongTokenType => "wrong_token_type",
            Self::ClaimMismatch { .. } => "claim_mismatch",
            Self::MissingClaim { .. } => "missing_claim",
            Self::InvalidSubject => "invalid_subject",
            Self::JwksUnavailable(_) => "jwks_unavailable",
            Self::Jwt(_) => "jwt",
        }
    }
}

/// Cuts an attacker-chosen header value to at most 64 printable ASCII characters for logs.
pub(crate) fn sanitize(value: &str) -> String {
    value
        .chars()
        .take(64)
        .map(|c| {
            if c.is_ascii_graphic() && c != '`' {
                c
            } else {
                '?'
            }
        })
        .collect()
}
