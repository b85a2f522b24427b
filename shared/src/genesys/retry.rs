//! Deadline-bounded retries: `Retry-After` for 429, capped jittered backoff for 5xx and
//! connection failures, and never a wait that would end past the caller's deadline.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};
use tokio::time::Instant;

/// How hard the client retries transient failures (429, 502, 503, 504, connection failures).
/// The caller's deadline always wins: a retry whose wait would end past it is not attempted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Most attempts of one call, the first included (default 4).
    pub max_attempts: u32,
    /// Backoff before the first retry of a 5xx (default 100 ms); doubles each retry.
    pub base_delay: Duration,
    /// Ceiling of one backoff (default 2 s).
    pub max_delay: Duration,
    /// `Retry-After` assumed when a 429 comes without one (default 1 s).
    pub default_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(2),
            default_retry_after: Duration::from_secs(1),
        }
    }
}

impl RetryPolicy {
    /// Backoff before retry number `retry` (1-based): `base·2^(retry-1)` capped at `max_delay`,
    /// then "equal jitter" (a random point in its upper half) so instances do not retry in step.
    pub fn backoff(&self, retry: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1u32 << retry.saturating_sub(1).min(20))
            .min(self.max_delay);
        let half = exp / 2;
        half + half.mul_f64(random_unit())
    }
}

/// `Retry-After` in seconds (the only form Genesys Cloud sends).
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

/// Time left before `deadline`, if any.
pub(crate) fn remaining(deadline: Instant) -> Option<Duration> {
    let left = deadline.saturating_duration_since(Instant::now());
    (!left.is_zero()).then_some(left)
}

/// Whether waiting `wait` still leaves time for another attempt before `deadline`.
pub(crate) fn fits(deadline: Instant, wait: Duration) -> bool {
    Instant::now() + wait < deadline
}

/// A random number in `[0, 1)` from the standard library's per-process random hash keys.
fn random_unit() -> f64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(0);
    let bits = hasher.finish() >> 11;
    // 53 random bits scaled into [0, 1).
    bits as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn backoff_grows_is_capped_and_jittered_within_its_upper_half() {
        let policy = RetryPolicy::default();
        for retry in 1..=10 {
            let exp =
                (Duration::from_millis(100) * 2u32.pow(retry - 1)).min(Duration::from_secs(2));
            for _ in 0..50 {
                let wait = policy.backoff(retry);
                assert!(wait >= exp / 2 && wait <= exp, "retry {retry}: {wait:?}");
            }
        }
    }

    #[test]
    fn retry_after_is_read_in_seconds_only() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static("3"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(3)));
        headers.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&headers), None);
    }
}
