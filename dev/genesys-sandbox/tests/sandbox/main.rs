//! The sandbox over real loopback HTTP: OAuth, the initiation endpoint, conversations,
//! attributes, Genesys-shaped errors, the recorder, admin routes and fault injection.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod api;
mod faults;
mod helpers;
