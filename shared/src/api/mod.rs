//! The three functions as [`Handler`]s over the ports. Every entry point — the Lambda runtime
//! (API Gateway events and the raw AWS Lambda data-action event) and the local stack — serves
//! them the same way, through the trait.
//!
//! Each handler's `handle` reads like its flow in the book's HTTP API reference: the edge admits
//! the request (`http::BrowserEdge`), then the business rules, the store and the strategy. A
//! request enters each file once, going down: the handler's file (`initiate.rs`, `refresh.rs`,
//! `validate.rs`) calls into what the browser-facing functions share (`browser_edge.rs`), the
//! strategy's start (`start.rs`), which keeps the pending creates (`pending.rs`), and the rules
//! at the bottom (`risk.rs`, `ownership.rs`, `strategy.rs`, `ticket.rs`), and none of them calls
//! back up (no closure or trait object of an upper file is handed down).

mod browser_edge;
mod credential;
mod handler;
mod initiate;
pub mod ownership;
mod pending;
mod refresh;
pub mod risk;
mod start;
pub mod strategy;
mod ticket;
pub mod validate;

pub use crate::tickets::TicketSettings;
pub use browser_edge::{
    Browser, BrowserPorts, BrowserSettings, DEFAULT_INITIATE_RATE_LIMIT,
    DEFAULT_REFRESH_RATE_LIMIT, RateLimit,
};
pub use handler::{Function, Handler};
pub use initiate::InitiateHandler;
pub use refresh::RefreshHandler;
pub use ticket::TicketResponse;
pub use validate::{DataActionCredential, ValidateHandler, ValidatePorts, ValidateSettings};
