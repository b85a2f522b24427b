//! Why a variable stops the cold start.

/// A variable that is missing or not accepted. Secrets are never configuration values (only
/// secret ids are), so quoting the value is safe.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// Required and absent (or blank).
    #[error("`{variable}` is required: {accepted}")]
    Missing {
        variable: &'static str,
        /// What it accepts.
        accepted: String,
    },
    /// Present but not accepted.
    #[error("`{variable}` = `{value}` is not accepted: {accepted}")]
    Invalid {
        variable: &'static str,
        /// The value as set (configuration holds secret ids, never secrets).
        value: String,
        /// What it accepts.
        accepted: String,
    },
    /// A row read as a kind it is not (a bug in the assembly, caught by the tests).
    #[error("`{variable}` is not {kind}")]
    NotOfKind {
        variable: &'static str,
        /// The kind it was read as.
        kind: &'static str,
    },
}

impl ConfigError {
    /// The variable at fault.
    pub fn variable(&self) -> &'static str {
        match self {
            Self::Missing { variable, .. }
            | Self::Invalid { variable, .. }
            | Self::NotOfKind { variable, .. } => variable,
        }
    }
}
