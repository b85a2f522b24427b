//! One JSON call to a service of the site's own (the risk scorer, the ownership check): `POST
//! {url}` with a JSON body, a JSON answer within a hard deadline, no redirects, the site's TLS
//! roots (`crate::tls::site_client`). What the answer means is the caller's: each port maps
//! [`SiteCallError`] to its own error, and its flow applies its failure policy.

use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;
use url::Url;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Why a site's service gave no usable answer.
#[derive(Debug)]
pub(super) enum SiteCallError {
    /// Not reached, or answered a non-success status (the status only: a body may echo input).
    Unavailable(BoxError),
    /// Answered, but not with the JSON the caller expects.
    Malformed,
    /// No answer within the deadline.
    Timeout,
}

/// A site's service: its client (built once per container), URL and deadline.
#[derive(Debug, Clone)]
pub(super) struct SiteService {
    http: reqwest::Client,
    url: Url,
    deadline: Duration,
}

impl SiteService {
    pub(super) fn new(url: Url, deadline: Duration) -> Result<Self, BoxError> {
        let http = crate::tls::site_client(deadline)?;
        Ok(Self {
            http,
            url,
            deadline,
        })
    }

    /// Posts `request` and reads the answer as `T`; `service` names it in errors ("risk
    /// scorer").
    pub(super) async fn post<T: DeserializeOwned>(
        &self,
        service: &str,
        request: &impl Serialize,
    ) -> Result<T, SiteCallError> {
        let call = async {
            let response = self
                .http
                .post(self.url.clone())
                .json(request)
                .send()
                .await
                .map_err(|e| SiteCallError::Unavailable(Box::new(e)))?;
            let status = response.status();
            if !status.is_success() {
                let status = status.as_u16();
                return Err(SiteCallError::Unavailable(
                    format!("{service} answered status {status}").into(),
                ));
            }
            response.json().await.map_err(|_| SiteCallError::Malformed)
        };
        tokio::time::timeout(self.deadline, call)
            .await
            .unwrap_or(Err(SiteCallError::Timeout))
    }
}
