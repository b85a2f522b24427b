//! The HTTP exchange under every Genesys Cloud call: one request with a deadline-bounded
//! timeout, a size-bounded answer, and the waits the retry policy allows (`Retry-After` for 429,
//! backoff for 5xx and connection failures). Which statuses to retry is the caller's to decide
//! ([`super::GenesysClient`], [`super::token::Tokens`]); whether a request may be sent again
//! once it may have reached Genesys Cloud is its [`Repeat`].

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};
use tokio::time::Instant;
use url::Url;

use super::error::GenesysError;
use super::meter::CallMeter;
use super::retry::{RetryPolicy, fits, remaining, retry_after};
use crate::ports::SecretString;

/// Largest response body read; Genesys answers here are a few kilobytes.
const MAX_RESPONSE_BYTES: usize = 1 << 20;

/// How a request authenticates.
#[derive(Clone, Copy)]
pub(crate) enum Auth<'a> {
    /// `Authorization: Bearer` with an access token.
    Bearer(&'a SecretString),
    /// `Authorization: Basic` with the OAuth client (the token endpoint).
    Client {
        id: &'a SecretString,
        secret: &'a SecretString,
    },
}

/// Whether a request may be sent again after it may have reached Genesys Cloud.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Repeat {
    /// Creates something: once sent, a lost answer is [`GenesysError::OutcomeUnknown`], and so is
    /// a 502/504 from a gateway that may have forwarded it (the caller's rule). Only explicit
    /// refusals (401, 429, 503) and connection failures before sending are retried.
    Never,
    /// Reads, merges, disconnects and token requests: repeating is harmless.
    Safe,
}

/// What is sent.
#[derive(Clone, Copy)]
pub(crate) enum Body<'a> {
    /// `application/json`.
    Json(&'a [u8]),
    /// `application/x-www-form-urlencoded`.
    Form(&'a [(&'a str, &'a str)]),
}

/// One request, as often as it is attempted.
pub(crate) struct Request<'a> {
    pub(crate) method: Method,
    pub(crate) url: &'a Url,
    pub(crate) auth: Auth<'a>,
    pub(crate) body: Body<'a>,
    pub(crate) repeat: Repeat,
    /// What it is, for logs and errors (`token request`).
    pub(crate) what: &'static str,
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
enum ReadError {
    /// The deadline left no time to send anything.
    NoTime,
    /// The exchange failed; `sent` is false only when the connection was never established.
    Failed { sent: bool, error: reqwest::Error },
    /// The body exceeded [`MAX_RESPONSE_BYTES`].
    TooLarge,
}

/// The HTTP client and the retry policy, shared by API calls and token requests.
pub(crate) struct Transport {
    http: reqwest::Client,
    request_timeout: Duration,
    retry: RetryPolicy,
}

impl Transport {
    pub(crate) fn new(
        http: reqwest::Client,
        request_timeout: Duration,
        retry: RetryPolicy,
    ) -> Self {
        Self {
            http,
            request_timeout,
            retry,
        }
    }

    /// One attempt at `request`: its answer, whatever the status; `None` once the wait before
    /// the next attempt has passed, after an exchange that failed; or the error to give up with
    /// (no time left, an answer too large, no retry the policy and deadline allow, or a request
    /// that must not be repeated and may have reached Genesys Cloud). The `meter` counts
    /// the retries of the whole call.
    pub(crate) async fn attempt(
        &self,
        request: &Request<'_>,
        meter: &mut CallMeter,
        deadline: Instant,
    ) -> Result<Option<Answer>, GenesysError> {
        let error = match self.send(request, deadline).await {
            Ok(answer) => return Ok(Some(answer)),
            Err(ReadError::NoTime) => return Err(GenesysError::Timeout),
            Err(ReadError::TooLarge) => {
                let what = request.what;
                return Err(GenesysError::Malformed(format!(
                    "{what}: response body too large"
                )));
            }
            Err(ReadError::Failed { sent, error }) => {
                if sent && request.repeat == Repeat::Never {
                    tracing::warn!(%error, what = request.what, "genesys cloud did not answer a create; its outcome is unknown");
                    return Err(GenesysError::OutcomeUnknown);
                }
                error
            }
        };
        let Some(wait) = self.transient_wait(meter.retries + 1, deadline) else {
            return Err(transport_error(error));
        };
        meter.retries += 1;
        tracing::warn!(
            %error,
            what = request.what,
            retry = meter.retries,
            wait_ms = wait.as_millis(),
            "genesys cloud request failed; retrying"
        );
        tokio::time::sleep(wait).await;
        Ok(None)
    }

    /// After a 429 or a 502/503/504: waits as long as [`Self::throttle_wait`] says, counting
    /// one more retry (and a throttle, for a 429), or gives up with its error.
    pub(crate) async fn wait_throttled(
        &self,
        answer: &Answer,
        meter: &mut CallMeter,
        deadline: Instant,
    ) -> Result<(), GenesysError> {
        let status = answer.status.as_u16();
        if status == 429 {
            meter.throttles += 1;
        }
        let wait = self.throttle_wait(status, &answer.headers, meter.retries + 1, deadline)?;
        meter.retries += 1;
        tokio::time::sleep(wait).await;
        Ok(())
    }

    /// Sends one request, its timeout cut to what is left of `deadline`.
    async fn send(&self, request: &Request<'_>, deadline: Instant) -> Result<Answer, ReadError> {
        let left = remaining(deadline).ok_or(ReadError::NoTime)?;
        let mut builder = self
            .http
            .request(request.method.clone(), request.url.clone())
            .header(ACCEPT, HeaderValue::from_static("application/json"))
            .timeout(left.min(self.request_timeout));
        builder = match request.auth {
            Auth::Bearer(token) => builder.bearer_auth(token.expose()),
            Auth::Client { id, secret } => builder.basic_auth(id.expose(), Some(secret.expose())),
        };
        builder = match request.body {
            Body::Json(json) => builder
                .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                .body(json.to_vec()),
            Body::Form(form) => builder.form(form),
        };
        read(builder.send().await).await
    }

    /// The wait before retry `retry` of a failed exchange, if the policy and deadline allow one.
    fn transient_wait(&self, retry: u32, deadline: Instant) -> Option<Duration> {
        let wait = self.retry.backoff(retry);
        (retry < self.retry.max_attempts && fits(deadline, wait)).then_some(wait)
    }

    /// The wait before retrying a 429 (its `Retry-After`) or a 502/503/504 (backoff); the error
    /// to give up with when the policy or the deadline leaves no room.
    fn throttle_wait(
        &self,
        status: u16,
        headers: &HeaderMap,
        retry: u32,
        deadline: Instant,
    ) -> Result<Duration, GenesysError> {
        let policy = &self.retry;
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

/// Reads a whole answer, bounded in size.
async fn read(sent: Result<reqwest::Response, reqwest::Error>) -> Result<Answer, ReadError> {
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
fn transport_error(error: reqwest::Error) -> GenesysError {
    if error.is_timeout() {
        GenesysError::Timeout
    } else {
        GenesysError::Transport(error)
    }
}
