//! Implementations of the ports against AWS and HTTP services.
//!
//! Both session-store adapters share one item layout (see [`dynamodb`] for the table) and the
//! same expiry rule: an item whose `ttl` has passed is treated as absent, whether or not the
//! backend has deleted it yet (DynamoDB's TTL deletion lags, sometimes by days).

#[cfg(feature = "aws")]
pub mod aws_http;
#[cfg(feature = "aws")]
pub mod dynamodb;
mod keys;
pub mod memory;
mod ownership_http;
mod risk_http;
pub mod secrets_file;
#[cfg(feature = "aws")]
pub mod secrets_manager;
mod site_http;

#[cfg(feature = "aws")]
pub use aws_http::AwsRoots;
#[cfg(feature = "aws")]
pub use dynamodb::DynamoStore;
pub use memory::{MemoryStore, SessionCounts};
pub use ownership_http::HttpOwnershipCheck;
pub use risk_http::HttpRiskScorer;
pub use secrets_file::{FileSecrets, SecretsFileError, StaticSecrets};
#[cfg(feature = "aws")]
pub use secrets_manager::{SecretsManagerConfig, SecretsManagerSource};
