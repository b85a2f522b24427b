//! Helpers shared by the test suites.

pub mod guest;
pub mod https;
pub mod logs;
pub mod moto;
pub mod runtime_api;
pub mod serial_proxy;
pub mod tools;
