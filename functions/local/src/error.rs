//! Why the stack could not start.

/// Why the stack could not start.
#[derive(Debug, thiserror::Error)]
pub enum StackError {
    /// The port could not be bound.
    #[error("cannot listen on 127.0.0.1: {0}")]
    Bind(#[source] std::io::Error),
    /// A component could not be built.
    #[error("cannot build the stack: {0}")]
    Build(String),
}

/// A component's build failure, as a [`StackError::Build`].
pub(crate) fn build_err(e: impl std::fmt::Display) -> StackError {
    StackError::Build(e.to_string())
}
