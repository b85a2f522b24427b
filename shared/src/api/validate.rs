//! The validate-session data action. Architect sends the session hash it read from the
//! participant data; the answer is flat, string-typed and always `200` for a well-formed,
//! authenticated request, so the flow branches on `valid`. Failures of the store or the
//! deadline answer `503`, so the flow takes its Failure path.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use http::{Method, StatusCode};
use tokio::time::Instant;

pub use super::credential::DataActionCredential;
use super::handler::{Function, Handler};
use crate::attributes::{AttributeSet, Schema, Source};
use crate::http::{ApiError, ApiRequest, ApiResponse, bytes_response, log_error};
use crate::payload::{
    DataActionOutput, GenesysId, ParticipantAttributesBody, ParticipantUpdate, ValidationReason,
};
use crate::ports::{BindOutcome, Clock, GatewayError, GenesysGateway, SessionStore};
use crate::request::ValidationRequest;
use crate::telemetry::metrics::{self, EntryPoint};

/// The whole answer's budget unless configured (milliseconds): well inside Architect's data
/// action timeout.
pub const DEFAULT_DEADLINE_MS: i64 = 2500;

/// How validate-session answers: its budget, the write-back, the risk threshold, the body cap.
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

/// The ports validate-session uses.
#[derive(Debug, Clone)]
pub struct ValidatePorts {
    /// Tickets: read, and bound to the first conversation that presents one.
    pub sessions: Arc<dyn SessionStore>,
    /// Genesys, for the optional participant write-back.
    pub gateway: Option<Arc<dyn GenesysGateway>>,
    /// The Basic credential of the Web Services data action.
    pub credential: DataActionCredential,
}

/// The validate-session function: the Web Services data action through API Gateway, and the
/// AWS Lambda data action's direct invocation.
#[derive(Debug, Clone)]
pub struct ValidateHandler {
    schema: Arc<Schema>,
    clock: Arc<dyn Clock>,
    ports: ValidatePorts,
    settings: ValidateSettings,
}

#[async_trait]
impl Handler for ValidateHandler {
    fn function(&self) -> Function {
        Function::Validate
    }

    /// The Web Services data action through API Gateway (Basic auth).
    #[tracing::instrument(name = "validate", skip_all)]
    async fn handle(&self, req: ApiRequest) -> ApiResponse {
        let started = Instant::now();
        let response = self.run(&req).await.unwrap_or_else(|e| {
            log_error("validate", &e);
            e.into_response()
        });
        metrics::validation_duration(started.elapsed());
        response
    }

    /// The AWS Lambda data action: the input object in, the flat output object out. IAM (the
    /// role Genesys assumes) authenticates the caller, so there is no Basic credential.
    #[tracing::instrument(name = "validate_event", skip_all)]
    async fn handle_event(&self, event: serde_json::Value) -> Result<serde_json::Value, ApiError> {
        let started = Instant::now();
        let result = async {
            let input = ValidationRequest::from_value(event)?;
            let output = self.validate(input).await?;
            metrics::validation(EntryPoint::LambdaDataAction, output.reason());
            serde_json::to_value(&output).map_err(|e| ApiError::Internal(e.to_string()))
        }
        .await;
        if let Err(e) = &result {
            log_error("validate_event", e);
        }
        metrics::validation_duration(started.elapsed());
        result
    }
}

impl ValidateHandler {
    /// The function over its ports.
    pub fn new(
        schema: Arc<Schema>,
        clock: Arc<dyn Clock>,
        ports: ValidatePorts,
        settings: ValidateSettings,
    ) -> Self {
        Self {
            schema,
            clock,
            ports,
            settings,
        }
    }

    /// Method → credential → content type → size → parse, then [`Self::validate`], all within
    /// one deadline.
    async fn run(&self, req: &ApiRequest) -> Result<ApiResponse, ApiError> {
        if req.method != Method::POST {
            return Err(ApiError::MethodNotAllowed { allow: "POST" });
        }
        // One deadline for the whole answer: a credential read that waits on an unreachable
        // Secrets Manager counts against it too.
        let deadline = Instant::now() + self.settings.deadline;
        let presented = req.basic_credential();
        let verified =
            tokio::time::timeout_at(deadline, self.ports.credential.verify(presented.as_deref()))
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
        metrics::validation(EntryPoint::WebServices, output.reason());
        Ok(bytes_response(StatusCode::OK, output.to_json()))
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
        let Some(hash) = input.session_hash.well_formed() else {
            return invalid(ValidationReason::Malformed);
        };
        let now = self.clock.now_secs();
        let record = match self
            .ports
            .sessions
            .bind_session(hash, &input.conversation_id, now)
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
        let update = match (&input.participant_id, &self.ports.gateway) {
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
        tracing::info!(
            reason = ValidationReason::Ok.as_str(),
            participant_update = update.as_str(),
            "session valid"
        );
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
        conversation_id: &GenesysId,
        participant_id: &GenesysId,
        attributes: &AttributeSet,
        deadline: Instant,
    ) -> ParticipantUpdate {
        // Leave room to answer: the write-back never pushes the answer past the deadline.
        let budget = deadline
            .checked_sub(Duration::from_millis(100))
            .unwrap_or(deadline);
        let body = ParticipantAttributesBody::exposed(&self.schema, attributes);
        let update = match tokio::time::timeout_at(
            budget,
            gateway.update_participant_attributes(conversation_id, participant_id, &body, budget),
        )
        .await
        {
            Ok(Ok(())) => ParticipantUpdate::Written,
            Ok(Err(GatewayError::TimedOut { .. })) => {
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
        };
        metrics::write_back(update);
        update
    }
}
