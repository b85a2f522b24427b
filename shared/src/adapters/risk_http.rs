//! An HTTP risk scorer: `POST {url}` with `{"subjectKey", "clientIp", "claims"}`, expecting
//! `{"score": 0..=100}` within a hard deadline. The flow applies the fail-open/fail-closed
//! policy when it does not answer in time or answers nonsense.

use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::ports::{RiskContext, RiskError, RiskScorer};

/// Scores through a customer's fraud service.
#[derive(Debug, Clone)]
pub struct HttpRiskScorer {
    http: reqwest::Client,
    url: Url,
    deadline: Duration,
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
        let http = crate::tls::site_client(deadline).map_err(RiskError::Unavailable)?;
        Ok(Self {
            http,
            url,
            deadline,
        })
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
        let call = async {
            let response = self
                .http
                .post(self.url.clone())
                .json(&request)
                .send()
                .await
                .map_err(|e| RiskError::Unavailable(Box::new(e)))?;
            if !response.status().is_success() {
                return Err(RiskError::Unavailable(
                    format!("risk scorer answered status {}", response.status().as_u16()).into(),
                ));
            }
            let body: ScoreResponse = response.json().await.map_err(|_| RiskError::Malformed)?;
            if (0..=100).contains(&body.score) {
                Ok(body.score)
            } else {
                Err(RiskError::Malformed)
            }
        };
        tokio::time::timeout(self.deadline, call)
            .await
            .unwrap_or(Err(RiskError::Timeout))
    }
}
