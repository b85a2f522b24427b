//! The sandbox's Web Messaging Guest API over a real WebSocket, driven by the project's own guest
//! (`test_support::guest`): the session, custom attributes and error 4013, autostart,
//! disconnects, and the rest of the protocol (clear, `echo`, `closeSession`, errors, expiry,
//! reconnects, history), each as Genesys's SDKs and their fixtures show it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod attributes;
mod autostart;
mod disconnect;
mod helpers;
mod protocol;
mod session;
