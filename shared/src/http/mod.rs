//! The HTTP edge shared by every entry point (API Gateway, the local stack): one request type,
//! problem+json errors, CORS, and response helpers. Framework-free: built on the `http` crate.

pub(crate) mod cors;
mod edge;
mod message;
mod problem;

pub use cors::Cors;
pub use edge::{Admitted, BrowserEdge, log_error};
pub use message::{ApiRequest, ApiResponse, DEFAULT_MAX_BODY_BYTES, bytes_response, json_response};
pub use problem::{ApiError, NotRefreshable, PROBLEM_TYPE_PREFIX, Problem, ProblemField};
