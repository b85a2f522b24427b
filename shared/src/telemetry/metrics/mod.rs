//! The metric catalogue: every CloudWatch metric the functions emit, in Embedded Metric Format
//! (one JSON log line per flush; no API call, nothing added to the answer's latency).
//!
//! Each metric has one unit and one dimension set. Dimensions are bounded on purpose: a
//! dimension's values are the fixed lists in [`DIMENSIONS`] (a function, a strategy, a reason,
//! an outcome, an operation, an entry point), never a subject, a hash, a conversation or any
//! other id, so a deployment has at most a few hundred metric series whatever its traffic.
//!
//! The SAM template's dashboard and alarms name these metrics; `tests/infra` holds them to this
//! list, dimension names and values included.

mod catalogue;
pub mod emf;
mod emit;
mod labels;

pub use catalogue::{
    CALL_OUTCOME, CATALOGUE, COLD_STARTS, DEFAULT_NAMESPACE, DIMENSIONS, Dimension, ENTRY_POINT,
    FUNCTION, GENESYS_CALLS, GENESYS_LATENCY, GENESYS_RETRIES, GENESYS_THROTTLES,
    INITIATION_OUTCOME, INITIATIONS, Metric, OPERATION, PARTICIPANT_WRITE_BACKS, REASON, REFRESHES,
    STRATEGY, Unit, VALIDATION_DURATION, VALIDATIONS, WRITE_BACK_OUTCOME, metric,
};
pub use emit::{
    Emitter, InstallError, MetricsSettings, SettingsError, cold_start, genesys_call, initiation,
    install, validation, validation_duration, write_back,
};
pub use labels::{
    CallOutcome, EntryPoint, Function, InitiationOutcome, Operation, Replayed, Strategy,
};
