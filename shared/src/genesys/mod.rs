//! Genesys Cloud client: region hosts, OAuth client credentials with a cached token, the calls
//! this package makes, typed errors and deadline-bounded retries.

mod client;
mod error;
mod lookup;
mod meter;
mod region;
mod retry;
mod token;
mod transport;
mod wire;

pub use client::{GenesysClient, GenesysClientConfig};
pub use error::GenesysError;
pub use region::{GenesysConfigError, GenesysEndpoints, REGIONS};
pub use retry::RetryPolicy;
pub use token::{CLIENT_ID_FIELD, CLIENT_SECRET_FIELD};
