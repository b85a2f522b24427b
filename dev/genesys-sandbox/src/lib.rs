//! A Genesys Cloud sandbox: an HTTP emulator of the parts of Genesys Cloud this project calls
//! (OAuth client credentials, the guide's web messaging initiation endpoint, message
//! conversations and participant attributes), Messenger's guest sessions (a conversation starts
//! with the first message, carrying the custom attributes held then; an [`InboundFlow`] runs
//! once per conversation), with Genesys-shaped errors, a request recorder and fault injection.
//!
//! Two ways to run it, both serving the same [`router`]:
//! - [`Sandbox::start`] listens on its own 127.0.0.1 port (tests);
//! - [`router`] returns an `axum::Router` another server nests under a prefix (the local stack
//!   nests it under `/sandbox`); every path, including the `/_sandbox/...` admin routes, is
//!   relative to that prefix.

mod admin;
mod analytics;
mod api;
mod config;
mod conversation;
mod errors;
mod faults;
mod flow;
pub mod idp;
mod messenger;
mod oauth;
mod record;
mod server;
mod state;
mod validate;

pub use config::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, SandboxConfig};
pub use conversation::{Conversation, ConversationState, Participant, SkillRequirement};
pub use faults::{Fault, FaultKind};
pub use flow::{FlowRun, FlowStep, InboundFlow, SetDatum};
pub use messenger::{
    GuestMessage, GuestSession, MessengerDeployment, Presence, SessionEvent, WireChannel,
    WireEvent, WireMessage, WirePresence, WireRecipient, custom_data_bytes,
};
pub use record::RecordedRequest;
pub use server::{Sandbox, SandboxError, router};
pub use state::SandboxState;
