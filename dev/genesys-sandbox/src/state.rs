//! The sandbox's state: the rooms (`crate::rooms`), the guest sessions' store (`crate::guests`)
//! and the inbound flow (`crate::inbound`), composed; what [`crate::router`] serves and what
//! tests inspect and steer. Cheap to clone; clones share everything.
//!
//! The routes reach each room through [`SandboxState::rooms`]; the methods below are the
//! sandbox's public face. A test-only view (one nothing served over HTTP shows) needs the
//! `test-views` feature.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use crate::config::SandboxConfig;
use crate::conversation::Conversation;
use crate::faults::Fault;
use crate::guests::{GuestSession, GuestStore, MessengerDeployment, Now, WireMessage};
use crate::inbound::{FlowConversation, InboundFlow, InboundFlows};
use crate::lifecycle::end_conversation;
use crate::record::RecordedRequest;
use crate::rooms::{ArmedFaults, Clients, Conversations, Initiations, RequestLog, StartCheck};

/// Every room of one sandbox.
#[derive(Debug)]
pub(crate) struct Rooms {
    pub(crate) clients: Clients,
    pub(crate) conversations: Conversations,
    pub(crate) initiations: Initiations,
    pub(crate) requests: RequestLog,
    pub(crate) faults: ArmedFaults,
    pub(crate) guests: GuestStore,
    pub(crate) inbound: InboundFlows,
    /// The largest request body accepted (a setting, not a room).
    pub(crate) max_body_bytes: usize,
}

/// Shared sandbox state: what [`crate::router`] serves and what tests inspect.
#[derive(Debug, Clone)]
pub struct SandboxState {
    rooms: Arc<Rooms>,
}

impl SandboxState {
    /// Fresh state from `config` (the listener address is not used here).
    pub fn new(config: &SandboxConfig) -> Self {
        Self {
            rooms: Arc::new(Rooms {
                clients: Clients::new(
                    &config.client_id,
                    &config.client_secret,
                    config.token_lifetime,
                ),
                conversations: Conversations::new(),
                initiations: Initiations::new(config.initiation_token_lifetime),
                requests: RequestLog::new(),
                faults: ArmedFaults::new(),
                guests: GuestStore::new(&config.messenger_deployment_id, config.messenger),
                inbound: InboundFlows::new(),
                max_body_bytes: config.max_body_bytes,
            }),
        }
    }

    /// The rooms, for the routes.
    pub(crate) fn rooms(&self) -> &Rooms {
        &self.rooms
    }

    // ----- the Platform API's side: requests, tokens, conversations, faults -----

    /// Every request received so far (admin routes excluded), oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.rooms.requests.all()
    }

    /// How many requests reached `/oauth/token` (answered or not).
    pub fn count_token_requests(&self) -> usize {
        self.rooms
            .requests
            .count(|r| r.method == "POST" && r.path == "/oauth/token")
    }

    /// How many initiation (create conversation) requests arrived.
    pub fn count_create_requests(&self) -> usize {
        self.rooms.requests.count(|r| {
            r.method == "POST"
                && r.path.starts_with("/api/v2/webmessaging/widgets/")
                && r.path.ends_with("/conversations")
        })
    }

    /// Forgets the request log.
    pub fn clear_requests(&self) {
        self.rooms.requests.clear();
    }

    /// Every conversation created, oldest first.
    pub fn conversations(&self) -> Vec<Conversation> {
        self.rooms.conversations.all()
    }

    /// One conversation.
    pub fn conversation(&self, id: &str) -> Option<Conversation> {
        self.rooms.conversations.get(id)
    }

    /// Conversations that are still connected.
    pub fn connected_conversations(&self) -> Vec<Conversation> {
        self.rooms.conversations.connected()
    }

    /// A participant's attributes.
    pub fn participant_attributes(
        &self,
        conversation_id: &str,
        participant_id: &str,
    ) -> Option<BTreeMap<String, String>> {
        self.rooms
            .conversations
            .participant_attributes(conversation_id, participant_id)
    }

    /// Disconnects every participant of a conversation, as `PATCH
    /// /api/v2/conversations/messages/{id}` with `{"state": "disconnected"}` does, or an agent
    /// or a flow ending it. Disconnecting twice is a no-op. `None` for an unknown id.
    ///
    /// A Messenger conversation's guest learns it on every connection of its session (an
    /// outbound `Presence` `Disconnect`), and its session records who ended it.
    pub fn disconnect_conversation(&self, conversation_id: &str) -> Option<Conversation> {
        self.end_conversation(conversation_id, "agent")
    }

    /// Ends a conversation, `by` saying who ended it (see [`crate::lifecycle`]).
    pub(crate) fn end_conversation(&self, conversation_id: &str, by: &str) -> Option<Conversation> {
        let rooms = &self.rooms;
        end_conversation(&rooms.conversations, &rooms.guests, conversation_id, by)
    }

    /// What the widget's `startConversation` would see for this token.
    pub(crate) fn start_widget(&self, conversation_id: &str, token: &str) -> StartCheck {
        match self.rooms.initiations.check(conversation_id, token) {
            // A disconnected conversation cannot be started any more.
            StartCheck::Started if !self.rooms.conversations.is_connected(conversation_id) => {
                StartCheck::Expired
            }
            check => check,
        }
    }

    /// Arms a fault.
    pub fn inject(&self, fault: Fault) {
        self.rooms.faults.arm(fault);
    }

    /// Armed faults not yet used up.
    pub fn faults(&self) -> Vec<Fault> {
        self.rooms.faults.all()
    }

    /// Disarms every fault.
    pub fn clear_faults(&self) {
        self.rooms.faults.clear();
    }

    /// Makes every issued bearer token expired (the next API call with one gets 401).
    pub fn expire_tokens(&self) {
        self.rooms.clients.expire_all();
    }

    /// Forgets every issued bearer token (as if revoked).
    pub fn revoke_tokens(&self) {
        self.rooms.clients.revoke_all();
    }

    /// Replaces the accepted client credentials (secret rotation). Issued tokens stay valid.
    pub fn set_credentials(&self, client_id: impl Into<String>, client_secret: impl Into<String>) {
        self.rooms
            .clients
            .set_credentials(client_id.into(), client_secret.into());
    }

    // ----- Messenger's side: the deployment, guest sessions and the inbound flow -----

    /// The Messenger deployment's id: the one `…/v1?deploymentId=` accepts.
    pub fn messenger_deployment_id(&self) -> String {
        self.rooms.guests.deployment_id()
    }

    /// The Messenger deployment's settings.
    pub fn messenger_deployment(&self) -> MessengerDeployment {
        self.rooms.guests.deployment()
    }

    /// Changes the Messenger deployment's settings (what guests see from now on).
    pub fn set_messenger_deployment(&self, deployment: MessengerDeployment) {
        self.rooms.guests.set_deployment(deployment);
    }

    /// Every Messenger guest session, ended ones included, with its messages and events,
    /// oldest first.
    pub fn messenger_sessions(&self) -> Vec<GuestSession> {
        self.rooms.guests.sessions()
    }

    /// Expires the guest session with this public id now (`SessionExpiredEvent` on its
    /// connections). `false` for an unknown or ended session.
    pub fn expire_messenger_session(&self, session_id: &str) -> bool {
        self.rooms.guests.expire(session_id, &Now::current())
    }

    /// The next `count` guest messages are refused with `TooManyRequestsErrorMessage`
    /// (`retryAfter` seconds): Genesys's error 4029, as an injected fault.
    pub fn inject_guest_rate_limit(&self, retry_after_secs: u64, count: u32) {
        self.rooms.guests.arm_rate_limit(retry_after_secs, count);
    }

    /// An agent's text message to a Messenger conversation, pushed to every connection of its
    /// guest's session. `None` for a conversation no guest session holds.
    pub fn send_agent_message(&self, conversation_id: &str, text: &str) -> Option<WireMessage> {
        let message = WireMessage::text("Outbound", text, &Now::current().text);
        self.rooms
            .guests
            .outbound(conversation_id, &message)
            .then_some(message)
    }

    /// Installs the inbound message flow run when a Messenger conversation starts (replacing
    /// any earlier one).
    pub fn set_inbound_flow(&self, flow: Arc<dyn InboundFlow>) {
        self.rooms.inbound.install(flow);
    }

    /// How many times the inbound message flow ran.
    pub fn count_flow_runs(&self) -> usize {
        self.rooms.inbound.runs()
    }

    /// The handle an inbound flow gets on conversation `id`, for an embedder that runs a flow
    /// on a conversation no guest started. `None` for an unknown id.
    pub fn flow_conversation(&self, id: &str) -> Option<FlowConversation> {
        let rooms = &self.rooms;
        rooms.conversations.get(id)?;
        Some(FlowConversation::new(
            id,
            &rooms.conversations,
            &rooms.guests,
        ))
    }

    /// Runs the installed inbound flow on a conversation a guest has just started and stores
    /// its record there. Called once per Messenger conversation, after its first message's
    /// echo left: Genesys runs the flow on its own, not inside the guest's request.
    pub(crate) async fn run_inbound_flow(&self, conversation_id: &str) {
        let rooms = &self.rooms;
        let conversation =
            FlowConversation::new(conversation_id, &rooms.conversations, &rooms.guests);
        rooms.inbound.run(conversation).await;
    }

    /// The conversation once the inbound flow's record is on it (at most `timeout`). A
    /// conversation no flow runs for (none installed, or not started by a guest) is answered at
    /// once. `None` for an unknown id.
    pub async fn wait_for_flow(
        &self,
        conversation_id: &str,
        timeout: Duration,
    ) -> Option<Conversation> {
        let rooms = &self.rooms;
        rooms
            .inbound
            .wait(&rooms.conversations, conversation_id, timeout)
            .await
    }
}

/// Views only tests take: nothing served over HTTP shows them.
#[cfg(feature = "test-views")]
impl SandboxState {
    /// Requests whose path starts with `prefix`, oldest first.
    pub fn requests_to(&self, prefix: &str) -> Vec<RecordedRequest> {
        self.rooms.requests.select(|r| r.path.starts_with(prefix))
    }

    /// Every bearer token issued and not revoked, for tests that assert tokens never leak into
    /// logs or errors.
    pub fn issued_tokens(&self) -> Vec<String> {
        self.rooms.clients.issued()
    }
}
