//! The sandbox's memory: its OAuth client, issued tokens, conversations, the request log and
//! armed faults, beside the guest sessions' own store (`crate::guests`) and the inbound flow
//! (`messenger.rs`). Cheap to clone; clones share everything.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};
use std::time::Duration;

use base64::Engine as _;
use tokio::sync::watch;
use tokio::time::Instant;
use uuid::Uuid;

use crate::config::SandboxConfig;
use crate::conversation::{Conversation, ConversationState, NewConversation, new_conversation};
use crate::faults::{self, Fault, FaultKind};
use crate::guests::{GuestStore, Now};
use crate::record::RecordedRequest;

mod messenger;

pub use messenger::InboundFlow;

/// Why a widget could not start with an initiation token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StartCheck {
    Started,
    Expired,
    Unknown,
}

#[derive(Debug)]
struct Data {
    client_id: String,
    client_secret: String,
    tokens: HashMap<String, Instant>,
    initiation_tokens: HashMap<String, (String, Instant)>,
    conversations: Vec<Conversation>,
    requests: Vec<RecordedRequest>,
    faults: Vec<Fault>,
    token_lifetime: Duration,
    flow_runs: usize,
}

#[derive(Debug)]
struct Inner {
    initiation_token_lifetime: Duration,
    max_body_bytes: usize,
    data: Mutex<Data>,
    flow: RwLock<Option<Arc<dyn InboundFlow>>>,
    /// Counts finished flow runs, so a reader can wait for a conversation's record.
    flow_runs: watch::Sender<usize>,
    /// The guest sessions: a store of their own, not under `data`'s lock.
    guests: GuestStore,
}

/// Shared sandbox state: what [`crate::router`] serves and what tests inspect.
#[derive(Debug, Clone)]
pub struct SandboxState {
    inner: Arc<Inner>,
}

impl SandboxState {
    /// Fresh state from `config` (the listener address is not used here).
    pub fn new(config: &SandboxConfig) -> Self {
        Self {
            inner: Arc::new(Inner {
                initiation_token_lifetime: config.initiation_token_lifetime,
                max_body_bytes: config.max_body_bytes,
                data: Mutex::new(Data {
                    client_id: config.client_id.clone(),
                    client_secret: config.client_secret.clone(),
                    tokens: HashMap::new(),
                    initiation_tokens: HashMap::new(),
                    conversations: Vec::new(),
                    requests: Vec::new(),
                    faults: Vec::new(),
                    token_lifetime: config.token_lifetime,
                    flow_runs: 0,
                }),
                flow: RwLock::new(None),
                flow_runs: watch::channel(0).0,
                guests: GuestStore::new(&config.messenger_deployment_id, config.messenger),
            }),
        }
    }

    fn data(&self) -> MutexGuard<'_, Data> {
        // A panic while holding this lock can only come from a bug in this crate; the data is
        // still consistent (every mutation is a single insert/update), so recover it.
        self.inner
            .data
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn max_body_bytes(&self) -> usize {
        self.inner.max_body_bytes
    }

    // ----- inspection (tests, admin routes) -----

    /// Every request received so far (admin routes excluded), oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.data().requests.clone()
    }

    /// Requests whose path starts with `prefix`.
    pub fn requests_to(&self, prefix: &str) -> Vec<RecordedRequest> {
        self.data()
            .requests
            .iter()
            .filter(|r| r.path.starts_with(prefix))
            .cloned()
            .collect()
    }

    /// How many requests reached `/oauth/token` (answered or not).
    pub fn count_token_requests(&self) -> usize {
        self.count_requests("POST", "/oauth/token")
    }

    /// How many initiation (create conversation) requests arrived.
    pub fn count_create_requests(&self) -> usize {
        self.data()
            .requests
            .iter()
            .filter(|r| {
                r.method == "POST"
                    && r.path.starts_with("/api/v2/webmessaging/widgets/")
                    && r.path.ends_with("/conversations")
            })
            .count()
    }

    /// How many `method` requests had exactly `path`.
    pub fn count_requests(&self, method: &str, path: &str) -> usize {
        self.data()
            .requests
            .iter()
            .filter(|r| r.method == method && r.path == path)
            .count()
    }

    /// Forgets the request log.
    pub fn clear_requests(&self) {
        self.data().requests.clear();
    }

    /// Every conversation created, oldest first.
    pub fn conversations(&self) -> Vec<Conversation> {
        self.data().conversations.clone()
    }

    /// One conversation.
    pub fn conversation(&self, id: &str) -> Option<Conversation> {
        self.data()
            .conversations
            .iter()
            .find(|c| c.id == id)
            .cloned()
    }

    /// A participant's attributes.
    pub fn participant_attributes(
        &self,
        conversation_id: &str,
        participant_id: &str,
    ) -> Option<BTreeMap<String, String>> {
        self.data()
            .conversations
            .iter()
            .find(|c| c.id == conversation_id)?
            .participants
            .iter()
            .find(|p| p.id == participant_id)
            .map(|p| p.attributes.clone())
    }

    /// Every bearer token issued and not revoked, for tests that assert tokens never leak into
    /// logs or errors. Not exposed over HTTP.
    pub fn issued_tokens(&self) -> Vec<String> {
        self.data().tokens.keys().cloned().collect()
    }

    /// How many bearer tokens are currently valid.
    pub fn active_tokens(&self) -> usize {
        let now = Instant::now();
        self.data().tokens.values().filter(|e| **e > now).count()
    }

    // ----- control (tests, admin routes) -----

    /// Arms a fault.
    pub fn inject(&self, fault: Fault) {
        self.data().faults.push(fault);
    }

    /// Armed faults not yet used up.
    pub fn faults(&self) -> Vec<Fault> {
        self.data().faults.clone()
    }

    /// Disarms every fault.
    pub fn clear_faults(&self) {
        self.data().faults.clear();
    }

    /// Makes every issued bearer token expired (the next API call with one gets 401).
    pub fn expire_tokens(&self) {
        let now = Instant::now();
        for expiry in self.data().tokens.values_mut() {
            *expiry = now;
        }
    }

    /// Forgets every issued bearer token (as if revoked).
    pub fn revoke_tokens(&self) {
        self.data().tokens.clear();
    }

    /// Replaces the accepted client credentials (secret rotation). Issued tokens stay valid.
    pub fn set_credentials(&self, client_id: impl Into<String>, client_secret: impl Into<String>) {
        let mut data = self.data();
        data.client_id = client_id.into();
        data.client_secret = client_secret.into();
    }

    /// Changes the lifetime of tokens issued from now on.
    pub fn set_token_lifetime(&self, lifetime: Duration) {
        self.data().token_lifetime = lifetime;
    }

    // ----- used by the routes -----

    pub(crate) fn record(&self, mut request: RecordedRequest) -> usize {
        let mut data = self.data();
        request.seq = u64::try_from(data.requests.len()).unwrap_or(u64::MAX) + 1;
        data.requests.push(request);
        data.requests.len() - 1
    }

    pub(crate) fn set_status(&self, index: usize, status: u16) {
        if let Some(r) = self.data().requests.get_mut(index) {
            r.status = Some(status);
        }
    }

    pub(crate) fn take_fault(&self, path: &str) -> Option<FaultKind> {
        faults::take(&mut self.data().faults, path)
    }

    pub(crate) fn client_matches(&self, client_id: &str, client_secret: &str) -> bool {
        let data = self.data();
        constant_time_eq(client_id.as_bytes(), data.client_id.as_bytes())
            & constant_time_eq(client_secret.as_bytes(), data.client_secret.as_bytes())
    }

    /// Issues a bearer token; returns it with its lifetime in seconds.
    pub(crate) fn issue_token(&self) -> (String, u64) {
        let token = random_token();
        let mut data = self.data();
        let lifetime = data.token_lifetime;
        data.tokens.insert(token.clone(), Instant::now() + lifetime);
        (token, lifetime.as_secs().max(1))
    }

    pub(crate) fn token_is_valid(&self, token: &str) -> bool {
        self.data()
            .tokens
            .get(token)
            .is_some_and(|expiry| *expiry > Instant::now())
    }

    /// Creates a conversation; returns its id and initiation token.
    pub(crate) fn create_conversation(&self, new: NewConversation) -> (String, String) {
        let conversation = new_conversation(new);
        let id = conversation.id.clone();
        let token = initiation_token(&id);
        let expires = Instant::now() + self.inner.initiation_token_lifetime;
        let mut data = self.data();
        data.initiation_tokens
            .insert(token.clone(), (id.clone(), expires));
        data.conversations.push(conversation);
        (id, token)
    }

    /// Architect's Set Participant Data: one datum on a participant (the inbound flow's
    /// write, which is no Platform API call). `false` when either id is unknown.
    pub fn set_participant_data(
        &self,
        conversation_id: &str,
        participant_id: &str,
        key: &str,
        value: &str,
    ) -> bool {
        self.merge_attributes(
            conversation_id,
            participant_id,
            BTreeMap::from([(key.to_owned(), value.to_owned())]),
        )
        .is_ok()
    }

    /// Merges attributes into a participant; `None` when either id is unknown.
    pub(crate) fn merge_attributes(
        &self,
        conversation_id: &str,
        participant_id: &str,
        attributes: BTreeMap<String, String>,
    ) -> Result<BTreeMap<String, String>, &'static str> {
        let mut data = self.data();
        let conversation = data
            .conversations
            .iter_mut()
            .find(|c| c.id == conversation_id)
            .ok_or("conversation")?;
        let participant = conversation
            .participants
            .iter_mut()
            .find(|p| p.id == participant_id)
            .ok_or("participant")?;
        participant.attributes.extend(attributes);
        Ok(participant.attributes.clone())
    }

    /// Disconnects every participant of a conversation, as `PATCH
    /// /api/v2/conversations/messages/{id}` with `{"state": "disconnected"}` does, or an agent
    /// or a flow ending it. Disconnecting twice is a no-op. `None` for an unknown id.
    ///
    /// A Messenger conversation's guest learns it on every connection of its session (an
    /// outbound `Presence` `Disconnect`), and its session records who ended it.
    pub fn disconnect_conversation(&self, conversation_id: &str) -> Option<Conversation> {
        self.disconnect(conversation_id, "agent")
    }

    pub(crate) fn disconnect(&self, conversation_id: &str, by: &str) -> Option<Conversation> {
        let now = Now::current();
        let mut data = self.data();
        let conversation = data
            .conversations
            .iter_mut()
            .find(|c| c.id == conversation_id)?;
        let was_connected = conversation.state == ConversationState::Connected;
        conversation.state = ConversationState::Disconnected;
        if was_connected {
            conversation.end_time = Some(now.text.clone());
        }
        let conversation = conversation.clone();
        drop(data);
        if was_connected && conversation.messenger_session_id.is_some() {
            self.inner
                .guests
                .conversation_ended(conversation_id, by, &now);
        }
        Some(conversation)
    }

    /// Conversations that are still connected.
    pub fn connected_conversations(&self) -> Vec<Conversation> {
        self.data()
            .conversations
            .iter()
            .filter(|c| c.state == ConversationState::Connected)
            .cloned()
            .collect()
    }

    /// What the widget's `startConversation` would see for this token.
    pub(crate) fn start_widget(&self, conversation_id: &str, token: &str) -> StartCheck {
        let data = self.data();
        let connected = |id: &str| {
            data.conversations
                .iter()
                .any(|c| c.id == id && c.state == ConversationState::Connected)
        };
        match data.initiation_tokens.get(token) {
            Some((id, _)) if id != conversation_id => StartCheck::Unknown,
            Some((_, expires)) if *expires <= Instant::now() => StartCheck::Expired,
            // A disconnected conversation cannot be started any more.
            Some((id, _)) if !connected(id) => StartCheck::Expired,
            Some(_) => StartCheck::Started,
            None => StartCheck::Unknown,
        }
    }
}

fn random_token() -> String {
    format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple())
}

/// A base64 reference to the conversation plus randomness, like the guide's platform token.
fn initiation_token(conversation_id: &str) -> String {
    let raw = format!("{conversation_id}.{}", Uuid::new_v4().simple());
    base64::engine::general_purpose::STANDARD.encode(raw)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
