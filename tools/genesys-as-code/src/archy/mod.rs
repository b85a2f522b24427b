//! Archy YAML: the flow format Genesys's Archy tool and the CX-as-Code `genesyscloud_flow`
//! resource deploy. [`yaml`] keeps every node's line, [`template`] handles `{{name}}`
//! placeholders, [`expr`] parses Architect expressions, and [`flow`] is the typed flow: read,
//! written and walked.

mod emit;
pub mod expr;
pub mod flow;
pub mod template;
pub mod yaml;
