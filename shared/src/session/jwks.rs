//! Where the identity provider's public keys come from: a [`JwksSource`] port (HTTP in
//! production, in memory in tests) and the per-container [`KeyCache`] in front of it.
//!
//! The cache refetches when a token names an unknown `kid` (the IdP rotated its keys), but at most
//! once per refetch interval, and concurrent requests that need a fetch share one. It also
//! refreshes a set older than its maximum age (so a withdrawn key stops verifying), keeping the
//! old set if that refresh fails. So a flood of
//! tokens with made-up `kid`s costs the IdP one request per interval, not one per token.

use std::fmt::Debug;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use jsonwebtoken::Algorithm;
use jsonwebtoken::jwk::{
    AlgorithmParameters, EllipticCurve, Jwk, JwkSet, KeyOperations, PublicKeyUse,
};
use url::Url;

use super::error::{AuthError, JwksError, sanitize};
use crate::clock::Clock;

/// The largest JWKS document accepted; real ones are a few KiB.
pub const MAX_JWKS_BYTES: usize = 64 * 1024;

/// After a failed fetch with nothing cached, requests wait this long before trying again, so an
/// outage of the IdP is not multiplied by our request rate.
const EMPTY_RETRY_MS: i64 = 2_000;

/// Fetches the identity provider's key set.
#[async_trait]
pub trait JwksSource: Send + Sync + Debug {
    /// The current key set at `url`.
    async fn fetch(&self, url: &Url) -> Result<JwkSet, JwksError>;
}

/// Parses a JWKS document, dropping keys this library cannot represent instead of refusing the
/// whole set (an IdP may publish encryption keys or newer key types beside its signing keys).
pub fn parse_jwks(body: &[u8]) -> Result<JwkSet, JwksError> {
    #[derive(serde::Deserialize)]
    struct RawSet {
        keys: Vec<serde_json::Value>,
    }
    let raw: RawSet = serde_json::from_slice(body).map_err(JwksError::Json)?;
    let keys = raw
        .keys
        .into_iter()
        .filter_map(|k| serde_json::from_value::<Jwk>(k).ok())
        .collect();
    Ok(JwkSet { keys })
}

/// Fetches the key set over HTTPS with reqwest: bounded time, bounded size, no redirects.
#[derive(Debug, Clone)]
pub struct HttpJwksSource {
    client: reqwest::Client,
}

impl HttpJwksSource {
    /// Builds its own client with a `timeout` for the whole request.
    pub fn new(timeout: Duration) -> Result<Self, JwksError> {
        let client = crate::tls::http_client_builder()
            .map_err(JwksError::Tls)?
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(JwksError::Http)?;
        Ok(Self { client })
    }

    /// Uses a shared client (its timeouts and redirect policy apply).
    pub fn with_client(client: reqwest::Client) -> Self {
        Self { client }
    }
}

#[async_trait]
impl JwksSource for HttpJwksSource {
    #[tracing::instrument(name = "jwks_fetch", skip_all, fields(url = %url))]
    async fn fetch(&self, url: &Url) -> Result<JwkSet, JwksError> {
        let mut response = self
            .client
            .get(url.clone())
            .header(http::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(JwksError::Http)?;
        if !response.status().is_success() {
            return Err(JwksError::Status(response.status().as_u16()));
        }
        if response
            .content_length()
            .is_some_and(|len| len > MAX_JWKS_BYTES as u64)
        {
            return Err(JwksError::TooLarge {
                max: MAX_JWKS_BYTES,
            });
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(JwksError::Http)? {
            if body.len() + chunk.len() > MAX_JWKS_BYTES {
                return Err(JwksError::TooLarge {
                    max: MAX_JWKS_BYTES,
                });
            }
            body.extend_from_slice(&chunk);
        }
        parse_jwks(&body)
    }
}

/// An in-memory key set for tests and the local stack; counts fetches and can be made to fail.
#[derive(Debug, Default)]
pub struct StaticJwksSource {
    state: Mutex<(Option<JwkSet>, u64)>,
}

impl StaticJwksSource {
    /// Serves `keys`.
    pub fn new(keys: JwkSet) -> Self {
        Self {
            state: Mutex::new((Some(keys), 0)),
        }
    }

    /// Replaces the served key set (`None`: every fetch fails).
    pub fn set(&self, keys: Option<JwkSet>) {
        self.lock().0 = keys;
    }

    /// How many fetches were made.
    pub fn fetch_count(&self) -> u64 {
        self.lock().1
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (Option<JwkSet>, u64)> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl JwksSource for StaticJwksSource {
    async fn fetch(&self, _url: &Url) -> Result<JwkSet, JwksError> {
        let mut state = self.lock();
        state.1 += 1;
        state.0.clone().ok_or(JwksError::Unavailable)
    }
}

/// Whether `jwk` may verify a signature made with `alg`: the key's type and curve must fit the
/// algorithm, and its optional `alg`, `use` and `key_ops` must not say otherwise.
pub fn key_usable(jwk: &Jwk, alg: Algorithm) -> bool {
    if let Some(key_alg) = jwk.common.key_algorithm
        && key_alg != alg.into()
    {
        return false;
    }
    if let Some(usage) = &jwk.common.public_key_use
        && *usage != PublicKeyUse::Signature
    {
        return false;
    }
    if let Some(ops) = &jwk.common.key_operations
        && !ops.contains(&KeyOperations::Verify)
    {
        return false;
    }
    match (&jwk.algorithm, alg) {
        (
            AlgorithmParameters::RSA(rsa),
            Algorithm::RS256
            | Algorithm::RS384
            | Algorithm::RS512
            | Algorithm::PS256
            | Algorithm::PS384
            | Algorithm::PS512,
        ) => rsa_modulus_bits(&rsa.n).is_some_and(|bits| bits >= 2048),
        (AlgorithmParameters::EllipticCurve(ec), Algorithm::ES256) => {
            ec.curve == EllipticCurve::P256
        }
        (AlgorithmParameters::EllipticCurve(ec), Algorithm::ES384) => {
            ec.curve == EllipticCurve::P384
        }
        (AlgorithmParameters::OctetKeyPair(okp), Algorithm::EdDSA) => {
            okp.curve == EllipticCurve::Ed25519
        }
        _ => false,
    }
}

fn rsa_modulus_bits(n: &str) -> Option<usize> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(n.trim_end_matches('='))
        .ok()?;
    let first = bytes.iter().position(|b| *b != 0)?;
    let lead = bytes[first];
    Some((bytes.len() - first - 1) * 8 + (8 - lead.leading_zeros() as usize))
}

#[derive(Debug, Clone, Default)]
struct CacheState {
    keys: Option<Arc<JwkSet>>,
    fetched_at_ms: i64,
    last_attempt_ms: Option<i64>,
    last_unknown_key_fetch_ms: Option<i64>,
    last_failed: bool,
    attempts: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trigger {
    Empty,
    Stale,
    UnknownKey,
}

/// The per-container key cache in front of a [`JwksSource`].
#[derive(Debug)]
pub(crate) struct KeyCache {
    source: Arc<dyn JwksSource>,
    url: Url,
    clock: Arc<dyn Clock>,
    refetch_interval_ms: i64,
    max_age_ms: i64,
    state: Mutex<CacheState>,
    fetch_lock: tokio::sync::Mutex<()>,
}

impl KeyCache {
    pub(crate) fn new(
        source: Arc<dyn JwksSource>,
        url: Url,
        clock: Arc<dyn Clock>,
        refetch_interval: Duration,
        max_age: Duration,
    ) -> Self {
        Self {
            source,
            url,
            clock,
            refetch_interval_ms: duration_ms(refetch_interval),
            max_age_ms: duration_ms(max_age),
            state: Mutex::new(CacheState::default()),
            fetch_lock: tokio::sync::Mutex::new(()),
        }
    }

    /// The key that verifies a token with header `kid` and `alg`.
    ///
    /// A token without `kid` is accepted only when the key set holds exactly one key usable with
    /// its `alg`: with one key there is nothing to choose, with several the verifier would be
    /// trying keys on the token's behalf.
    pub(crate) async fn select(&self, kid: Option<&str>, alg: Algorithm) -> Result<Jwk, AuthError> {
        let mut state = self.snapshot();
        if state.keys.is_none() {
            state = self.refresh(state.attempts, Trigger::Empty).await;
        } else if self.is_stale(&state) && self.may_refresh_stale(&state) {
            state = self.refresh(state.attempts, Trigger::Stale).await;
        }
        let Some(keys) = state.keys.clone() else {
            return Err(AuthError::JwksUnavailable(JwksError::Unavailable));
        };
        let Some(kid) = kid else {
            return single_usable_key(&keys, alg);
        };
        match find(&keys, kid, alg) {
            Found::Usable(jwk) => return Ok(jwk.clone()),
            Found::Mismatch => return Err(mismatch(kid, alg)),
            Found::Absent => {}
        }
        if !self.may_fetch_unknown_key(&state) {
            return Err(unknown(kid));
        }
        let state = self.refresh(state.attempts, Trigger::UnknownKey).await;
        match state.keys.as_deref().map(|keys| find(keys, kid, alg)) {
            Some(Found::Usable(jwk)) => Ok(jwk.clone()),
            Some(Found::Mismatch) => Err(mismatch(kid, alg)),
            _ => Err(unknown(kid)),
        }
    }

    fn snapshot(&self) -> CacheState {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn is_stale(&self, state: &CacheState) -> bool {
        self.clock.now_ms() - state.fetched_at_ms >= self.max_age_ms
    }

    /// Unknown `kid`s cause at most one fetch per interval (counted from the last such fetch,
    /// so a key rotated in just after the first fetch is still picked up at once).
    fn may_fetch_unknown_key(&self, state: &CacheState) -> bool {
        state
            .last_unknown_key_fetch_ms
            .is_none_or(|at| self.clock.now_ms() - at >= self.refetch_interval_ms)
    }

    /// A stale set is refreshed at most once per interval of any fetch, so an IdP outage does
    /// not turn every request into a fetch.
    fn may_refresh_stale(&self, state: &CacheState) -> bool {
        state
            .last_attempt_ms
            .is_none_or(|at| self.clock.now_ms() - at >= self.refetch_interval_ms)
    }

    /// Fetches once for everyone who saw attempt number `seen_attempts`: callers queue on the
    /// fetch lock, and whoever finds that another fetch happened meanwhile uses its result.
    async fn refresh(&self, seen_attempts: u64, trigger: Trigger) -> CacheState {
        let _fetching = self.fetch_lock.lock().await;
        let current = self.snapshot();
        if current.attempts != seen_attempts {
            return current;
        }
        let now = self.clock.now_ms();
        let allowed = match trigger {
            Trigger::Empty => {
                !current.last_failed
                    || current
                        .last_attempt_ms
                        .is_none_or(|at| now - at >= EMPTY_RETRY_MS.min(self.refetch_interval_ms))
            }
            Trigger::Stale => self.may_refresh_stale(&current),
            Trigger::UnknownKey => self.may_fetch_unknown_key(&current),
        };
        if !allowed {
            return current;
        }
        let result = self.source.fetch(&self.url).await;
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.attempts += 1;
        state.last_attempt_ms = Some(now);
        if trigger == Trigger::UnknownKey {
            state.last_unknown_key_fetch_ms = Some(now);
        }
        match result {
            Ok(keys) => {
                tracing::info!(keys = keys.keys.len(), ?trigger, "jwks fetched");
                state.keys = Some(Arc::new(keys));
                state.fetched_at_ms = now;
                state.last_failed = false;
            }
            Err(error) => {
                tracing::warn!(error = %error, ?trigger, cached = state.keys.is_some(), "jwks fetch failed");
                state.last_failed = true;
            }
        }
        state.clone()
    }
}

enum Found<'a> {
    Usable(&'a Jwk),
    Mismatch,
    Absent,
}

fn find<'a>(keys: &'a JwkSet, kid: &str, alg: Algorithm) -> Found<'a> {
    let mut named = keys
        .keys
        .iter()
        .filter(|k| k.common.key_id.as_deref() == Some(kid))
        .peekable();
    if named.peek().is_none() {
        return Found::Absent;
    }
    match named.find(|k| key_usable(k, alg)) {
        Some(jwk) => Found::Usable(jwk),
        None => Found::Mismatch,
    }
}

fn single_usable_key(keys: &JwkSet, alg: Algorithm) -> Result<Jwk, AuthError> {
    let mut usable = keys.keys.iter().filter(|k| key_usable(k, alg));
    match (usable.next(), usable.next()) {
        (Some(jwk), None) => Ok(jwk.clone()),
        _ => Err(AuthError::MissingKid {
            alg: format!("{alg:?}"),
        }),
    }
}

fn unknown(kid: &str) -> AuthError {
    AuthError::UnknownKey { kid: sanitize(kid) }
}

fn mismatch(kid: &str, alg: Algorithm) -> AuthError {
    AuthError::KeyMismatch {
        kid: sanitize(kid),
        alg: format!("{alg:?}"),
    }
}

fn duration_ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn rsa_modulus_bits_counts_significant_bits() {
        use base64::Engine;
        let enc = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
        let mut n = vec![0x80u8];
        n.extend(std::iter::repeat_n(0xff, 255));
        assert_eq!(rsa_modulus_bits(&enc(&n)), Some(2048));
        let mut short = vec![0x00u8, 0x7f];
        short.extend(std::iter::repeat_n(0xff, 255));
        assert_eq!(rsa_modulus_bits(&enc(&short)), Some(2047));
    }

    #[test]
    fn a_jwks_with_an_unparsable_key_keeps_the_others() {
        let body = br#"{"keys":[
            {"kty":"EC","crv":"P-256","kid":"a","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"},
            {"kty":"EC","kid":7},
            "junk",
            {"kty":"EC","crv":17}
        ]}"#;
        let set = parse_jwks(body).unwrap();
        // The key with a numeric `kid` and the string are dropped; the odd EC key is kept as an
        // unknown key type, which no algorithm may use.
        assert_eq!(set.keys.len(), 2);
        assert!(!key_usable(&set.keys[1], Algorithm::ES256));
        assert!(key_usable(&set.keys[0], Algorithm::ES256));
        assert!(!key_usable(&set.keys[0], Algorithm::RS256));
        assert!(!key_usable(&set.keys[0], Algorithm::ES384));
        assert!(!key_usable(&set.keys[0], Algorithm::HS256));
    }

    #[test]
    fn a_key_whose_alg_or_use_disagrees_is_not_usable() {
        let jwk = |extra: &str| -> Jwk {
            serde_json::from_str(&format!(
                r#"{{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"{extra}}}"#
            ))
            .unwrap()
        };
        assert!(key_usable(
            &jwk(r#","alg":"ES256","use":"sig""#),
            Algorithm::ES256
        ));
        assert!(!key_usable(&jwk(r#","alg":"ES384""#), Algorithm::ES256));
        assert!(!key_usable(&jwk(r#","use":"enc""#), Algorithm::ES256));
        assert!(!key_usable(
            &jwk(r#","key_ops":["sign"]"#),
            Algorithm::ES256
        ));
        assert!(key_usable(
            &jwk(r#","key_ops":["verify"]"#),
            Algorithm::ES256
        ));
    }
}
