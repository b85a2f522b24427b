//! The whole stack in one process on 127.0.0.1, on embedded defaults: the three functions'
//! handlers, the Genesys sandbox (its Platform API under `/sandbox`, its Web Messaging Guest API
//! at the root: `/v1`), a development identity provider
//! (`/dev/login`, `/.well-known/jwks.json`) or the site's own (`JWKS_URL` and `JWT_*`, see
//! `identity.rs`), an in-memory store (or DynamoDB, for load tests
//! against moto) and development secrets. No AWS or Genesys account needed. It also serves the
//! browser demo page at `/` with its development-only helpers under `/dev` (see `demo.rs`),
//! and a development ownership service (`POST /dev/ownership`, see `ownership.rs`) that
//! initiate's ownership check asks by default.
//!
//! Tests start it in-process with [`spawn`] and talk to it over real HTTP.

mod architect;
pub mod cli;
mod demo;
mod error;
mod identity;
mod in_process;
mod metrics;
mod options;
mod ownership;
mod response;
mod routes;
mod running;
mod wiring;

pub use architect::FlowOptions;
pub use error::StackError;
pub use identity::{IdentityInForce, identity_env};
pub use metrics::lines_in_process as metric_lines_in_process;
pub use options::{DEV_WIDGET_ID, LocalOwnership, Options, Store};
pub use running::{Running, spawn};
