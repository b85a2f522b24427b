//! An HTTP ownership check: `POST {url}` with `{"subject", "fields": {"orderId": "88472"}}`,
//! expecting `{"owned": ["orderId"]}` (the names of the fields that are the subject's) within a
//! hard deadline. The flow applies the failure policy when it does not answer in time or
//! answers nonsense.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::ports::{OwnershipCheck, OwnershipError, OwnershipQuery};

/// Asks the site's ownership endpoint.
#[derive(Debug, Clone)]
pub struct HttpOwnershipCheck {
    http: reqwest::Client,
    url: Url,
    deadline: Duration,
}

#[derive(Serialize)]
struct CheckRequest<'a> {
    subject: &'a str,
    fields: &'a BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct CheckResponse {
    owned: Vec<String>,
}

impl HttpOwnershipCheck {
    /// Builds the client once per container.
    pub fn new(url: Url, deadline: Duration) -> Result<Self, OwnershipError> {
        let http = crate::tls::site_client(deadline).map_err(OwnershipError::Unavailable)?;
        Ok(Self {
            http,
            url,
            deadline,
        })
    }
}

#[async_trait]
impl OwnershipCheck for HttpOwnershipCheck {
    async fn owned(&self, query: &OwnershipQuery<'_>) -> Result<BTreeSet<String>, OwnershipError> {
        let request = CheckRequest {
            subject: query.subject,
            fields: query.fields,
        };
        let call = async {
            let response = self
                .http
                .post(self.url.clone())
                .json(&request)
                .send()
                .await
                .map_err(|e| OwnershipError::Unavailable(Box::new(e)))?;
            if !response.status().is_success() {
                let status = response.status().as_u16();
                return Err(OwnershipError::Unavailable(
                    format!("ownership check answered status {status}").into(),
                ));
            }
            let body: CheckResponse = response
                .json()
                .await
                .map_err(|_| OwnershipError::Malformed)?;
            // Only names that were asked: an answer naming anything else is not an answer.
            let owned: BTreeSet<String> = body.owned.into_iter().collect();
            if owned.iter().all(|name| query.fields.contains_key(name)) {
                Ok(owned)
            } else {
                Err(OwnershipError::Malformed)
            }
        };
        tokio::time::timeout(self.deadline, call)
            .await
            .unwrap_or(Err(OwnershipError::Timeout))
    }
}
