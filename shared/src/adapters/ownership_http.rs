//! An HTTP ownership check: `POST {url}` with `{"subject", "fields": {"orderId": "88472"}}`,
//! expecting `{"owned": ["orderId"]}` (the names of the fields that are the subject's) within a
//! hard deadline. The flow applies the failure policy when it does not answer in time or
//! answers nonsense.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use url::Url;

use super::site_http::{SiteCallError, SiteService};
use crate::ports::{OwnershipCheck, OwnershipError, OwnershipQuery};

/// Asks the site's ownership endpoint.
#[derive(Debug, Clone)]
pub struct HttpOwnershipCheck {
    service: SiteService,
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
        let service = SiteService::new(url, deadline).map_err(OwnershipError::Unavailable)?;
        Ok(Self { service })
    }
}

#[async_trait]
impl OwnershipCheck for HttpOwnershipCheck {
    async fn owned(&self, query: &OwnershipQuery<'_>) -> Result<BTreeSet<String>, OwnershipError> {
        let request = CheckRequest {
            subject: query.subject,
            fields: query.fields,
        };
        let body: CheckResponse = self
            .service
            .post("ownership check", &request)
            .await
            .map_err(|e| match e {
                SiteCallError::Unavailable(e) => OwnershipError::Unavailable(e),
                SiteCallError::Malformed => OwnershipError::Malformed,
                SiteCallError::Timeout => OwnershipError::Timeout,
            })?;
        // Only names that were asked: an answer naming anything else is not an answer.
        let owned: BTreeSet<String> = body.owned.into_iter().collect();
        if owned.iter().all(|name| query.fields.contains_key(name)) {
            Ok(owned)
        } else {
            Err(OwnershipError::Malformed)
        }
    }
}
