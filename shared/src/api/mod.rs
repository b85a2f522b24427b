//! The three flows as HTTP handlers over the ports: thin edges (parse, authenticate, map
//! errors) around the business rules. Every entry point — API Gateway via `lambda_http`, the
//! raw AWS Lambda data-action event, the local stack — calls these.

mod common;
mod initiate;
mod refresh;
pub mod risk;
pub mod strategy;
mod validate;

pub use common::{TicketResponse, TicketSettings};
pub use initiate::{InitiateHandler, InitiateSettings};
pub use refresh::{RefreshHandler, RefreshSettings};
pub use validate::{DataActionCredential, ValidateHandler, ValidateSettings};
