//! An interpreter of the Archy subset the generator emits, so the local stack runs the very
//! flow an admin deploys.
//!
//! [`load`] reads a flow with every placeholder filled and refuses, naming the action and its
//! line, anything outside the subset: actions other than `getParticipantData`,
//! `setParticipantData`, `decision`, `switch`, `callData`, `updateData`, `transferToAcd` and
//! `disconnect`; expressions other than those [`crate::archy::expr`] lists; undeclared
//! variables and comparisons of mismatched types. [`Loaded::run`] then executes it against a
//! [`FlowRuntime`] (the conversation it runs on) and returns the path it took.
//!
//! Semantics: variables start `NOT_SET`; Get Participant Data of a key the participant lacks
//! leaves the variable `NOT_SET`; a transfer ends the run; a path that ends falls through to the
//! action after the one that chose it; a run error (such as `ToInt` of a non-number) takes the
//! flow's error handling, which the generated flow sets to disconnect.

mod check;
mod run;
mod runtime;
mod value;

use std::collections::{BTreeMap, BTreeSet, HashMap};

pub use runtime::{FlowRun, FlowRuntime, Step};

use run::{Flowing, Run};
use value::Val;

use crate::archy::flow::{self, Flow, ReadError};
use crate::archy::template::Unfilled;

/// Why a flow cannot be run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read as a flow.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// Something outside the subset.
    #[error("line {line}: `{action}` action \"{name}\": {reason}")]
    Refused {
        /// The action type.
        action: String,
        /// The action's name.
        name: String,
        /// Its line.
        line: usize,
        /// What is outside the subset.
        reason: String,
    },
}

/// A flow that passed the subset check.
#[derive(Debug, Clone)]
pub struct Loaded {
    flow: Flow,
    secret_keys: BTreeSet<String>,
}

/// Reads `text` with `substitutions` (every placeholder must have one) and checks the subset.
/// Values read from `secret_keys` (the session hash) never appear in a run's steps.
pub fn load(
    text: &str,
    substitutions: &BTreeMap<String, String>,
    secret_keys: BTreeSet<String>,
) -> Result<Loaded, LoadError> {
    let flow = flow::read(text, substitutions, Unfilled::Refuse)?;
    if flow.kind != "inboundShortMessage" {
        return Err(LoadError::Refused {
            action: flow.kind.clone(),
            name: flow.name.clone().unwrap_or_default(),
            line: flow.line,
            reason: "only inbound message flows (`inboundShortMessage`) are run".to_owned(),
        });
    }
    check::check(&flow).map_err(|r| LoadError::Refused {
        action: r.action,
        name: r.name,
        line: r.line,
        reason: r.reason,
    })?;
    Ok(Loaded { flow, secret_keys })
}

impl Loaded {
    /// The flow as read.
    pub fn flow(&self) -> &Flow {
        &self.flow
    }

    /// Runs the start-up state on `runtime`'s conversation.
    pub async fn run(&self, runtime: &dyn FlowRuntime) -> FlowRun {
        let mut run = Run {
            flow: &self.flow,
            rt: runtime,
            vars: HashMap::new(),
            secret_vars: BTreeSet::new(),
            secret_keys: &self.secret_keys,
            out: FlowRun::default(),
        };
        for v in self.flow.all_variables() {
            run.set(&v.name, Val::NotSet);
        }
        if let Flowing::Continue = run.actions(&self.flow.start().actions).await {
            // The state's actions ran out without a transfer: the flow ends and the
            // conversation is disconnected.
            run.out.disconnected = true;
            run.rt.disconnect(run.out.steps.len()).await;
        }
        run.out
    }
}
