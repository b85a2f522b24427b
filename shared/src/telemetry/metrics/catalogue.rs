//! The catalogue itself: each metric's name, unit and dimension set, and each dimension's
//! bounded values.

/// Namespace used when `METRICS_NAMESPACE` is not set (also the template's default).
pub const DEFAULT_NAMESPACE: &str = "SecureInitiation";

/// A CloudWatch unit, spelled as the Embedded Metric Format expects it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// An event count: summed per period.
    Count,
    /// A duration: percentiles per period.
    Milliseconds,
}

impl Unit {
    /// The EMF / CloudWatch spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Count => "Count",
            Self::Milliseconds => "Milliseconds",
        }
    }
}

/// One dimension and every value it can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dimension {
    /// The dimension's name in CloudWatch.
    pub name: &'static str,
    /// Every value the code emits for it.
    pub values: &'static [&'static str],
}

/// The function that emitted a metric (the function crate's name, not the deployed Lambda
/// function's name, which carries the stack's name).
pub const FUNCTION: Dimension = Dimension {
    name: "Function",
    values: &["initiate", "refresh-token", "validate-session"],
};

/// How Architect called validate-session.
pub const ENTRY_POINT: Dimension = Dimension {
    name: "EntryPoint",
    values: &["web-services", "lambda-data-action"],
};

/// validate-session's `reason` output (`payload::ValidationReason`).
pub const REASON: Dimension = Dimension {
    name: "Reason",
    values: &[
        "ok",
        "unknown",
        "expired",
        "revoked",
        "replayed",
        "malformed",
        "risk",
    ],
};

/// The configured initiation strategy.
pub const STRATEGY: Dimension = Dimension {
    name: "Strategy",
    values: &["messenger", "initiation-api"],
};

/// How an initiation or a refresh ended.
pub const INITIATION_OUTCOME: Dimension = Dimension {
    name: "Outcome",
    values: &[
        // 201 with a fresh session hash (and conversation, with initiation-api).
        "issued",
        // 201 replayed from an `Idempotency-Key` (initiate only): nothing created.
        "idempotent-replay",
        // 403: the business rules refused it (risk, session context, not refreshable).
        "refused",
        // 429: over the subject's rate limit (initiate only).
        "rate-limited",
        // 4xx before any rule ran: session token, body, content type, origin.
        "rejected",
        // 502/504: Genesys refused, failed, or its outcome is unknown.
        "upstream-error",
        // 503: the store, a secret, the identity provider's keys or the risk scorer.
        "unavailable",
    ],
};

/// A Genesys Cloud API call.
pub const OPERATION: Dimension = Dimension {
    name: "Operation",
    values: &[
        // POST /oauth/token (client credentials).
        "token",
        // POST the initiation payload (initiation-api).
        "create-conversation",
        // PATCH .../participants/{id}/attributes (the write-back).
        "update-participant-attributes",
        // PATCH /api/v2/conversations/messages/{id} (a refresh ends the previous conversation,
        // initiation-api).
        "disconnect-conversation",
        // POST /api/v2/analytics/conversations/details/query (a create that answered too late
        // is looked up by its session hash, initiation-api).
        "find-conversations",
    ],
};

/// How one Genesys call ended, after its retries.
pub const CALL_OUTCOME: Dimension = Dimension {
    name: "Outcome",
    values: &[
        "ok",
        // 429 until the deadline.
        "throttled",
        // 503, or unreachable.
        "unavailable",
        // 4xx other than 429, or a malformed answer.
        "refused",
        // The deadline passed, or a create's outcome is unknown (502, 504, reset).
        "timeout",
    ],
};

/// How a participant write-back ended (`payload::ParticipantUpdate`, without `skipped`, which
/// is not a write-back).
pub const WRITE_BACK_OUTCOME: Dimension = Dimension {
    name: "Outcome",
    values: &["written", "failed", "timeout"],
};

/// Every dimension the catalogue uses.
pub const DIMENSIONS: &[Dimension] = &[
    FUNCTION,
    ENTRY_POINT,
    REASON,
    STRATEGY,
    INITIATION_OUTCOME,
    OPERATION,
    CALL_OUTCOME,
    WRITE_BACK_OUTCOME,
];

/// One metric: its name, unit, dimension set and meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Metric {
    /// The metric's name in CloudWatch.
    pub name: &'static str,
    /// Its unit.
    pub unit: Unit,
    /// Its one dimension set, in emission order.
    pub dimensions: &'static [Dimension],
    /// The functions that emit it.
    pub functions: &'static [&'static str],
    /// What one data point means (the book's metric catalogue, docs/src/reference/metrics.md, says
    /// the same).
    pub meaning: &'static str,
}

const ALL_FUNCTIONS: &[&str] = FUNCTION.values;
const VALIDATE: &[&str] = &["validate-session"];
const GENESYS_CALLERS: &[&str] = FUNCTION.values;

/// A container's first invocation.
pub const COLD_STARTS: Metric = Metric {
    name: "ColdStarts",
    unit: Unit::Count,
    dimensions: &[FUNCTION],
    functions: ALL_FUNCTIONS,
    meaning: "1 on the first invocation a container serves",
};

/// validate-session's answers.
pub const VALIDATIONS: Metric = Metric {
    name: "Validations",
    unit: Unit::Count,
    dimensions: &[FUNCTION, ENTRY_POINT, REASON],
    functions: VALIDATE,
    meaning: "one per validation answered (200), by reason and entry point",
};

/// How long validate-session took to answer.
pub const VALIDATION_DURATION: Metric = Metric {
    name: "ValidationDuration",
    unit: Unit::Milliseconds,
    dimensions: &[FUNCTION],
    functions: VALIDATE,
    meaning: "time from the event to the answer, every answer (503 included), against VALIDATION_DEADLINE_MS",
};

/// initiate's answers.
pub const INITIATIONS: Metric = Metric {
    name: "Initiations",
    unit: Unit::Count,
    dimensions: &[FUNCTION, STRATEGY, INITIATION_OUTCOME],
    functions: &["initiate"],
    meaning: "one per POST /v1/initiations answered, by outcome",
};

/// refresh-token's answers.
pub const REFRESHES: Metric = Metric {
    name: "Refreshes",
    unit: Unit::Count,
    dimensions: &[FUNCTION, STRATEGY, INITIATION_OUTCOME],
    functions: &["refresh-token"],
    meaning: "one per POST /v1/initiations/refresh answered, by outcome",
};

/// Genesys Cloud calls.
pub const GENESYS_CALLS: Metric = Metric {
    name: "GenesysCalls",
    unit: Unit::Count,
    dimensions: &[FUNCTION, OPERATION, CALL_OUTCOME],
    functions: GENESYS_CALLERS,
    meaning: "one per Genesys call, retries included, by how it ended",
};

/// How long a Genesys call took, its retries and waits included.
pub const GENESYS_LATENCY: Metric = Metric {
    name: "GenesysLatency",
    unit: Unit::Milliseconds,
    dimensions: &[FUNCTION, OPERATION],
    functions: GENESYS_CALLERS,
    meaning: "time of one Genesys call, its retries and Retry-After waits included",
};

/// Retries of Genesys calls.
pub const GENESYS_RETRIES: Metric = Metric {
    name: "GenesysRetries",
    unit: Unit::Count,
    dimensions: &[FUNCTION, OPERATION],
    functions: GENESYS_CALLERS,
    meaning: "requests sent again after a 429, 502, 503 or 504 within the deadline",
};

/// 429 answers from Genesys.
pub const GENESYS_THROTTLES: Metric = Metric {
    name: "GenesysThrottles",
    unit: Unit::Count,
    dimensions: &[FUNCTION, OPERATION],
    functions: GENESYS_CALLERS,
    meaning: "429 answers received from Genesys, waited out or not",
};

/// The optional participant write-back.
pub const PARTICIPANT_WRITE_BACKS: Metric = Metric {
    name: "ParticipantWriteBacks",
    unit: Unit::Count,
    dimensions: &[FUNCTION, WRITE_BACK_OUTCOME],
    functions: VALIDATE,
    meaning: "one per write-back attempted (PARTICIPANT_WRITE_BACK=true and a participantId), by outcome",
};

/// Every metric the functions emit.
pub const CATALOGUE: &[Metric] = &[
    COLD_STARTS,
    VALIDATIONS,
    VALIDATION_DURATION,
    INITIATIONS,
    REFRESHES,
    GENESYS_CALLS,
    GENESYS_LATENCY,
    GENESYS_RETRIES,
    GENESYS_THROTTLES,
    PARTICIPANT_WRITE_BACKS,
];

/// The catalogue entry named `name`.
pub fn metric(name: &str) -> Option<&'static Metric> {
    CATALOGUE.iter().find(|m| m.name == name)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::api::strategy::StrategyKind;
    use crate::payload::{ParticipantUpdate, ValidationReason};
    use crate::telemetry::metrics::{
        CallOutcome, EntryPoint, Function, InitiationOutcome, Operation, Strategy,
    };

    #[test]
    fn metric_names_are_unique_and_dimension_sets_fit_the_embedded_metric_format() {
        let names: BTreeSet<&str> = CATALOGUE.iter().map(|m| m.name).collect();
        assert_eq!(names.len(), CATALOGUE.len());
        for m in CATALOGUE {
            // EMF allows 30 dimensions per set; CloudWatch names are at most 255 characters.
            assert!(
                !m.dimensions.is_empty() && m.dimensions.len() <= 30,
                "{}",
                m.name
            );
            assert!(m.name.len() <= 255 && m.name.is_ascii(), "{}", m.name);
            assert_eq!(
                m.dimensions[0], FUNCTION,
                "{}: Function comes first",
                m.name
            );
            let dims: BTreeSet<&str> = m.dimensions.iter().map(|d| d.name).collect();
            assert_eq!(
                dims.len(),
                m.dimensions.len(),
                "{}: a dimension twice",
                m.name
            );
            for f in m.functions {
                assert!(
                    FUNCTION.values.contains(f),
                    "{}: unknown function {f}",
                    m.name
                );
            }
        }
    }

    #[test]
    fn every_dimension_a_metric_uses_is_listed_and_bounded() {
        for m in CATALOGUE {
            for d in m.dimensions {
                assert!(
                    DIMENSIONS.contains(d),
                    "{}: {} is not listed",
                    m.name,
                    d.name
                );
            }
        }
        for d in DIMENSIONS {
            assert!(!d.values.is_empty() && d.values.len() <= 20, "{}", d.name);
            let unique: BTreeSet<&str> = d.values.iter().copied().collect();
            assert_eq!(unique.len(), d.values.len(), "{}", d.name);
        }
    }

    #[test]
    fn the_dimension_values_are_the_wire_strings_of_the_code() {
        let reasons: Vec<&str> = ValidationReason::ALL.iter().map(|r| r.as_str()).collect();
        assert_eq!(REASON.values, reasons.as_slice());
        let write_backs: Vec<&str> = ParticipantUpdate::ALL
            .iter()
            .filter(|u| **u != ParticipantUpdate::Skipped)
            .map(|u| u.as_str())
            .collect();
        assert_eq!(WRITE_BACK_OUTCOME.values, write_backs.as_slice());
        assert_eq!(
            STRATEGY.values,
            [StrategyKind::Messenger, StrategyKind::InitiationApi].map(StrategyKind::as_str)
        );
    }

    #[test]
    fn every_label_enum_spells_exactly_its_dimension_s_values() {
        fn spelled<T: Copy>(all: &[T], as_str: fn(T) -> &'static str) -> Vec<&'static str> {
            all.iter().map(|v| as_str(*v)).collect()
        }
        assert_eq!(spelled(Function::ALL, Function::as_str), FUNCTION.values);
        assert_eq!(
            spelled(EntryPoint::ALL, EntryPoint::as_str),
            ENTRY_POINT.values
        );
        assert_eq!(
            spelled(InitiationOutcome::ALL, InitiationOutcome::as_str),
            INITIATION_OUTCOME.values
        );
        assert_eq!(spelled(Operation::ALL, Operation::as_str), OPERATION.values);
        assert_eq!(spelled(Strategy::ALL, Strategy::as_str), STRATEGY.values);
        assert_eq!(
            spelled(CallOutcome::ALL, CallOutcome::as_str),
            CALL_OUTCOME.values
        );
    }

    #[test]
    fn a_metric_is_found_by_name_only_when_catalogued() {
        assert_eq!(metric("Validations"), Some(&VALIDATIONS));
        assert_eq!(metric("validations"), None);
    }
}
