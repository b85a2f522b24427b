//! Why a bench run stopped.

/// Every failure of the harness. A function that fails or answers wrongly stops the run: a
/// figure measured on error responses would be meaningless.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// A command-line argument.
    #[error("{0}")]
    Usage(String),
    /// A release binary is missing.
    #[error("`{0}` not found: build the release binaries first (`bash scripts/bench.sh` does)")]
    MissingBinary(String),
    /// A loopback listener could not be opened.
    #[error("cannot listen on loopback")]
    Listen(#[source] std::io::Error),
    /// A function binary could not be started.
    #[error("cannot start `{binary}`")]
    Spawn {
        /// The binary.
        binary: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A function failed or answered something other than what the scenario expects.
    #[error("`{function}`: {what}\n--- last log lines ---\n{logs}")]
    Function {
        /// The function.
        function: String,
        /// What went wrong.
        what: String,
        /// Its last log lines.
        logs: String,
    },
    /// moto could not be started.
    #[error("moto")]
    Moto(#[from] test_support::moto::MotoError),
    /// The Genesys sandbox could not be started.
    #[error("genesys sandbox")]
    Sandbox(#[from] genesys_sandbox::SandboxError),
    /// The identity provider could not sign.
    #[error("identity provider")]
    Idp(#[from] genesys_sandbox::idp::IdpError),
    /// Setting up a backend (table, secrets) failed.
    #[error("backend set-up: {0}")]
    Setup(String),
}
