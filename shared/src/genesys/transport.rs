//! The HTTP exchange under every Genesys Cloud call: one request with a deadline-bounded
//! timeout, a size-bounded answer, and the waits the retry policy allows (`Retry-After` for 429,
//! backoff for 5xx and connection failures). What to retry and when a create's outcome is
//! unknown is the caller's to decide ([`super::GenesysClient`], [`super::token::Tokens`]).

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};
use tokio::time::Instant;
use url::Url;

use super::GenesysError;
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

/// What is sent.
pub(crate) enum Body<'a> {
    /// Nothing.
    Empty,
    /// `application/json`.
    Json(&'a [u8]),
    /// `application/x-www-form-urlencoded`.
    Form(&'a [(&'a str, &'a str)]),
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

    /// Sends one request, its timeout cut to what is left of `deadline`.
    pub(crate) async fn send(
        &self,
        method: Method,
        url: Url,
        auth: Auth<'_>,
        body: Body<'_>,
        deadline: Instant,
    ) -> Result<Answer, ReadError> {
        let left = remaining(deadline).ok_or(ReadError::NoTime)?;
        let mut request = self
            .http
            .request(method, url)
            .header(ACCEPT, HeaderValue::from_static("application/json"))
            .timeout(left.min(self.request_timeout));
        request = match auth {
            Auth::Bearer(token) => request.bearer_auth(token.expose()),
            Auth::Client { id, secret } => request.basic_auth(id.expose(), Some(secret.expose())),
        };
        request = match body {
            Body::Empty => request,
            Body::Json(json) => request
                .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                .body(json.to_vec()),
            Body::Form(form) => request.form(form),
        };
        read(request.send().await).await
    }

    /// The wait before retry `retry` of a failed exchange, if the policy and deadline allow one.
    pub(crate) fn transient_wait(&self, retry: u32, deadline: Instant) -> Option<Duration> {
        let wait = self.retry.backoff(retry);
        (retry < self.retry.max_attempts && fits(deadline, wait)).then_some(wait)
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
pub(crate) fn transport_error(error: reqwest::Error) -> GenesysError {
    if error.is_timeout() {
        GenesysError::Timeout
    } else {
        GenesysError::Transport(error)
    }
}
