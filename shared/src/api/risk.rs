//! The rule-based default risk scorer and the policy that turns a score (or its absence) into
//! a decision.

use async_trait::async_trait;

use crate::http::ApiError;
use crate::ports::{RiskContext, RiskError, RiskScorer};

/// Scores at or above this are refused unless configured.
pub const DEFAULT_REFUSE_AT: i64 = 80;
/// The HTTP scorer's deadline unless configured (milliseconds).
pub const DEFAULT_SCORER_DEADLINE_MS: i64 = 300;

/// What to do when the scorer fails. Fail-closed unless configured: a scorer outage must not
/// open the door to the sessions it exists to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FailPolicy {
    /// Proceed as if the scorer had answered this score.
    Open {
        /// The score to assume.
        assumed_score: i64,
    },
    /// Refuse the initiation with 503 (retry later).
    #[default]
    Closed,
}

/// Turns scores into decisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RiskPolicy {
    /// Scores at or above this are refused (403).
    pub refuse_at: i64,
    /// What a scorer failure means.
    pub on_failure: FailPolicy,
}

impl Default for RiskPolicy {
    fn default() -> Self {
        Self {
            refuse_at: DEFAULT_REFUSE_AT,
            on_failure: FailPolicy::default(),
        }
    }
}

/// The decision for one initiation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RiskDecision {
    /// Go ahead; the score becomes the `risk` attribute.
    Allow(i64),
    /// Refuse with 403.
    Refuse(i64),
    /// The scorer failed and the policy is fail-closed: 503.
    Unavailable,
}

impl RiskPolicy {
    /// Applies the policy to a scorer's result.
    pub fn decide(&self, result: Result<i64, RiskError>) -> RiskDecision {
        match result {
            Ok(score) if score >= self.refuse_at => RiskDecision::Refuse(score),
            Ok(score) => RiskDecision::Allow(score),
            Err(_) => match self.on_failure {
                FailPolicy::Open { assumed_score } if assumed_score >= self.refuse_at => {
                    RiskDecision::Refuse(assumed_score)
                }
                FailPolicy::Open { assumed_score } => RiskDecision::Allow(assumed_score),
                FailPolicy::Closed => RiskDecision::Unavailable,
            },
        }
    }
}

/// Scores `ctx` and applies `policy`: the score to keep, or the refusal initiate and refresh
/// answer alike (403 refused, 503 scorer unavailable under fail-closed).
pub(crate) async fn score(
    policy: &RiskPolicy,
    scorer: &dyn RiskScorer,
    ctx: &RiskContext<'_>,
) -> Result<i64, ApiError> {
    match policy.decide(scorer.score(ctx).await) {
        RiskDecision::Allow(score) => Ok(score),
        RiskDecision::Refuse(score) => {
            tracing::info!(risk_score = score, "refused by risk rules");
            Err(ApiError::RiskRefused)
        }
        RiskDecision::Unavailable => Err(ApiError::Unavailable {
            what: "risk scorer",
            source: None,
        }),
    }
}

/// A transparent rule-based scorer needing no external service:
/// - base 10;
/// - +30 when the identity provider says the email is not verified (`email_verified: false`);
/// - +20 when the edge saw no client IP;
/// - +20 when the session token was issued more than 12 hours ago (`iat`);
/// - the identity provider's own `risk` claim (0..=100), when present, is a floor.
///
/// Capped at 100. Replace it with an HTTP scorer (`RISK_SCORER_URL`) for real fraud signals.
#[derive(Debug, Clone, Copy, Default)]
pub struct RuleScorer;

#[async_trait]
impl RiskScorer for RuleScorer {
    async fn score(&self, ctx: &RiskContext<'_>) -> Result<i64, RiskError> {
        let mut score: i64 = 10;
        if ctx
            .claims
            .get("email_verified")
            .and_then(serde_json::Value::as_bool)
            == Some(false)
        {
            score += 30;
        }
        if ctx.client_ip.is_none() {
            score += 20;
        }
        if let Some(iat) = ctx.claims.get("iat").and_then(serde_json::Value::as_i64)
            && ctx.now_secs.saturating_sub(iat) > 12 * 3600
        {
            score += 20;
        }
        if let Some(floor) = ctx.claims.get("risk").and_then(serde_json::Value::as_i64) {
            score = score.max(floor.clamp(0, 100));
        }
        Ok(score.min(100))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ctx<'a>(
        claims: &'a serde_json::Map<String, serde_json::Value>,
        ip: Option<&'a str>,
    ) -> RiskContext<'a> {
        RiskContext {
            subject_key: "k",
            claims,
            client_ip: ip,
            now_secs: 100_000,
        }
    }

    #[tokio::test]
    async fn the_rule_scorer_adds_up_its_rules_and_honours_the_idp_floor() {
        let plain = json!({"iat": 99_000})
            .as_object()
            .cloned()
            .unwrap_or_default();
        assert_eq!(
            RuleScorer
                .score(&ctx(&plain, Some("203.0.113.1")))
                .await
                .ok(),
            Some(10)
        );
        assert_eq!(RuleScorer.score(&ctx(&plain, None)).await.ok(), Some(30));
        let unverified_old = json!({"email_verified": false, "iat": 1})
            .as_object()
            .cloned()
            .unwrap_or_default();
        assert_eq!(
            RuleScorer.score(&ctx(&unverified_old, None)).await.ok(),
            Some(80)
        );
        let flagged = json!({"risk": 95}).as_object().cloned().unwrap_or_default();
        assert_eq!(
            RuleScorer
                .score(&ctx(&flagged, Some("203.0.113.1")))
                .await
                .ok(),
            Some(95)
        );
    }

    #[test]
    fn the_policy_refuses_at_the_threshold_and_applies_the_failure_policy() {
        let closed = RiskPolicy::default();
        assert_eq!(closed.decide(Ok(79)), RiskDecision::Allow(79));
        assert_eq!(closed.decide(Ok(80)), RiskDecision::Refuse(80));
        assert_eq!(
            closed.decide(Err(RiskError::Timeout)),
            RiskDecision::Unavailable
        );
        let open = RiskPolicy {
            refuse_at: 80,
            on_failure: FailPolicy::Open { assumed_score: 50 },
        };
        assert_eq!(
            open.decide(Err(RiskError::Malformed)),
            RiskDecision::Allow(50)
        );
    }
}
