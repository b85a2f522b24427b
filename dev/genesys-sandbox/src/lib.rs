//! A Genesys Cloud sandbox: an HTTP emulator of the parts of Genesys Cloud this project calls
//! (OAuth client credentials, the guide's web messaging initiation endpoint, message
//! conversations and participant attributes), with Genesys-shaped errors, a request recorder and
//! fault injection.
//!
//! Two ways to run it, both serving the same [`router`]:
//! - [`Sandbox::start`] listens on its own 127.0.0.1 port (tests);
//! - [`router`] returns an `axum::Router` another server nests under a prefix (the local stack
//!   nests it under `/sandbox`); every path, including the `/_sandbox/...` admin routes, is
//!   relative to that prefix.

mod admin;
mod api;
mod config;
mod errors;
mod faults;
pub mod idp;
mod oauth;
mod record;
mod server;
mod state;
mod validate;

pub use config::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, SandboxConfig};
pub use faults::{Fault, FaultKind};
pub use record::RecordedRequest;
pub use server::{Sandbox, SandboxError, router};
pub use state::{Conversation, ConversationState, Participant, SandboxState, SkillRequirement};
