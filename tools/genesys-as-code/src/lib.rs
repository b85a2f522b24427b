//! The Genesys Cloud side as code.
//!
//! - [`generate`]: every Genesys-side artifact, generated from `config/attributes.toml` and
//!   `config/routing.toml`: the validate-session data action (contracts, importable JSON, CX-as-Code
//!   Terraform), the Archy inbound message flow and its `genesyscloud_flow` resource, the Architect
//!   expressions and the README's tables.
//!
//! This crate is tooling: it depends on the contract (`secure-initiation`) without its AWS
//! adapters, and no Lambda binary depends on it.

pub mod archy;
pub mod data_action;
pub mod generate;
pub mod interpret;
pub mod routing;
