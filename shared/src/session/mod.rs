//! End-user session verification (JWT via JWKS) and the session hash.

mod claims;
mod error;
mod hash;
mod jwks;
mod jwt;
mod key_cache;
mod policy;
mod seal;

pub use error::{AuthError, JwksError};
pub use hash::{
    MIN_KEY_BYTES, PresentedHash, SESSION_HASH_LEN, SessionHash, SessionKeyError, SessionKeys,
};
pub use jwks::{
    HttpJwksSource, JwksSource, KeySet, MAX_JWKS_BYTES, StaticJwksSource, key_usable, parse_jwks,
};
pub use jwt::{SessionVerifier, VerifiedSession, normalize_type};
pub use policy::{
    DEFAULT_ALGORITHMS, DEFAULT_JWKS_MAX_AGE, DEFAULT_JWKS_REFETCH_INTERVAL, DEFAULT_LEEWAY_SECS,
    DEFAULT_MAX_TOKEN_BYTES, MAX_LEEWAY_SECS, MAX_MAX_TOKEN_BYTES, MIN_MAX_TOKEN_BYTES,
    TENANT_PLACEHOLDER, VerifierConfig, VerifierConfigError, is_loopback,
};
pub use seal::{SealError, Sealer};
