//! placeholder
pub mod idp;
