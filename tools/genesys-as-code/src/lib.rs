//! The Genesys Cloud side as code.
//!
//! - [`generate`]: every Genesys-side artifact, generated from `config/attributes.toml` and
//!   `config/routing.toml`: the validate-session data action (contracts, importable JSON, CX-as-Code
//!   Terraform), the Archy inbound message flow and its `genesyscloud_flow` resource, the Architect
//!   expressions and the book's attribute and configuration tables (`generate-artifacts`);
//! - [`routing`]: the routing rules of `config/routing.toml`, checked against the schema;
//! - [`interpret`]: an interpreter of the Archy subset the generator emits, which the local
//!   stack runs on the sandbox's conversations, calling validate-session through
//!   [`data_action`] the way a Web Services data action does;
//! - [`lint`]: a linter for flows people already have (`lint-flow`);
//! - [`archy`]: Archy YAML with line numbers, placeholders and expressions.
//!
//! This crate is tooling: it depends on the contract (`secure-initiation`) without its AWS
//! adapters, and no Lambda binary depends on it.

pub mod archy;
pub mod data_action;
pub mod generate;
pub mod interpret;
pub mod lint;
pub mod routing;
