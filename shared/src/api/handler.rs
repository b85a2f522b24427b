//! What every entry point serves: a deployed [`Function`] and its [`Handler`].

use std::fmt::Debug;

use async_trait::async_trait;

use crate::http::{ApiError, ApiRequest, ApiResponse};

/// A deployed function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Function {
    /// `POST /v1/initiations`.
    Initiate,
    /// `POST /v1/initiations/refresh`.
    Refresh,
    /// The validate-session data action.
    Validate,
}

impl Function {
    /// Every deployed function, in the order of the flow: initiate, refresh, validate.
    pub const ALL: [Self; 3] = [Self::Initiate, Self::Refresh, Self::Validate];

    /// The crate, binary and (in the template) function name under `functions/`.
    pub fn crate_name(self) -> &'static str {
        match self {
            Self::Initiate => "initiate",
            Self::Refresh => "refresh-token",
            Self::Validate => "validate-session",
        }
    }

    /// Its `Function` metric dimension.
    pub fn label(self) -> crate::telemetry::metrics::Function {
        use crate::telemetry::metrics::Function as Label;
        match self {
            Self::Initiate => Label::Initiate,
            Self::Refresh => Label::RefreshToken,
            Self::Validate => Label::ValidateSession,
        }
    }

    /// The short name in its logs' `route` and its span (`initiate`, `refresh`, `validate`).
    pub fn log_name(self) -> &'static str {
        match self {
            Self::Initiate => "initiate",
            Self::Refresh => "refresh",
            Self::Validate => "validate",
        }
    }
}

/// A function's handler: what every entry point serves.
#[async_trait]
pub trait Handler: Send + Sync + Debug {
    /// Which function it is (logs, metrics).
    fn function(&self) -> Function;

    /// One HTTP request (API Gateway, the local stack); never fails: errors become problem
    /// responses.
    async fn handle(&self, req: ApiRequest) -> ApiResponse;

    /// A direct invocation's JSON event (the AWS Lambda data action). Only validate-session
    /// takes one; the others are reached through API Gateway alone.
    async fn handle_event(&self, _event: serde_json::Value) -> Result<serde_json::Value, ApiError> {
        Err(ApiError::Malformed(format!(
            "{} takes only API Gateway HTTP API events",
            self.function().crate_name()
        )))
    }
}
