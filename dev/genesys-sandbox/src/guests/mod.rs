//! Web Messaging guest sessions, the way Genesys keeps them for Messenger and the other clients
//! of the Guest API: the store (sessions by token, connections, messages by id), the rules of a
//! guest's messages, the frames the server sends and the deployment's settings. The WebSocket
//! server that speaks the protocol over this store is `crate::guest_api`; this module knows
//! nothing of it, nor of the rest of the sandbox's state.
//!
//! Sources, cited beside the code: `MyPureCloud/genesys-messenger-transport-mobile-sdk`
//! (`transport/src/commonMain/kotlin/com/genesys/cloud/messenger/transport/`: `util/Urls.kt`,
//! `shyrka/send/*.kt`, `shyrka/receive/*.kt`, `core/CustomAttributesStoreImpl.kt`,
//! `core/MessagingClientImpl.kt`, `core/ErrorCode.kt`; the fixtures
//! `transport/src/androidUnitTest/kotlin/transport/util/Response.kt` and `Request.kt`) and
//! `MyPureCloud/web-messaging-sdk-java` (`build/src/main/java/cloud/genesys/webmessaging/sdk/`,
//! `WebMessagingClient.java` and `model/`). `docs/src/reference/genesys-sandbox.md` lists what
//! is implemented and where each behaviour comes from.

mod book;
mod deployment;
pub(crate) mod frames;
mod inbound;
mod session;
mod store;
mod wire;

pub use book::MessageRecord;
pub use deployment::{DEFAULT_DEPLOYMENT_ID, Disconnect, DisconnectType, MessengerDeployment};
pub(crate) use inbound::Said;
pub(crate) use session::{GuestError, Now};
pub use session::{GuestMessage, GuestSession, SessionEvent, custom_data_bytes};
pub(crate) use store::{GuestStore, Outgoing};
pub use wire::{Presence, WireChannel, WireEvent, WireMessage, WirePresence, WireRecipient};
