//! What the store adapters share: their partition keys, and rate limiting over the one atomic
//! step each backend makes itself ([`WindowCounter`]).

use std::fmt::Debug;

use async_trait::async_trait;
use aws_lc_rs::digest;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::ports::{RateDecision, RateLimiter, StoreError};
use crate::session::SessionHash;

/// `session#<digest>`: records are keyed by the SHA-256 of the session hash, never the hash
/// itself, so a copy of the table holds no value that validates. A plain digest suffices: the
/// input has 256 random bits, so there is nothing to brute-force.
pub(crate) fn session_pk(session_hash: &SessionHash) -> String {
    let d = digest::digest(&digest::SHA256, session_hash.as_str().as_bytes());
    format!("session#{}", URL_SAFE_NO_PAD.encode(d.as_ref()))
}

/// `rate#<subject_key>#<window index>`.
fn rate_pk(subject_key: &str, window: i64) -> String {
    format!("rate#{subject_key}#{window}")
}

/// `idem#<key>`.
pub(crate) fn idem_pk(key: &str) -> String {
    format!("idem#{key}")
}

/// `pending#<subject_key>`: the subject's creates whose outcome is not recorded yet.
pub(crate) fn pending_pk(subject_key: &str) -> String {
    format!("pending#{subject_key}")
}

/// `idembody#<key>`: a completed key's sealed body, which lives only as long as its ticket
/// (DynamoDB keeps it as an item of its own; the memory store drops the body on read).
#[cfg(feature = "aws")]
pub(crate) fn idem_body_pk(key: &str) -> String {
    format!("idembody#{key}")
}

/// One rate-limit hit's window: its counter's key and TTL, and the answer once the count is at
/// its limit.
pub(crate) struct RateWindow {
    pub(crate) pk: String,
    pub(crate) ttl: i64,
    pub(crate) limited: RateDecision,
}

/// The window of a hit by `subject_key` at `now_secs`, or at once the refusal when `limit` is
/// zero. Counters outlive their window by one more window, then TTL may remove them.
fn rate_window(
    subject_key: &str,
    limit: u32,
    window_secs: u64,
    now_secs: i64,
) -> Result<RateWindow, RateDecision> {
    let (index, end) = window(now_secs, window_secs);
    let limited = RateDecision::Limited {
        retry_after_secs: retry_after(end, now_secs),
    };
    if limit == 0 {
        return Err(limited);
    }
    Ok(RateWindow {
        pk: rate_pk(subject_key, index),
        ttl: end.saturating_add(i64::try_from(window_secs).unwrap_or(i64::MAX)),
        limited,
    })
}

/// The step of rate limiting a backend makes atomically: counting one hit in a window. Every
/// backend is a [`RateLimiter`] through it, so the windows and the zero limit are one rule.
#[async_trait]
pub(crate) trait WindowCounter: Send + Sync + Debug {
    /// Adds one to `window`'s counter unless it already holds `limit`: whether it did.
    async fn count_hit(
        &self,
        window: RateWindow,
        limit: u32,
        now_secs: i64,
    ) -> Result<bool, StoreError>;
}

#[async_trait]
impl<T: WindowCounter> RateLimiter for T {
    async fn hit(
        &self,
        subject_key: &str,
        limit: u32,
        window_secs: u64,
        now_secs: i64,
    ) -> Result<RateDecision, StoreError> {
        let window = match rate_window(subject_key, limit, window_secs, now_secs) {
            Ok(window) => window,
            Err(limited) => return Ok(limited),
        };
        let limited = window.limited;
        Ok(if self.count_hit(window, limit, now_secs).await? {
            RateDecision::Allowed
        } else {
            limited
        })
    }
}

/// The fixed window containing `now_secs`: its index and its end (Unix seconds).
fn window(now_secs: i64, window_secs: u64) -> (i64, i64) {
    let len = i64::try_from(window_secs.max(1)).unwrap_or(i64::MAX);
    let index = now_secs.div_euclid(len);
    (index, index.saturating_mul(len).saturating_add(len))
}

/// Seconds until the window ends, at least one.
fn retry_after(window_end: i64, now_secs: i64) -> u64 {
    u64::try_from(window_end.saturating_sub(now_secs))
        .unwrap_or(1)
        .max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_keys_hide_the_hash() {
        let hash = SessionHash::parse(&"A".repeat(43)).unwrap_or_else(|| unreachable!());
        let pk = session_pk(&hash);
        assert!(pk.starts_with("session#"));
        assert!(!pk.contains(hash.as_str()));
        assert_eq!(pk.len(), "session#".len() + 43);
    }

    #[test]
    fn windows_are_fixed_and_aligned() {
        assert_eq!(window(120, 60), (2, 180));
        assert_eq!(window(179, 60), (2, 180));
        assert_eq!(window(180, 60), (3, 240));
        assert_eq!(retry_after(180, 179), 1);
        assert_eq!(retry_after(180, 120), 60);
    }
}
