//! An Archy flow as typed values ([`model`]): read from YAML leniently ([`read`]: an action
//! this crate does not know is kept as [`ActionKind::Other`], with the action lists and
//! variables found inside it, so the linter can read any flow), written back as YAML by one
//! serialiser ([`write`]), and walked by visitors ([`walk`]) that carry what they know along
//! each path.

mod model;
mod read;
mod read_action;
pub mod walk;
mod write;

pub use model::*;
pub use read::from_yaml;
pub use read_action::operand;
pub use write::to_yaml;

use super::template;

/// Reads a flow file's text: fills placeholders (`unfilled` decides about the others), then
/// parses the YAML and reads the flow.
pub fn read(
    text: &str,
    substitutions: &std::collections::BTreeMap<String, String>,
    unfilled: template::Unfilled,
) -> Result<Flow, ReadError> {
    let filled = template::fill(text, substitutions, unfilled)?;
    let root = super::yaml::parse(&filled)?;
    Ok(from_yaml(&root)?)
}

/// Why a flow file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// Its placeholders.
    #[error(transparent)]
    Template(#[from] template::TemplateError),
    /// Its YAML.
    #[error("not YAML: {0}")]
    Yaml(#[from] super::yaml::YamlError),
    /// Its shape.
    #[error("not an Archy flow: {0}")]
    Flow(#[from] FlowError),
}
