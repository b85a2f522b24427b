//! What an on-call engineer sees of the functions: logs ([`logs`]) and the CloudWatch metrics
//! they emit ([`metrics`]).
//!
//! The metric catalogue in [`metrics::CATALOGUE`] is the single list of metric names, units and
//! dimensions: the SAM template's dashboard and alarms are held to it by `tests/infra`, so a
//! renamed metric fails a test instead of silencing an alarm.

pub mod logs;
pub mod metrics;

pub use logs::{LogFormat, init, subscriber};
