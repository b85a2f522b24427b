//! The per-container [`KeyCache`] in front of a [`JwksSource`].
//!
//! The cache refetches when a token names an unknown `kid` (the IdP rotated its keys), but at
//! most once per refetch interval, and concurrent requests that need a fetch share one. It also
//! refreshes a set older than its maximum age (so a withdrawn key stops verifying), keeping the
//! old set if that refresh fails. So a flood of tokens with made-up `kid`s costs the IdP one
//! request per interval, not one per token.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use jsonwebtoken::Algorithm;
use jsonwebtoken::jwk::Jwk;
use url::Url;

use super::error::{AuthError, JwksError, sanitize};
use super::jwks::{JwksSource, KeySet, key_usable};
use crate::clock::Clock;

/// After a failed fetch with nothing cached, requests wait this long before trying again, so an
/// outage of the IdP is not multiplied by our request rate.
const EMPTY_RETRY_MS: i64 = 2_000;

#[derive(Debug, Clone, Default)]
struct CacheState {
    keys: Option<Arc<KeySet>>,
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

/// The key a token selected, and the issuer its key set scopes it to (if any).
#[derive(Debug, Clone)]
pub(crate) struct SelectedKey {
    pub(crate) jwk: Jwk,
    pub(crate) issuer: Option<String>,
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
    pub(crate) async fn select(
        &self,
        kid: Option<&str>,
        alg: Algorithm,
    ) -> Result<SelectedKey, AuthError> {
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
            Found::Usable(jwk, issuer) => return Ok(selected(jwk, issuer)),
            Found::Mismatch => return Err(mismatch(kid, alg)),
            Found::Absent => {}
        }
        if !self.may_fetch_unknown_key(&state) {
            return Err(unknown(kid));
        }
        let state = self.refresh(state.attempts, Trigger::UnknownKey).await;
        match state.keys.as_deref().map(|keys| find(keys, kid, alg)) {
            Some(Found::Usable(jwk, issuer)) => Ok(selected(jwk, issuer)),
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
                tracing::info!(keys = keys.len(), ?trigger, "jwks fetched");
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
    Usable(&'a Jwk, Option<&'a str>),
    Mismatch,
    Absent,
}

fn selected(jwk: &Jwk, issuer: Option<&str>) -> SelectedKey {
    SelectedKey {
        jwk: jwk.clone(),
        issuer: issuer.map(str::to_owned),
    }
}

fn find<'a>(keys: &'a KeySet, kid: &str, alg: Algorithm) -> Found<'a> {
    let mut named = keys
        .scoped()
        .filter(|(k, _)| k.common.key_id.as_deref() == Some(kid))
        .peekable();
    if named.peek().is_none() {
        return Found::Absent;
    }
    match named.find(|(k, _)| key_usable(k, alg)) {
        Some((jwk, issuer)) => Found::Usable(jwk, issuer),
        None => Found::Mismatch,
    }
}

fn single_usable_key(keys: &KeySet, alg: Algorithm) -> Result<SelectedKey, AuthError> {
    let mut usable = keys.scoped().filter(|(k, _)| key_usable(k, alg));
    match (usable.next(), usable.next()) {
        (Some((jwk, issuer)), None) => Ok(selected(jwk, issuer)),
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
