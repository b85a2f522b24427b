//! The Genesys Cloud client and the secret sources against real components: the Genesys
//! sandbox over loopback HTTP and moto's Secrets Manager driven through the real AWS SDK.
//! One binary; every test builds its own sandbox (and moto, where needed).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod client;
mod figures;
mod helpers;
mod logs;
mod retries;
mod rotation;
mod secrets_manager;
