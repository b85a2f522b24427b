//! Fault injection: the next N requests (optionally only those under a path prefix) fail in a
//! chosen way. Admin routes under `/_sandbox` are never faulted.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// What an injected fault does to a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum FaultKind {
    /// Answer with this status and a Genesys error body, without doing the work. A 429 always
    /// carries `Retry-After` (1 s unless given).
    Status {
        /// The HTTP status.
        status: u16,
        /// `Retry-After` in seconds.
        #[serde(
            default,
            rename = "retryAfterSecs",
            skip_serializing_if = "Option::is_none"
        )]
        retry_after_secs: Option<u64>,
    },
    /// Do the work (a create creates), then hold the answer back this long: a slow Genesys.
    Delay {
        /// Milliseconds.
        ms: u64,
    },
    /// Close the connection without answering (before doing the work). With the sandbox's own
    /// listener the socket is reset; nested in another server, the response is aborted after its
    /// headers.
    Reset,
    /// Answer with this status and a truncated JSON body, without doing the work.
    Malformed {
        /// The HTTP status.
        status: u16,
    },
}

/// One armed fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Fault {
    /// What happens.
    #[serde(flatten)]
    pub kind: FaultKind,
    /// Only requests whose path (relative to the sandbox) starts with this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_prefix: Option<String>,
    /// How many requests it applies to.
    #[serde(default = "one")]
    pub count: u32,
}

fn one() -> u32 {
    1
}

impl Fault {
    /// The next request fails with `status` (and a Genesys error body).
    pub fn status(status: u16) -> Self {
        Self::new(FaultKind::Status {
            status,
            retry_after_secs: None,
        })
    }

    /// The next request gets 429 with `Retry-After: secs`.
    pub fn rate_limited(retry_after_secs: u64) -> Self {
        Self::new(FaultKind::Status {
            status: 429,
            retry_after_secs: Some(retry_after_secs),
        })
    }

    /// The next request is answered `delay` late (after its work is done).
    pub fn delay(delay: Duration) -> Self {
        let ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
        Self::new(FaultKind::Delay { ms })
    }

    /// The next request's connection is closed without an answer.
    pub fn reset() -> Self {
        Self::new(FaultKind::Reset)
    }

    /// The next request is answered with `status` and a body that is not valid JSON.
    pub fn malformed(status: u16) -> Self {
        Self::new(FaultKind::Malformed { status })
    }

    fn new(kind: FaultKind) -> Self {
        Self {
            kind,
            path_prefix: None,
            count: 1,
        }
    }

    /// Applies to the next `count` matching requests instead of one.
    #[must_use]
    pub fn times(mut self, count: u32) -> Self {
        self.count = count;
        self
    }

    /// Applies only to requests whose path starts with `prefix` (e.g. `/oauth/token`).
    #[must_use]
    pub fn on_path(mut self, prefix: impl Into<String>) -> Self {
        self.path_prefix = Some(prefix.into());
        self
    }

    pub(crate) fn matches(&self, path: &str) -> bool {
        self.count > 0
            && self
                .path_prefix
                .as_deref()
                .is_none_or(|prefix| path.starts_with(prefix))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn faults_read_from_admin_json() {
        let fault: Fault = serde_json::from_str(
            r#"{"kind":"status","status":429,"retryAfterSecs":2,"pathPrefix":"/api","count":3}"#,
        )
        .unwrap();
        assert_eq!(fault, Fault::rate_limited(2).times(3).on_path("/api"));
        let reset: Fault = serde_json::from_str(r#"{"kind":"reset"}"#).unwrap();
        assert_eq!(reset, Fault::reset());
    }
}
