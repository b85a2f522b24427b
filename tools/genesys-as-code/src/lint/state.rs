//! What the linter knows along one path of the flow: where each variable's value came from,
//! whether the conversation was transferred, and whether the path has ended.

use std::collections::HashMap;

use crate::archy::flow::walk;

/// Where a variable's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Origin {
    /// Read by Get Participant Data of `key` at `line`.
    Participant { key: String, line: usize },
    /// A validate-session output; `string` when the contract types it as a string.
    Output { field: String, string: bool },
    /// Anything else.
    Other,
}

/// The state of one path.
#[derive(Debug, Clone, Default)]
pub(super) struct PathState {
    pub(super) origin: HashMap<String, Origin>,
    /// The line of a transfer earlier on this path.
    pub(super) transferred: Option<usize>,
    pub(super) ended: bool,
}

impl walk::PathState for PathState {
    /// Only branches that did not end go on; participant data read on any of them stays
    /// participant data; the path counts as transferred when every open branch transferred.
    fn merge(branches: Vec<PathState>) -> PathState {
        let open: Vec<&PathState> = branches.iter().filter(|b| !b.ended).collect();
        let mut out = PathState::default();
        if open.is_empty() {
            out.ended = true;
            out.transferred = branches.iter().find_map(|b| b.transferred);
            return out;
        }
        out.transferred = if open.iter().all(|b| b.transferred.is_some()) {
            open[0].transferred
        } else {
            None
        };
        for b in &open {
            for (k, v) in &b.origin {
                let keep = matches!(out.origin.get(k), Some(Origin::Participant { .. }));
                if !keep {
                    out.origin.insert(k.clone(), v.clone());
                }
            }
        }
        out
    }
}
