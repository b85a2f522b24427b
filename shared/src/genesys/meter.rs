//! The metrics of one Genesys call: its operation, time, retries, throttles and how it ended.
//! They are recorded when the meter is dropped, so a call cut off by its caller's deadline (the
//! write-back's timeout drops the call's future) still counts, as `timeout`.

use tokio::time::Instant;

use super::error::GenesysError;
use crate::telemetry;
use crate::telemetry::metrics::{CallOutcome, Operation};

/// One call's figures, while it runs.
#[derive(Debug)]
pub(crate) struct CallMeter {
    operation: Operation,
    started: Instant,
    /// Requests sent again (after a failed exchange, a 429 or a 502/503/504).
    pub(crate) retries: u32,
    /// 429 answers received, waited out or not.
    pub(crate) throttles: u32,
    outcome: Option<CallOutcome>,
}

impl CallMeter {
    pub(crate) fn start(operation: Operation) -> Self {
        Self {
            operation,
            started: Instant::now(),
            retries: 0,
            throttles: 0,
            outcome: None,
        }
    }

    /// The call ended with `result`.
    pub(crate) fn finish<T>(mut self, result: &Result<T, GenesysError>) {
        self.outcome = Some(match result {
            Ok(_) => CallOutcome::Ok,
            Err(e) => outcome_of(e),
        });
    }
}

fn outcome_of(e: &GenesysError) -> CallOutcome {
    match e {
        GenesysError::RateLimited { .. } => CallOutcome::Throttled,
        GenesysError::Unavailable { .. } | GenesysError::Transport(_) | GenesysError::Secret(_) => {
            CallOutcome::Unavailable
        }
        GenesysError::Timeout | GenesysError::OutcomeUnknown => CallOutcome::Timeout,
        GenesysError::Api { .. }
        | GenesysError::Auth
        | GenesysError::Malformed(_)
        | GenesysError::Config(_) => CallOutcome::Refused,
    }
}

impl Drop for CallMeter {
    fn drop(&mut self) {
        // Outside an invocation (the cold start's warm-up, tools) no function is served: the
        // call is not counted.
        if let Some(function) = telemetry::serving() {
            telemetry::metrics::genesys_call(
                function,
                self.operation,
                self.outcome.unwrap_or(CallOutcome::Timeout),
                self.started.elapsed(),
                self.retries,
                self.throttles,
            );
        }
    }
}
