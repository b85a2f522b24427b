//! The inbound message flow, as a port: the sandbox knows nothing of Architect. Whoever embeds
//! it (the local stack) installs an [`InboundFlow`] with
//! [`SandboxState::set_inbound_flow`](crate::SandboxState::set_inbound_flow); the sandbox runs
//! it exactly once per Messenger conversation, after the first inbound message (or the
//! autostart event) that started it was echoed, and stores the returned [`FlowRun`] on the
//! conversation. A reconnect or a reload that resumes a running conversation starts no run, and
//! neither do later messages.
//!
//! A run gets a [`FlowConversation`]: its one conversation and what Architect's actions can do
//! to it (read participant data, Set Participant Data, Disconnect), nothing of the rest of the
//! sandbox.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use futures::future::BoxFuture;
use tokio::sync::watch;

use crate::conversation::Conversation;
use crate::flow::FlowRun;
use crate::guests::GuestStore;
use crate::lifecycle::end_conversation;
use crate::rooms::Conversations;

/// Runs an inbound message flow for one conversation.
pub trait InboundFlow: Send + Sync + fmt::Debug {
    /// Runs the flow on `conversation` (already started). Never fails: what went wrong belongs
    /// in [`FlowRun::error`].
    fn run<'a>(&'a self, conversation: &'a FlowConversation) -> BoxFuture<'a, FlowRun>;
}

/// One conversation as the inbound flow reaches it.
#[derive(Debug, Clone)]
pub struct FlowConversation {
    id: String,
    conversations: Conversations,
    guests: GuestStore,
}

impl FlowConversation {
    pub(crate) fn new(id: &str, conversations: &Conversations, guests: &GuestStore) -> Self {
        Self {
            id: id.to_owned(),
            conversations: conversations.clone(),
            guests: guests.clone(),
        }
    }

    /// The conversation's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The conversation as it is now (`None` once the sandbox no longer knows it).
    pub fn conversation(&self) -> Option<Conversation> {
        self.conversations.get(&self.id)
    }

    /// A participant's data (Get Participant Data reads them).
    pub fn participant_data(&self, participant_id: &str) -> Option<BTreeMap<String, String>> {
        self.conversations
            .participant_attributes(&self.id, participant_id)
    }

    /// Architect's Set Participant Data: one datum on a participant (the flow's write, which is
    /// no Platform API call). `false` when the participant is unknown.
    pub fn set_participant_data(&self, participant_id: &str, key: &str, value: &str) -> bool {
        let datum = BTreeMap::from([(key.to_owned(), value.to_owned())]);
        self.conversations
            .merge_attributes(&self.id, participant_id, datum)
            .is_ok()
    }

    /// Architect's Disconnect: the conversation ends, as when an agent ends it (its guest is
    /// told).
    pub fn disconnect(&self) -> Option<Conversation> {
        end_conversation(&self.conversations, &self.guests, &self.id, "agent")
    }
}

/// The installed flow and how many times it ran.
#[derive(Debug)]
pub(crate) struct InboundFlows {
    flow: RwLock<Option<Arc<dyn InboundFlow>>>,
    /// Finished runs, so a reader can wait for a conversation's record.
    runs: watch::Sender<usize>,
}

impl InboundFlows {
    pub(crate) fn new() -> Self {
        Self {
            flow: RwLock::new(None),
            runs: watch::channel(0).0,
        }
    }

    /// Installs `flow`, replacing any earlier one.
    pub(crate) fn install(&self, flow: Arc<dyn InboundFlow>) {
        *self.flow.write().unwrap_or_else(PoisonError::into_inner) = Some(flow);
    }

    fn installed(&self) -> Option<Arc<dyn InboundFlow>> {
        self.flow
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// How many runs finished.
    pub(crate) fn runs(&self) -> usize {
        *self.runs.borrow()
    }

    /// Runs the installed flow (if any) on `conversation` and stores its record there.
    pub(crate) async fn run(&self, conversation: FlowConversation) {
        let Some(flow) = self.installed() else {
            return;
        };
        let run = flow.run(&conversation).await;
        conversation
            .conversations
            .set_flow_run(&conversation.id, run);
        self.runs.send_modify(|runs| *runs += 1);
    }

    /// The conversation once the flow's record is on it (at most `timeout`). A conversation no
    /// flow runs for (none installed, or not started by a guest) is answered at once. `None`
    /// for an unknown id.
    pub(crate) async fn wait(
        &self,
        conversations: &Conversations,
        id: &str,
        timeout: Duration,
    ) -> Option<Conversation> {
        let mut runs = self.runs.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let conversation = conversations.get(id)?;
            let pending = conversation.inbound_flow.is_none()
                && conversation.messenger_session_id.is_some()
                && self.installed().is_some();
            if !pending {
                return Some(conversation);
            }
            if tokio::time::timeout_at(deadline, runs.changed())
                .await
                .is_err()
            {
                return Some(conversation);
            }
        }
    }
}
