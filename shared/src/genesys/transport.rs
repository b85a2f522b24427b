//! One API call with its retries: bearer token, deadline-bounded per-attempt timeout, 401 →
//! refresh → retry (then rotation), 429 and 5xx waits, and the rule that a create which may have
//! reached Genesys Cloud is never sent twice.

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};
use tokio::time::Instant;
use url::Url;

use super::GenesysError;
use super::client::GenesysClient;
use super::retry::{fits, remaining, retry_after};
use super::token::TokenWanted;
use super::wire::api_error;

/// Largest response body read; Genesys answers here are a few kilobytes.
const MAX_RESPONSE_BYTES: usize = 1 << 20;

/// Whether a call may be repeated after its request may have reached Genesys Cloud.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Repeat {
    /// Creates something: after sending, a lost answer is [`GenesysError::OutcomeUnknown`], and
    /// 502/504 (a gateway that may have forwarded it) too. Only explicit refusals (401, 429, 503)
    /// and connection failures before sending are retried.
    Never,
    /// Reads or merges: repeating is harmless.
    Safe,
}

/// One API request.
#[derive(Debug)]
pub(crate) struct ApiCall {
    pub(crate) method: Method,
    pub(crate) url: Url,
    pub(crate) json: Option<Vec<u8>>,
    pub(crate) repeat: Repeat,
}

/// A complete answer.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

/// Why no complete answer arrived.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// The exchange failed; `sent` is false only when the connection was never established.
    Failed { sent: bool, error: reqwest::Error },
    /// The body exceeded [`MAX_RESPONSE_BYTES`].
    TooLarge,
}

/// Reads a whole answer, bounded in size.
pub(crate) async fn read(
    sent: Result<reqwest::Response, reqwest::Error>,
) -> Result<Answer, ReadError> {
    let failed = |error: reqwest::Error| ReadError::Failed {
        sent: !error.is_connect(),
        error,
    };
    let mut response = sent.map_err(failed)?;
    let status = response.status();
    let headers = response.headers().clone();
    let mut body = BytesMut::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|error| ReadError::Failed { sent: true, error })?
    {
        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Err(ReadError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Answer {
        status,
        headers,
        body: body.freeze(),
    })
}

/// A failed exchange as an error: a timeout is the deadline's doing, anything else transport.
pub(crate) fn transport_error(error: reqwest::Error) -> GenesysError {
    if error.is_timeout() {
        GenesysError::Timeout
    } else {
        GenesysError::Transport(error)
    }
}

impl GenesysClient {
    /// Runs `call` until it succeeds, fails for good, or the deadline leaves no room.
    pub(crate) async fn execute(
        &self,
        call: &ApiCall,
        deadline: Instant,
    ) -> Result<Bytes, GenesysError> {
        let mut wanted = TokenWanted::Any;
        let mut refusals = 0;
        let mut retries = 0;
        loop {
            let token = self.access_token(wanted, deadline).await?;
            let left = remaining(deadline).ok_or(GenesysError::Timeout)?;
            let mut request = self
                .http
                .request(call.method.clone(), call.url.clone())
                .bearer_auth(token.value.expose())
                .header(ACCEPT, HeaderValue::from_static("application/json"))
                .timeout(left.min(self.config.request_timeout));
            if let Some(json) = &call.json {
                request = request
                    .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                    .body(json.clone());
            }
            let answer = match read(request.send().await).await {
                Ok(answer) => answer,
                Err(ReadError::TooLarge) => {
                    return Err(GenesysError::Malformed(
                        "response body too large".to_owned(),
                    ));
                }
                Err(ReadError::Failed { sent, error }) => {
                    if sent && call.repeat == Repeat::Never {
                        tracing::warn!(%error, "genesys cloud did not answer a create; its outcome is unknown");
                        return Err(GenesysError::OutcomeUnknown);
                    }
                    retries += 1;
                    match self.transient_wait(retries, deadline) {
                        Some(wait) => {
                            tracing::warn!(%error, retry = retries, wait_ms = wait.as_millis(), "genesys cloud call failed; retrying");
                            tokio::time::sleep(wait).await;
                            continue;
                        }
                        None => return Err(transport_error(error)),
                    }
                }
            };
            let status = answer.status.as_u16();
            match status {
                200..=299 => return Ok(answer.body),
                401 => {
                    refusals += 1;
                    wanted = match refusals {
                        1 => TokenWanted::Replacing {
                            generation: token.generation,
                            rotate_secret: false,
                        },
                        2 => TokenWanted::Replacing {
                            generation: token.generation,
                            rotate_secret: true,
                        },
                        _ => {
                            tracing::error!("genesys cloud refused a freshly issued token");
                            return Err(GenesysError::Auth);
                        }
                    };
                    tracing::warn!(
                        refusals,
                        "genesys cloud refused the access token; refreshing it"
                    );
                }
                502 | 504 if call.repeat == Repeat::Never => {
                    tracing::warn!(
                        status,
                        "a gateway failed a create it may have forwarded; its outcome is unknown"
                    );
                    return Err(GenesysError::OutcomeUnknown);
                }
                429 | 502..=504 => {
                    retries += 1;
                    let wait = self.throttle_wait(status, &answer.headers, retries, deadline)?;
                    tokio::time::sleep(wait).await;
                }
                _ => return Err(api_error(status, &answer.body)),
            }
        }
    }

    /// The wait before retry `retry` of a failed exchange, if the policy and deadline allow one.
    pub(crate) fn transient_wait(&self, retry: u32, deadline: Instant) -> Option<Duration> {
        let wait = self.config.retry.backoff(retry);
        (retry < self.config.retry.max_attempts && fits(deadline, wait)).then_some(wait)
    }

    /// The wait before retrying a 429 (its `Retry-After`) or a 502/503/504 (backoff); the error
    /// to give up with when the policy or the deadline leaves no room.
    pub(crate) fn throttle_wait(
        &self,
        status: u16,
        headers: &HeaderMap,
        retry: u32,
        deadline: Instant,
    ) -> Result<Duration, GenesysError> {
        let policy = &self.config.retry;
        if status == 429 {
            let wait = retry_after(headers).unwrap_or(policy.default_retry_after);
            if retry < policy.max_attempts && fits(deadline, wait) {
                tracing::warn!(
                    retry,
                    wait_ms = wait.as_millis(),
                    "genesys cloud rate limited the call; waiting as asked"
                );
                return Ok(wait);
            }
            tracing::warn!(
                wait_ms = wait.as_millis(),
                "genesys cloud rate limited the call past the deadline; giving up"
            );
            return Err(GenesysError::RateLimited {
                retry_after: Some(wait),
            });
        }
        let wait = policy.backoff(retry);
        if retry < policy.max_attempts && fits(deadline, wait) {
            tracing::warn!(
                status,
                retry,
                wait_ms = wait.as_millis(),
                "genesys cloud unavailable; backing off"
            );
            return Ok(wait);
        }
        tracing::warn!(status, retry, "genesys cloud unavailable; giving up");
        Err(GenesysError::Unavailable { status })
    }
}
