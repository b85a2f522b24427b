//! Implementations of the ports against AWS and HTTP services.

pub mod secrets_file;
pub mod secrets_manager;

pub use secrets_file::{FileSecrets, SecretsFileError, StaticSecrets};
pub use secrets_manager::{SecretsManagerConfig, SecretsManagerSource};
