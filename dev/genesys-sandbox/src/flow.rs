//! What one run of the inbound message flow did: the record a [`crate::InboundFlow`] returns
//! and the sandbox stores on the conversation. It is deliberately generic (named steps with JSON
//! detail), so a stand-in flow and an interpreter of a real Architect flow can both fill it.
//! (The port itself, and the handle a run gets on its conversation, are in `inbound.rs`, so this
//! module imports nothing of the sandbox's.)

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What one run of the inbound flow did, as stored on the conversation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FlowRun {
    /// A name for people (the flow's name).
    pub flow: String,
    /// The steps in the order they ran.
    pub steps: Vec<FlowStep>,
    /// The queue the flow transferred the conversation to, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
    /// Why the flow stopped short, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The participant data the flow set, each with the index of the step that set it (so a
    /// datum set after the transfer shows as such). Secret values are never recorded.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub participant_data: Vec<SetDatum>,
    /// The index of the step that transferred the conversation, if one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer_step: Option<usize>,
}

/// One datum the flow set on the customer participant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetDatum {
    /// The attribute key.
    pub key: String,
    /// Its value.
    pub value: String,
    /// The index (in [`FlowRun::steps`]) of the step that set it.
    pub step: usize,
}

/// One step of a [`FlowRun`]. Details never hold a session hash or a credential: the record is
/// served to the demo page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlowStep {
    /// The action, e.g. `getParticipantData` or `callData`.
    pub name: String,
    /// What it read, called or decided.
    pub detail: Value,
}

impl FlowRun {
    /// An empty run of `flow`.
    pub fn new(flow: impl Into<String>) -> Self {
        Self {
            flow: flow.into(),
            ..Self::default()
        }
    }

    /// Appends a step.
    pub fn step(&mut self, name: impl Into<String>, detail: Value) {
        self.steps.push(FlowStep {
            name: name.into(),
            detail,
        });
    }

    /// The detail of the first step called `name`.
    pub fn find(&self, name: &str) -> Option<&Value> {
        self.steps
            .iter()
            .find(|s| s.name == name)
            .map(|s| &s.detail)
    }
}
