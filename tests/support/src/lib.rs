//! Helpers shared by the test suites.

pub mod moto;
