//! A sandbox per test with its Guest API URL, guests on it, and inbound flows a test controls.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::future::BoxFuture;
use genesys_sandbox::{
    Conversation, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, FlowConversation, FlowRun, InboundFlow,
    MessengerDeployment, Sandbox, SandboxConfig,
};
use serde_json::{Value, json};
use test_support::guest::{Channel, Guest};
use tokio::sync::Semaphore;

/// The page a browser guest would come from.
pub const ORIGIN: &str = "https://shop.example";

/// A sandbox and the URL of its Guest API (`ws://127.0.0.1:PORT/v1`).
pub struct Lab {
    pub sandbox: Sandbox,
    pub api: String,
    pub flow: Arc<GatedFlow>,
}

/// A sandbox with the default deployment and an inbound flow that runs at once.
pub async fn lab() -> Lab {
    lab_with(MessengerDeployment::default()).await
}

pub async fn lab_with(deployment: MessengerDeployment) -> Lab {
    let sandbox = Sandbox::start(SandboxConfig {
        messenger: deployment,
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let flow = Arc::new(GatedFlow::open());
    sandbox.set_inbound_flow(flow.clone());
    let api = format!("ws://{}/v1", sandbox.addr());
    Lab { sandbox, api, flow }
}

impl Lab {
    /// A guest connected to the deployment, its session not configured yet.
    pub async fn guest(&self) -> Guest {
        Guest::connect(&self.api, &self.sandbox.messenger_deployment_id(), ORIGIN)
            .await
            .unwrap()
    }

    /// A guest whose session is configured.
    pub async fn configured(&self) -> Guest {
        let mut guest = self.guest().await;
        let reply = guest.configure().await.unwrap();
        assert_eq!(reply["class"], "SessionResponse", "{reply}");
        guest
    }

    /// Another connection of `guest`'s session, configured.
    pub async fn another_tab(&self, guest: &Guest) -> Guest {
        let mut tab = guest.reconnect(&self.api, ORIGIN).await.unwrap();
        let reply = tab.configure().await.unwrap();
        assert_eq!(reply["body"]["newSession"], false, "{reply}");
        tab
    }

    /// The conversation the message of an echo frame belongs to, as a test tool finds it: the
    /// Platform API's message details with a client-credentials token.
    pub async fn conversation_of(&self, echo: &Value) -> String {
        let http = reqwest::Client::new();
        let base = self.sandbox.base_url();
        let token = json(
            http.post(format!("{base}/oauth/token"))
                .basic_auth(DEFAULT_CLIENT_ID, Some(DEFAULT_CLIENT_SECRET))
                .form(&[("grant_type", "client_credentials")]),
        )
        .await;
        let message_id = echo["body"]["id"].as_str().unwrap();
        let details = json(
            http.get(format!(
                "{base}/api/v2/conversations/messages/{message_id}/details"
            ))
            .bearer_auth(token["access_token"].as_str().unwrap()),
        )
        .await;
        details["conversationId"].as_str().unwrap().to_owned()
    }

    /// The customer writes "Where is my order?" with `session_hash` `h1`: the echo and the
    /// conversation it started (or joined).
    pub async fn first_message(&self, guest: &mut Guest) -> (Value, String) {
        let attributes = Some(json!({"session_hash": "h1"}));
        let echo = guest
            .say("Where is my order?", attributes, Channel::InMessage)
            .await
            .unwrap();
        assert_eq!(echo["class"], "StructuredMessage", "{echo}");
        let id = self.conversation_of(&echo).await;
        (echo, id)
    }

    /// The conversation once its inbound flow's record is on it.
    pub async fn with_flow_record(&self, id: &str) -> Conversation {
        let conversation = self
            .sandbox
            .wait_for_flow(id, Duration::from_secs(5))
            .await
            .unwrap();
        assert!(
            conversation.inbound_flow.is_some(),
            "the flow ran within 5 s"
        );
        conversation
    }
}

/// The customer's participant data of a conversation, as JSON.
pub fn customer_data(conversation: &Conversation) -> Value {
    serde_json::to_value(&conversation.customer().unwrap().attributes).unwrap()
}

/// A request's JSON answer.
pub async fn json(request: reqwest::RequestBuilder) -> Value {
    request.send().await.unwrap().json().await.unwrap()
}

/// An inbound flow that waits for the test's go, then records the participant data it saw.
#[derive(Debug)]
pub struct GatedFlow {
    gate: Semaphore,
    pub runs: AtomicUsize,
}

impl GatedFlow {
    /// A flow that runs at once.
    pub fn open() -> Self {
        Self {
            gate: Semaphore::new(Semaphore::MAX_PERMITS),
            runs: AtomicUsize::new(0),
        }
    }

    /// A flow that waits until [`GatedFlow::release`].
    pub fn closed() -> Self {
        Self {
            gate: Semaphore::new(0),
            runs: AtomicUsize::new(0),
        }
    }

    /// Lets one waiting run through.
    pub fn release(&self) {
        self.gate.add_permits(1);
    }
}

impl InboundFlow for GatedFlow {
    fn run<'a>(&'a self, conversation: &'a FlowConversation) -> BoxFuture<'a, FlowRun> {
        Box::pin(async move {
            if let Ok(permit) = self.gate.acquire().await {
                permit.forget();
            }
            let n = self.runs.fetch_add(1, Ordering::SeqCst) + 1;
            let data = conversation
                .conversation()
                .and_then(|c| c.customer().map(|p| p.attributes.clone()))
                .unwrap_or_default();
            let mut run = FlowRun::new("gated flow");
            run.step("getParticipantData", json!({"data": data, "run": n}));
            run
        })
    }
}

/// An inbound flow that ends the conversation, as a flow's Disconnect action does.
#[derive(Debug, Default)]
pub struct DisconnectingFlow;

impl InboundFlow for DisconnectingFlow {
    fn run<'a>(&'a self, conversation: &'a FlowConversation) -> BoxFuture<'a, FlowRun> {
        Box::pin(async move {
            conversation.disconnect();
            let mut run = FlowRun::new("disconnecting flow");
            run.step("disconnect", json!({}));
            run
        })
    }
}
