//! Helpers shared by the test suites.

pub mod guest;
pub mod moto;
pub mod serial_proxy;
pub mod tools;
