//! The AWS Lambda side of the functions, so each function's `main` is only wiring:
//!
//! - [`bootstrap`]: the cold start in one call (configuration, AWS clients, secrets, the
//!   handler), run once per container;
//! - [`serve`] (in `entry`): the runtime glue that serves any `Handler`, for API Gateway HTTP API
//!   events and the raw AWS Lambda data-action event alike.

pub mod bootstrap;
mod entry;

pub use entry::{
    Error, Invocation, Telemetry, api_gateway_request_id, handle_event, init_failed,
    init_telemetry, init_telemetry_with, is_http_event, serve,
};
