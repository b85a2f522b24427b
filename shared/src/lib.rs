//! The contract of secure Genesys Cloud Web Messaging initiation.
//!
//! A browser never sets routing attributes: the backend verifies the user's session, applies
//! business rules, builds the attributes from a typed Participant-scoped [`attributes::Schema`]
//! and hands Genesys (or Architect, through a data action) only server-held context.
//!
//! This crate has no Lambda runtime in it: the function binaries wire it up.

pub mod adapters;
pub mod api;
pub mod attributes;
pub mod clock;
pub mod config;
pub mod env;
pub mod genesys;
pub mod http;
pub mod idempotency;
pub mod payload;
pub mod ports;
pub mod request;
pub mod session;
pub mod telemetry;
pub mod tickets;
pub mod tls;
