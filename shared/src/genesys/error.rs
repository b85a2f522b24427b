//! Typed Genesys Cloud errors. They keep what Genesys said (`status`, `code`, `message`,
//! `contextId`) for the log and never carry a token or secret.

use std::time::Duration;

use crate::ports::{GatewayError, SecretError};

/// Why a Genesys Cloud call failed.
#[derive(Debug, thiserror::Error)]
pub enum GenesysError {
    /// Genesys answered with an error that retrying will not fix.
    #[error(
        "genesys cloud refused the request: status {status}, code `{code}`, context id `{context_id}`"
    )]
    Api {
        /// The status Genesys answered.
        status: u16,
        /// Genesys's error code.
        code: String,
        /// Genesys's message (no secrets: Genesys does not echo credentials).
        message: String,
        /// Genesys's correlation id, for support cases.
        context_id: String,
    },
    /// 429 that could not be waited out within the deadline.
    #[error("genesys cloud rate limited the request (retry after {retry_after:?})")]
    RateLimited {
        /// What Genesys asked for.
        retry_after: Option<Duration>,
    },
    /// 5xx that persisted through the retries the deadline allowed.
    #[error("genesys cloud unavailable: status {status}")]
    Unavailable {
        /// The last status.
        status: u16,
    },
    /// The deadline passed before a request could be (re)sent; nothing was created.
    #[error("genesys cloud call did not complete within its deadline")]
    Timeout,
    /// A create whose request may have reached Genesys got no answer: it may or may not exist.
    /// Never retried blindly.
    #[error("genesys cloud did not answer a create in time; its outcome is unknown")]
    OutcomeUnknown,
    /// Credentials were refused (token endpoint 400/401, or the API 401 after one refresh).
    #[error("genesys cloud refused the client credentials or token")]
    Auth,
    /// The response was not the JSON the contract promises.
    #[error("genesys cloud sent a malformed response: {0}")]
    Malformed(String),
    /// Connection-level failure (refused, reset, TLS).
    #[error("could not reach genesys cloud")]
    Transport(#[source] reqwest::Error),
    /// The client's configuration or secrets are unusable.
    #[error("genesys client misconfigured: {0}")]
    Config(String),
    /// The client credentials could not be read from the secret store.
    #[error("genesys client credentials could not be read")]
    Secret(#[from] SecretError),
}

/// The port's kinds: what the flows branch on and `http::problem` maps to a status.
impl From<GenesysError> for GatewayError {
    fn from(e: GenesysError) -> Self {
        match e {
            GenesysError::Timeout => Self::TimedOut {
                outcome_unknown: false,
            },
            GenesysError::OutcomeUnknown => Self::TimedOut {
                outcome_unknown: true,
            },
            GenesysError::RateLimited { retry_after } => Self::Throttled {
                retry_after,
                source: Box::new(e),
            },
            GenesysError::Unavailable { .. }
            | GenesysError::Transport(_)
            | GenesysError::Secret(_) => Self::Unavailable(Box::new(e)),
            GenesysError::Api { .. }
            | GenesysError::Auth
            | GenesysError::Malformed(_)
            | GenesysError::Config(_) => Self::Refused(Box::new(e)),
        }
    }
}
