//! The sandbox's side of Messenger conversations: the inbound flow run when one starts, the
//! conversations a guest starts, and the handles on the guest sessions' store that tests and
//! admin routes use.
//!
//! The inbound message flow is a port: the sandbox knows nothing of Architect. Whoever embeds it
//! (the local stack) installs an [`InboundFlow`] with [`SandboxState::set_inbound_flow`]; the
//! sandbox calls it exactly once per Messenger conversation, after the first inbound message (or
//! the autostart event) that started it was echoed, and stores the returned [`FlowRun`] on the
//! conversation. A reconnect or a reload that resumes a running conversation starts no run, and
//! neither do later messages.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, PoisonError};
use std::time::Duration;

use futures::future::BoxFuture;

use crate::conversation::Conversation;
use crate::flow::FlowRun;
use crate::guests::{
    GuestSession, GuestStore, MessageRecord, MessengerDeployment, Now, WireMessage,
};
use crate::state::SandboxState;

/// Runs an inbound message flow for one conversation.
pub trait InboundFlow: Send + Sync + fmt::Debug {
    /// Runs the flow on `conversation_id` (a conversation of `sandbox`, already started). It may
    /// read and write the conversation through `sandbox` (participant data, disconnect). Never
    /// fails: what went wrong belongs in [`FlowRun::error`].
    fn run<'a>(
        &'a self,
        sandbox: &'a SandboxState,
        conversation_id: &'a str,
    ) -> BoxFuture<'a, FlowRun>;
}

impl SandboxState {
    /// Installs the inbound message flow run when a Messenger conversation starts (replacing
    /// any earlier one).
    pub fn set_inbound_flow(&self, flow: Arc<dyn InboundFlow>) {
        *self
            .inner
            .flow
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Some(flow);
    }

    /// The guest sessions' store.
    pub(crate) fn guests(&self) -> &GuestStore {
        &self.inner.guests
    }

    /// The Messenger deployment's id: the one `…/v1?deploymentId=` accepts.
    pub fn messenger_deployment_id(&self) -> String {
        self.inner.guests.deployment_id()
    }

    /// The Messenger deployment's settings.
    pub fn messenger_deployment(&self) -> MessengerDeployment {
        self.inner.guests.deployment()
    }

    /// Changes the Messenger deployment's settings (what guests see from now on).
    pub fn set_messenger_deployment(&self, deployment: MessengerDeployment) {
        self.inner.guests.set_deployment(deployment);
    }

    /// Every Messenger guest session, ended ones included, with its messages and events,
    /// oldest first.
    pub fn messenger_sessions(&self) -> Vec<GuestSession> {
        self.inner.guests.sessions()
    }

    /// How many Messenger guest sessions were configured, ended ones included.
    pub fn count_messenger_sessions(&self) -> usize {
        self.inner.guests.sessions().len()
    }

    /// Expires the guest session with this public id now (`SessionExpiredEvent` on its
    /// connections). `false` for an unknown or ended session.
    pub fn expire_messenger_session(&self, session_id: &str) -> bool {
        self.inner.guests.expire(session_id, &Now::current())
    }

    /// The next `count` guest messages are refused with `TooManyRequestsErrorMessage`
    /// (`retryAfter` seconds): Genesys's error 4029, as an injected fault.
    pub fn inject_guest_rate_limit(&self, retry_after_secs: u64, count: u32) {
        self.inner.guests.arm_rate_limit(retry_after_secs, count);
    }

    /// Where a guest-side message belongs, by its id.
    pub fn message_record(&self, message_id: &str) -> Option<MessageRecord> {
        self.inner.guests.message(message_id)
    }

    /// How many times the inbound message flow ran.
    pub fn count_flow_runs(&self) -> usize {
        self.data().flow_runs
    }

    /// An agent's text message to a Messenger conversation, pushed to every connection of its
    /// guest's session. `None` for a conversation no guest session holds.
    pub fn send_agent_message(&self, conversation_id: &str, text: &str) -> Option<WireMessage> {
        let message = WireMessage::text("Outbound", text, &Now::current().text);
        self.inner
            .guests
            .outbound(conversation_id, &message)
            .then_some(message)
    }

    /// Stores a conversation a guest started.
    pub(crate) fn insert_conversation(&self, conversation: Conversation) {
        self.data().conversations.push(conversation);
    }

    /// Merges attributes a later guest message brought into the customer's participant data.
    pub(crate) fn merge_customer_attributes(
        &self,
        conversation_id: &str,
        attributes: BTreeMap<String, String>,
    ) {
        let mut data = self.data();
        let customer = data
            .conversations
            .iter_mut()
            .find(|c| c.id == conversation_id)
            .and_then(|c| c.participants.iter_mut().find(|p| p.purpose == "customer"));
        if let Some(customer) = customer {
            customer.attributes.extend(attributes);
        }
    }

    /// Runs the installed inbound flow on a conversation that has just started and stores its
    /// record there. Called once per Messenger conversation, after its first message's echo
    /// left: Genesys runs the flow on its own, not inside the guest's request.
    pub(crate) async fn run_inbound_flow(&self, conversation_id: &str) {
        let flow = self.flow();
        let Some(flow) = flow else {
            return;
        };
        let run = flow.run(self, conversation_id).await;
        let mut data = self.data();
        data.flow_runs += 1;
        let runs = data.flow_runs;
        if let Some(c) = data
            .conversations
            .iter_mut()
            .find(|c| c.id == conversation_id)
        {
            c.inbound_flow = Some(run);
        }
        drop(data);
        self.inner.flow_runs.send_replace(runs);
    }

    fn flow(&self) -> Option<Arc<dyn InboundFlow>> {
        self.inner
            .flow
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The conversation once the inbound flow's record is on it (at most `timeout`). A
    /// conversation no flow runs for (none installed, or not started by a guest) is answered at
    /// once. `None` for an unknown id.
    pub async fn wait_for_flow(
        &self,
        conversation_id: &str,
        timeout: Duration,
    ) -> Option<Conversation> {
        let mut runs = self.inner.flow_runs.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let conversation = self.conversation(conversation_id)?;
            let pending = conversation.inbound_flow.is_none()
                && conversation.messenger_session_id.is_some()
                && self.flow().is_some();
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
