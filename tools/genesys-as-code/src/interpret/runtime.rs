//! What a run touches and what it returns: the conversation it runs on ([`FlowRuntime`]) and
//! the path it took ([`FlowRun`]).

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use crate::data_action::Outcome;

/// What a flow touches on its conversation.
#[async_trait::async_trait]
pub trait FlowRuntime: Send + Sync {
    /// `Message.ConversationId`.
    fn conversation_id(&self) -> String;
    /// The customer participant's data for `key`, if set.
    async fn participant_data(&self, key: &str) -> Option<String>;
    /// Sets one participant datum; `step` is the index of the action doing it.
    async fn set_participant_data(&self, key: &str, value: &str, step: usize);
    /// Runs a data action, found by category and name.
    async fn call_data_action(
        &self,
        category: &str,
        action: &str,
        inputs: &BTreeMap<String, String>,
        timeout: Option<Duration>,
    ) -> Outcome;
    /// Transfers the conversation to the queue named `queue`.
    async fn transfer_to_acd(&self, queue: &str, step: usize);
    /// Disconnects the conversation.
    async fn disconnect(&self, step: usize);
}

/// One action the run executed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    /// Its position in the run (0-based).
    pub index: usize,
    /// The action type (`decision`, ...).
    pub action: String,
    /// The action's name.
    pub name: String,
    /// Its line in the flow file.
    pub line: usize,
    /// What it did (values of secret keys are never shown).
    pub detail: Value,
}

/// The path a run took.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FlowRun {
    /// Every action executed, in order.
    pub steps: Vec<Step>,
    /// The queue the conversation was transferred to.
    pub queue: Option<String>,
    /// Whether the flow disconnected it.
    pub disconnected: bool,
    /// The run error that took the flow's error handling, if any.
    pub error: Option<String>,
}
