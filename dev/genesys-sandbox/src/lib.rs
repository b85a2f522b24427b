//! A Genesys Cloud sandbox: an emulator of the parts of Genesys Cloud this project calls
//! (OAuth client credentials, the guide's web messaging initiation endpoint, message
//! conversations, message details and participant attributes) and of the Web Messaging Guest
//! API that Messenger speaks (a WebSocket: a conversation starts with the first message,
//! carrying the custom attributes sent with it; an [`InboundFlow`] runs once per conversation,
//! after the message's echo), with Genesys-shaped errors, a request recorder and fault
//! injection. `docs/src/reference/genesys-sandbox.md` says what of the Guest API it implements.
//!
//! Two ways to run it:
//! - [`Sandbox::start`] listens on its own 127.0.0.1 port and serves [`router`] (tests);
//! - another server mounts [`platform_router`] (the Platform API, login and the `/_sandbox/...`
//!   admin routes) under a prefix and [`guest_router`] (the Guest API: `/v1`, the deployment's
//!   `config.json` and the guest's history) at its root, where Genesys's SDKs look for them on
//!   a custom endpoint (the local stack: `/sandbox` and `/`).

mod admin;
mod analytics;
mod api;
mod config;
mod conversation;
mod errors;
mod faults;
mod flow;
mod guest_api;
mod guests;
pub mod idp;
mod inbound;
mod lifecycle;
mod oauth;
mod record;
mod rooms;
mod server;
mod state;
mod validate;

pub use config::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, SandboxConfig};
pub use conversation::{Conversation, ConversationState, Participant, SkillRequirement};
pub use faults::{Fault, FaultKind};
pub use flow::{FlowRun, FlowStep, SetDatum};
pub use guests::{
    DEFAULT_DEPLOYMENT_ID, Disconnect, DisconnectType, GuestMessage, GuestSession, MessageRecord,
    MessengerDeployment, Presence, SessionEvent, WireChannel, WireEvent, WireMessage, WirePresence,
    WireRecipient, custom_data_bytes,
};
pub use inbound::{FlowConversation, InboundFlow};
pub use record::RecordedRequest;
pub use server::{Sandbox, SandboxError, guest_router, platform_router, router};
pub use state::SandboxState;
