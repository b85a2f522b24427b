//! Genesys Cloud client: region hosts, OAuth client credentials with a cached token, the calls
//! this package makes, typed errors and deadline-bounded retries.

mod error;

pub use error::GenesysError;
