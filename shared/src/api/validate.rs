//! The validate-session data action. Architect sends the session hash it read from the
//! participant data; the answer is flat, string-typed and always `200` for a well-formed,
//! authenticated request, so the flow branches on `valid`. Failures of the store or the
//! deadline answer `503`, so the flow takes its Failure path.

use std::sync::Arc;
use std::time::Duration;

use http::{Method, StatusCode};
use subtle::ConstantTimeEq;
use tokio::time::Instant;

use crate::attributes::{AttributeSet, Schema, Source};
use crate::genesys::GenesysError;
use crate::http::{ApiError, ApiRequest, ApiResponse, bytes_response};
use crate::payload::{
    DataActionOutput, ParticipantAttributesBody, ParticipantUpdate, ValidationReason,
};
use crate::ports::{BindOutcome, Clock, GenesysGateway, SecretSource, SessionStore};
use crate::request::ValidationRequest;
use crate::session::SessionHash;

use super::common::log_error;

/// The whole answer's budget unless configured (milliseconds): well inside Architect's data
/// action timeout.
pub const DEFAULT_DEADLINE_MS: i64 = 2500;

/// Rules of validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidateSettings {
    /// The whole answer's budget; keep it below the data action's timeout. Default 2.5 s.
    pub deadline: Duration,
    /// Write the exposed attributes onto the participant when `participantId` is given.
    pub write_back: bool,
    /// Sessions whose stored risk score reaches this answer `valid=false, reason=risk`.
    pub risk_refuse_at: i64,
    /// Body cap (bytes).
    pub max_body_bytes: usize,
}

impl Default for ValidateSettings {
    fn default() -> Self {
        Self {
            deadline: Duration::from_millis(DEFAULT_DEADLINE_MS.unsigned_abs()),
            write_back: false,
            risk_refuse_at: super::risk::DEFAULT_REFUSE_AT,
            max_body_bytes: 4096,
        }
    }
}

/// Where the data action's Basic credential lives: a secret with `username` and `password`.
///
/// The comparison is constant-time: both the presented and the expected `username:password`
/// are hashed with SHA-256 and the digests compared with `subtle::ConstantTimeEq`, so neither
/// the position of the first differing byte nor the length of the secret leaks through timing.
#[derive(Debug, Clone)]
pub struct DataActionCredential {
    secrets: Arc<dyn SecretSource>,
    secret_id: String,
}

impl DataActionCredential {
    /// Reads the credential from `secret_id` (cached by the source).
    pub fn new(secrets: Arc<dyn SecretSource>, secret_id: impl Into<String>) -> Self {
        Self {
            secrets,
            secret_id: secret_id.into(),
        }
    }

    /// Whether `presented` (decoded `user:pass`) matches.
    pub async fn verify(&self, presented: Option<&[u8]>) -> Result<bool, ApiError> {
        let fields =
            self.secrets
                .fields(&self.secret_id)
                .await
                .map_err(|e| ApiError::Unavailable {
                    what: "data-action credential",
                    source: Some(Box::new(e)),
                })?;
        let (Ok(user), Ok(pass)) = (
            fields.get(&self.secret_id, "username"),
            fields.get(&self.secret_id, "password"),
        ) else {
            return Err(ApiError::Internal(
                "data-action credential secret lacks username/password".to_owned(),
            ));
        };
        let expected = format!("{}:{}", user.expose(), pass.expose());
        let expected = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, expected.as_bytes());
        let presented =
            aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, presented.unwrap_or_default());
        Ok(bool::from(expected.as_ref().ct_eq(presented.as_ref())))
    }
}

/// The validate-session function.
#[derive(Debug, Clone)]
pub struct ValidateHandler {
    /// The attribute schema.
    pub schema: Arc<Schema>,
    /// Time.
    pub clock: Arc<dyn Clock>,
    /// Session records.
    pub sessions: Arc<dyn SessionStore>,
    /// Genesys, for the optional participant write-back.
    pub gateway: Option<Arc<dyn GenesysGateway>>,
    /// The Basic credential of the Web Services data action.
    pub credential: DataActionCredential,
    /// Rules.
    pub settings: ValidateSettings,
}

impl ValidateHandler {
    /// The Web Services data action through API Gateway (Basic auth).
    #[tracing::instrument(name = "validate", skip_all)]
    pub async fn handle(&self, req: ApiRequest) -> ApiResponse {
        match self.run(&req).await {
            Ok(r) => r,
            Err(e) => {
                log_error("validate", &e);
                e.into_response()
            }
        }
    }

    async fn run(&self, req: &ApiRequest) -> Result<ApiResponse, ApiError> {
        if req.method != Method::POST {
            return Err(ApiError::MethodNotAllowed);
        }
        // One deadline for the whole answer: a credential read that waits on an unreachable
        // Secrets Manager counts against it too.
        let deadline = Instant::now() + self.settings.deadline;
        let presented = req.basic_credential();
        let verified =
            tokio::time::timeout_at(deadline, self.credential.verify(presented.as_deref()))
                .await
                .map_err(|_| ApiError::Unavailable {
                    what: "data-action credential (deadline)",
                    source: None,
                })??;
        if !verified {
            return Err(ApiError::InvalidCredential);
        }
        req.require_json()?;
        req.require_size(self.settings.max_body_bytes)?;
        let input = ValidationRequest::parse(&req.body)?;
        let output = self.validate_until(input, deadline).await?;
        Ok(bytes_response(StatusCode::OK, output.to_json()))
    }

    /// The AWS Lambda data action: the input object in, the flat output object out. IAM (the
    /// role Genesys assumes) authenticates the caller, so there is no Basic credential.
    #[tracing::instrument(name = "validate_event", skip_all)]
    pub async fn handle_event(
        &self,
        event: serde_json::Value,
    ) -> Result<serde_json::Value, ApiError> {
        let result = async {
            let input = ValidationRequest::from_value(event)?;
            let output = self.validate(input).await?;
            serde_json::to_value(&output).map_err(|e| ApiError::Internal(e.to_string()))
        }
        .await;
        if let Err(e) = &result {
            log_error("validate_event", e);
        }
        result
    }

    /// Validates within the deadline: binds a genuine hash to the conversation on first use.
    pub async fn validate(&self, input: ValidationRequest) -> Result<DataActionOutput, ApiError> {
        self.validate_until(input, Instant::now() + self.settings.deadline)
            .await
    }

    async fn validate_until(
        &self,
        input: ValidationRequest,
        deadline: Instant,
    ) -> Result<DataActionOutput, ApiError> {
        match tokio::time::timeout_at(deadline, self.validate_inner(input, deadline)).await {
            Ok(result) => result,
            Err(_) => Err(ApiError::Unavailable {
                what: "validation deadline",
                source: None,
            }),
        }
    }

    async fn validate_inner(
        &self,
        input: ValidationRequest,
        deadline: Instant,
    ) -> Result<DataActionOutput, ApiError> {
        let invalid = |reason| {
            tracing::info!(
                reason = ValidationReason::as_str(reason),
                "session not valid"
            );
            Ok(DataActionOutput::invalid(&self.schema, reason))
        };
        if SessionHash::parse(&input.session_hash).is_none() {
            return invalid(ValidationReason::Malformed);
        }
        let now = self.clock.now_secs();
        let record = match self
            .sessions
            .bind_session(&input.session_hash, &input.conversation_id, now)
            .await?
        {
            BindOutcome::Bound(record) => record,
            BindOutcome::Replayed => return invalid(ValidationReason::Replayed),
            BindOutcome::Revoked => return invalid(ValidationReason::Revoked),
            BindOutcome::Expired => return invalid(ValidationReason::Expired),
            BindOutcome::Unknown => return invalid(ValidationReason::Unknown),
        };
        let attributes =
            AttributeSet::from_canonical(&self.schema, &record.attributes).map_err(|errors| {
                ApiError::Internal(format!(
                    "stored attributes no longer match the schema ({} problem(s), first `{}`)",
                    errors.len(),
                    errors.first().map_or("", |e| e.key())
                ))
            })?;
        if self.risky(&attributes) {
            return invalid(ValidationReason::Risk);
        }
        let update = match (&input.participant_id, &self.gateway) {
            (Some(participant), Some(gateway)) if self.settings.write_back => {
                self.write_back(
                    gateway.as_ref(),
                    &input.conversation_id,
                    participant,
                    &attributes,
                    deadline,
                )
                .await
            }
            _ => ParticipantUpdate::Skipped,
        };
        tracing::info!(participant_update = update.as_str(), "session valid");
        Ok(DataActionOutput::valid(&self.schema, &attributes, update))
    }

    fn risky(&self, attributes: &AttributeSet) -> bool {
        self.schema
            .attributes()
            .iter()
            .filter(|d| matches!(d.source(), Source::Risk(_)))
            .filter_map(|d| attributes.get(d.key()))
            .any(|v| {
                v.canonical()
                    .parse::<i64>()
                    .is_ok_and(|s| s >= self.settings.risk_refuse_at)
            })
    }

    async fn write_back(
        &self,
        gateway: &dyn GenesysGateway,
        conversation_id: &str,
        participant_id: &str,
        attributes: &AttributeSet,
        deadline: Instant,
    ) -> ParticipantUpdate {
        // Leave room to answer: the write-back never pushes the answer past the deadline.
        let budget = deadline
            .checked_sub(Duration::from_millis(100))
            .unwrap_or(deadline);
        let body = ParticipantAttributesBody::exposed(&self.schema, attributes);
        match tokio::time::timeout_at(
            budget,
            gateway.update_participant_attributes(conversation_id, participant_id, &body, budget),
        )
        .await
        {
            Ok(Ok(())) => ParticipantUpdate::Written,
            Ok(Err(GenesysError::Timeout)) => {
                tracing::warn!("participant write-back timed out");
                ParticipantUpdate::Timeout
            }
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "participant write-back failed");
                ParticipantUpdate::Failed
            }
            Err(_) => {
                tracing::warn!("participant write-back timed out");
                ParticipantUpdate::Timeout
            }
        }
    }
}
