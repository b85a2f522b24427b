//! Faults of every dependency, each with its documented outcome: Genesys Cloud (create and
//! write-back), AWS (Secrets Manager at cold start and later, DynamoDB unreachable and
//! throttled) and the risk scorer (down, slow, wrong, under both failure policies).
//!
//! Across all of them: no duplicate conversation or session, no answer past the handler's
//! deadline, and no 5xx body with internal detail (checked by [`crate::harness::Exposure`]).

pub mod aws;
pub mod genesys;
pub mod risk;

/// One row of the results table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The dependency and operation.
    pub class: &'static str,
    /// The fault.
    pub case: String,
    /// Requests made under it.
    pub tried: usize,
    /// What the caller got.
    pub result: String,
}

impl Outcome {
    /// A row.
    pub fn new(class: &'static str, case: &str, tried: usize, result: &str) -> Self {
        Self {
            class,
            case: case.to_owned(),
            tried,
            result: result.to_owned(),
        }
    }
}

/// The rows as Markdown table lines.
pub fn markdown(outcomes: &[Outcome]) -> String {
    outcomes
        .iter()
        .map(|o| {
            format!(
                "| {} | {} | {} | {} |\n",
                o.class, o.case, o.tried, o.result
            )
        })
        .collect()
}
