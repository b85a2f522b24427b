//! An HTTP risk scorer: `POST {url}` with `{"subjectKey", "clientIp", "claims"}`, expecting
//! `{"score": 0..=100}` within a hard deadline. The flow applies the fail-open/fail-closed
//! policy when it does not answer in time or answers nonsense.

use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use url::Url;

use super::site_http::{SiteCallError, SiteService};
use crate::ports::{RiskContext, RiskError, RiskScorer};

/// Scores through a customer's fraud service.
#[derive(Debug, Clone)]
pub struct HttpRiskScorer {
    service: SiteService,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ScoreRequest<'a> {
    subject_key: &'a str,
    client_ip: Option<&'a str>,
    claims: &'a serde_json::Map<String, serde_json::Value>,
}

#[derive(Deserialize)]
struct ScoreResponse {
    score: i64,
}

impl HttpRiskScorer {
    /// Builds the client once per container.
    pub fn new(url: Url, deadline: Duration) -> Result<Self, RiskError> {
        let service = SiteService::new(url, deadline).map_err(RiskError::Unavailable)?;
        Ok(Self { service })
    }
}

#[async_trait]
impl RiskScorer for HttpRiskScorer {
    async fn score(&self, ctx: &RiskContext<'_>) -> Result<i64, RiskError> {
        let request = ScoreRequest {
            subject_key: ctx.subject_key,
            client_ip: ctx.client_ip,
            claims: ctx.claims,
        };
        let body: ScoreResponse =
            self.service
                .post("risk scorer", &request)
                .await
                .map_err(|e| match e {
                    SiteCallError::Unavailable(e) => RiskError::Unavailable(e),
                    SiteCallError::Malformed => RiskError::Malformed,
                    SiteCallError::Timeout => RiskError::Timeout,
                })?;
        if (0..=100).contains(&body.score) {
            Ok(body.score)
        } else {
            Err(RiskError::Malformed)
        }
    }
}
