//! Helpers shared by the test suites.

pub mod https;
pub mod logs;
pub mod moto;
pub mod serial_proxy;
