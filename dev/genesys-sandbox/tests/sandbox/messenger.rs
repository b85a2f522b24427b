//! Messenger's guest sessions: a conversation starts with the first message (or the autostart
//! event) and carries exactly the custom attributes sent with it; later messages join it; an
//! agent's disconnect or the customer's clear ends it; the inbound flow runs once per
//! conversation; outbound events reach the guest as server-sent events.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::future::BoxFuture;
use genesys_sandbox::{
    FlowRun, InboundFlow, MessengerDeployment, Sandbox, SandboxConfig, SandboxState,
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;

/// A flow that counts its runs and records which conversation it saw.
#[derive(Debug, Default)]
struct CountingFlow {
    runs: AtomicUsize,
}

impl InboundFlow for CountingFlow {
    fn run<'a>(
        &'a self,
        sandbox: &'a SandboxState,
        conversation_id: &'a str,
    ) -> BoxFuture<'a, FlowRun> {
        Box::pin(async move {
            let n = self.runs.fetch_add(1, Ordering::SeqCst) + 1;
            let mut run = FlowRun::new("counting flow");
            let keys: Vec<String> = sandbox
                .conversation(conversation_id)
                .and_then(|c| c.customer().map(|p| p.attributes.keys().cloned().collect()))
                .unwrap_or_default();
            run.step("getParticipantData", json!({"keys": keys, "run": n}));
            run
        })
    }
}

struct Guest {
    base: String,
    token: String,
}

impl Guest {
    async fn configure(base: &str, token: &str) -> Value {
        let response = http()
            .post(format!("{base}/_sandbox/messenger/sessions"))
            .json(&json!({"deploymentId": WIDGET, "token": token}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    async fn new(base: &str) -> Self {
        let token = Uuid::new_v4().to_string();
        let session = Self::configure(base, &token).await;
        assert_eq!(session["newSession"], true);
        Self {
            base: base.to_owned(),
            token,
        }
    }

    async fn post(&self, message: Value) -> reqwest::Response {
        http()
            .post(format!("{}/_sandbox/messenger/messages", self.base))
            .json(&json!({"token": self.token, "message": message}))
            .send()
            .await
            .unwrap()
    }

    async fn say(&self, text: &str, attributes: Option<Value>) -> Value {
        let mut message = json!({"type": "Text", "text": text});
        if let Some(a) = attributes {
            message["channel"] = json!({"metadata": {"customAttributes": a}});
        }
        let response = self.post(message).await;
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    async fn presence(&self, kind: &str, attributes: Option<Value>) -> Value {
        let mut message = json!({"type": "Event", "events": [{"eventType": "Presence", "presence": {"type": kind}}]});
        if let Some(a) = attributes {
            message["channel"] = json!({"metadata": {"customAttributes": a}});
        }
        let response = self.post(message).await;
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    async fn events(&self) -> EventStream {
        let response = http_streaming()
            .post(format!("{}/_sandbox/messenger/events", self.base))
            .json(&json!({"token": self.token}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        EventStream {
            response,
            buffer: String::new(),
        }
    }
}

fn http_streaming() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

struct EventStream {
    response: reqwest::Response,
    buffer: String,
}

impl EventStream {
    /// The next `(event, data)`, skipping keep-alive comments.
    async fn next(&mut self) -> (String, Value) {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut event = String::new();
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        event = v.trim().to_owned();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim());
                    }
                }
                if !event.is_empty() {
                    return (event, serde_json::from_str(&data).unwrap());
                }
                continue;
            }
            let chunk = tokio::time::timeout(Duration::from_secs(5), self.response.chunk())
                .await
                .expect("an event within 5 s")
                .unwrap()
                .expect("the stream stays open");
            self.buffer.push_str(std::str::from_utf8(&chunk).unwrap());
        }
    }
}

async fn sandbox_with_flow() -> (Sandbox, Arc<CountingFlow>) {
    let sandbox = sandbox().await;
    let flow = Arc::new(CountingFlow::default());
    sandbox.set_inbound_flow(flow.clone());
    (sandbox, flow)
}

#[tokio::test]
async fn a_new_token_configures_a_new_session_and_a_known_one_resumes_it() {
    let sandbox = sandbox().await;
    let base = sandbox.base_url();
    let token = Uuid::new_v4().to_string();
    let first = Guest::configure(base, &token).await;
    assert_eq!(
        first,
        json!({"connected": true, "newSession": true, "readOnly": false,
               "maxCustomDataBytes": 2048, "clearedExistingSession": false, "conversation": null})
    );
    let again = Guest::configure(base, &token).await;
    assert_eq!(again["newSession"], false);
    let sessions = sandbox.messenger_sessions();
    assert_eq!(sessions.len(), 1);
    assert!(
        !serde_json::to_string(&sessions).unwrap().contains(&token),
        "the token is never served"
    );
    let kinds: Vec<&str> = sessions[0].events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["sessionConfigured", "sessionResumed"]);
}

#[tokio::test]
async fn the_first_message_starts_a_conversation_with_exactly_its_attributes_and_later_ones_join() {
    let (sandbox, flow) = sandbox_with_flow().await;
    let guest = Guest::new(sandbox.base_url()).await;
    let started = guest
        .say("Where is my order?", Some(json!({"session_hash": "h1"})))
        .await;
    assert_eq!(started["newConversation"], true);
    let id = started["conversationId"].as_str().unwrap().to_owned();
    assert_eq!(started["message"]["direction"], "Inbound");
    assert_eq!(started["message"]["text"], "Where is my order?");

    let conversation = sandbox.conversation(&id).unwrap();
    assert_eq!(
        serde_json::to_value(&conversation.custom_attributes).unwrap(),
        json!({"session_hash": "h1"})
    );
    assert_eq!(conversation.queue_id, "", "the inbound flow routes it");
    let run = conversation.inbound_flow.expect("the flow ran");
    assert_eq!(
        run.steps[0].detail,
        json!({"keys": ["session_hash"], "run": 1})
    );

    let joined = guest.say("Hello?", None).await;
    assert_eq!(joined["newConversation"], false);
    assert_eq!(joined["conversationId"], id.as_str());
    // Changed attributes travel with a later message: recorded, merged into participant data,
    // and the flow does not run again.
    let changed = guest
        .say("Still there?", Some(json!({"session_hash": "h2"})))
        .await;
    assert_eq!(changed["conversationId"], id.as_str());
    assert_eq!(flow.runs.load(Ordering::SeqCst), 1);
    assert_eq!(sandbox.count_flow_runs(), 1);
    let customer = sandbox
        .conversation(&id)
        .unwrap()
        .customer()
        .unwrap()
        .clone();
    assert_eq!(customer.attributes["session_hash"], "h2");

    let session = &sandbox.messenger_sessions()[0];
    let sent: Vec<(Option<&str>, Option<String>)> = session
        .messages
        .iter()
        .map(|m| {
            (
                m.message.text.as_deref(),
                m.custom_attributes
                    .as_ref()
                    .map(|a| a["session_hash"].clone()),
            )
        })
        .collect();
    assert_eq!(
        sent,
        [
            (Some("Where is my order?"), Some("h1".to_owned())),
            (Some("Hello?"), None),
            (Some("Still there?"), Some("h2".to_owned())),
        ]
    );
    assert_eq!(session.conversations, [id]);
}

#[tokio::test]
async fn concurrent_first_messages_start_one_conversation_and_one_flow_run() {
    let (sandbox, flow) = sandbox_with_flow().await;
    let guest = Guest::new(sandbox.base_url()).await;
    let texts: Vec<String> = (0..8).map(|i| format!("message {i}")).collect();
    let replies =
        futures::future::join_all(texts.iter().map(|t| guest.say(t, Some(json!({"k": "v"})))))
            .await;
    let started = replies
        .iter()
        .filter(|r| r["newConversation"] == true)
        .count();
    assert_eq!(started, 1);
    assert_eq!(sandbox.conversations().len(), 1);
    assert_eq!(flow.runs.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn the_autostart_event_starts_the_conversation_and_a_second_one_joins_it() {
    let (sandbox, flow) = sandbox_with_flow().await;
    let guest = Guest::new(sandbox.base_url()).await;
    let started = guest
        .presence("Join", Some(json!({"session_hash": "h1"})))
        .await;
    assert_eq!(started["newConversation"], true);
    let id = started["conversationId"].as_str().unwrap();
    assert_eq!(
        sandbox
            .conversation(id)
            .unwrap()
            .customer()
            .unwrap()
            .attributes["session_hash"],
        "h1"
    );
    assert_eq!(started["message"]["events"][0]["presence"]["type"], "Join");
    let again = guest.presence("Join", None).await;
    assert_eq!(again["newConversation"], false);
    assert_eq!(flow.runs.load(Ordering::SeqCst), 1);
    let events: Vec<(String, Option<String>)> = sandbox.messenger_sessions()[0]
        .events
        .iter()
        .map(|e| (e.kind.clone(), e.by.clone()))
        .collect();
    assert!(events.contains(&(
        "conversationStarted".to_owned(),
        Some("autostart".to_owned())
    )));
}

#[tokio::test]
async fn an_agent_disconnect_reaches_the_guest_and_the_next_message_starts_a_new_conversation() {
    let (sandbox, flow) = sandbox_with_flow().await;
    let base = sandbox.base_url().to_owned();
    let guest = Guest::new(&base).await;
    let first = guest.say("hi", Some(json!({"session_hash": "h1"}))).await;
    let first_id = first["conversationId"].as_str().unwrap().to_owned();
    let mut events = guest.events().await;
    assert_eq!(
        events.next().await,
        (
            "session".to_owned(),
            json!({"conversation": {"id": first_id, "state": "connected"}})
        )
    );

    let agent: Value = http()
        .post(format!("{base}/_sandbox/conversations/{first_id}/messages"))
        .json(&json!({"text": "How can I help?"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (kind, pushed) = events.next().await;
    assert_eq!(kind, "message");
    assert_eq!(pushed["conversationId"], first_id.as_str());
    assert_eq!(pushed["message"], agent);
    assert_eq!(agent["direction"], "Outbound");

    let response = http()
        .post(format!(
            "{base}/_sandbox/conversations/{first_id}/disconnect"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let (_, pushed) = events.next().await;
    let message = &pushed["message"];
    assert_eq!(message["type"], "Event");
    assert_eq!(message["events"][0]["presence"]["type"], "Disconnect");
    assert_eq!(message["direction"], "Outbound");

    // Reloading sees the disconnected conversation; writing again starts a new one.
    let resumed = Guest::configure(&base, &guest.token).await;
    assert_eq!(
        resumed["conversation"],
        json!({"id": first_id, "state": "disconnected"})
    );
    let second = guest
        .say("hello again", Some(json!({"session_hash": "h2"})))
        .await;
    assert_eq!(second["newConversation"], true);
    let second_id = second["conversationId"].as_str().unwrap();
    assert_ne!(second_id, first_id);
    assert_eq!(
        sandbox.conversation(second_id).unwrap().custom_attributes["session_hash"],
        "h2"
    );
    assert_eq!(flow.runs.load(Ordering::SeqCst), 2);
    assert_eq!(sandbox.messenger_sessions()[0].conversations.len(), 2);
}

#[tokio::test]
async fn a_disconnect_through_the_platform_api_reaches_the_guest_too() {
    let sandbox = sandbox().await;
    let base = sandbox.base_url().to_owned();
    let guest = Guest::new(&base).await;
    let id = guest.say("hi", None).await["conversationId"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut events = guest.events().await;
    events.next().await;
    let token = fetch_token(&base).await;
    let response = http()
        .patch(format!("{base}/api/v2/conversations/messages/{id}"))
        .bearer_auth(&token)
        .json(&json!({"state": "disconnected"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let (_, pushed) = events.next().await;
    assert_eq!(pushed["conversationId"], id.as_str());
    assert_eq!(
        pushed["message"]["events"][0]["presence"]["type"],
        "Disconnect"
    );
}

#[tokio::test]
async fn a_clear_ends_the_conversation_and_the_next_message_starts_a_new_one() {
    let (sandbox, flow) = sandbox_with_flow().await;
    let base = sandbox.base_url().to_owned();
    let guest = Guest::new(&base).await;
    let first = guest.say("hi", Some(json!({"session_hash": "h1"}))).await;
    let first_id = first["conversationId"].as_str().unwrap().to_owned();
    let cleared = guest.presence("Clear", None).await;
    assert_eq!(cleared["conversationId"], first_id.as_str());
    assert_eq!(cleared["newConversation"], false);
    assert_eq!(
        sandbox.conversation(&first_id).unwrap().state.as_str(),
        "disconnected"
    );
    assert_eq!(
        Guest::configure(&base, &guest.token).await["conversation"],
        Value::Null
    );
    let second = guest.say("again", None).await;
    assert_eq!(second["newConversation"], true);
    assert_eq!(flow.runs.load(Ordering::SeqCst), 2);
    let kinds: Vec<String> = sandbox.messenger_sessions()[0]
        .events
        .iter()
        .map(|e| e.kind.clone())
        .collect();
    assert!(kinds.contains(&"conversationCleared".to_owned()));
}

#[tokio::test]
async fn attributes_over_the_budget_are_refused_and_start_nothing() {
    let config = SandboxConfig {
        messenger: MessengerDeployment {
            max_custom_data_bytes: 20,
            autostart: false,
        },
        ..SandboxConfig::default()
    };
    let sandbox = Sandbox::start(config).await.unwrap();
    let guest = Guest::new(sandbox.base_url()).await;
    // 12 + 8 = 20 bytes: at the budget. "é" is two bytes in UTF-8, so 12 + 9 is over.
    let over = guest
        .post(json!({"type": "Text", "text": "hi",
                     "channel": {"metadata": {"customAttributes": {"session_hash": "abcdefgé"}}}}))
        .await;
    assert_eq!(over.status(), 400);
    let body: Value = over.json().await.unwrap();
    assert_genesys_error(&body, 400, "custom.attributes.too.large");
    assert!(body["message"].as_str().unwrap().contains("20 bytes"));
    assert!(sandbox.conversations().is_empty());
    let at = guest
        .say("hi", Some(json!({"session_hash": "abcdefgh"})))
        .await;
    assert_eq!(at["newConversation"], true);
}

#[tokio::test]
async fn bad_guest_requests_get_genesys_errors_naming_the_field() {
    let sandbox = sandbox().await;
    let base = sandbox.base_url().to_owned();
    let guest = Guest::new(&base).await;
    let fields = |body: &Value| -> Vec<String> {
        body["details"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["fieldName"].as_str().unwrap().to_owned())
            .collect()
    };
    for (message, field) in [
        (json!({"type": "Text", "text": ""}), "message.text"),
        (
            json!({"type": "Text", "text": "x".repeat(4097)}),
            "message.text",
        ),
        (json!({"type": "Video"}), "message.type"),
        (
            json!({"type": "Event", "events": [{"eventType": "Presence", "presence": {"type": "Typing"}}]}),
            "message.events",
        ),
        (
            json!({"type": "Text", "text": "hi", "channel": {"metadata": {"customAttributes": {"tier": 2}}}}),
            "message.channel.metadata.customAttributes.tier",
        ),
        (
            json!({"type": "Text", "text": "hi", "channel": {"to": "x"}}),
            "message.channel",
        ),
        (
            json!({"type": "Text", "text": "hi", "extra": 1}),
            "message.extra",
        ),
    ] {
        let response = guest.post(message).await;
        assert_eq!(response.status(), 400, "{field}");
        let body: Value = response.json().await.unwrap();
        assert_genesys_error(&body, 400, "invalid.value");
        assert_eq!(fields(&body), [field]);
    }

    let unknown = http()
        .post(format!("{base}/_sandbox/messenger/messages"))
        .json(&json!({"token": Uuid::new_v4().to_string(), "message": {"type": "Text", "text": "hi"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    assert_genesys_error(&unknown.json().await.unwrap(), 404, "session.not.found");

    let not_uuid = http()
        .post(format!("{base}/_sandbox/messenger/sessions"))
        .json(&json!({"deploymentId": "nope", "token": "guessable"}))
        .send()
        .await
        .unwrap();
    assert_eq!(not_uuid.status(), 400);
    assert_eq!(
        fields(&not_uuid.json().await.unwrap()),
        ["deploymentId", "token"]
    );

    let garbage = http()
        .post(format!("{base}/_sandbox/messenger/messages"))
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(garbage.status(), 400);
    assert_genesys_error(&garbage.json().await.unwrap(), 400, "bad.request");
    assert!(sandbox.conversations().is_empty());
}

#[tokio::test]
async fn the_guest_history_lists_the_conversation_newest_first() {
    let sandbox = sandbox().await;
    let base = sandbox.base_url().to_owned();
    let guest = Guest::new(&base).await;
    let id = guest.say("one", None).await["conversationId"]
        .as_str()
        .unwrap()
        .to_owned();
    guest.say("two", None).await;
    sandbox.send_agent_message(&id, "three").unwrap();
    let page: Value = http()
        .get(format!("{base}/api/v2/webmessaging/messages?pageSize=2"))
        .bearer_auth(&guest.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let texts: Vec<&str> = page["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["three", "two"]);
    assert_eq!(page["total"], 3);
    assert_eq!(page["pageCount"], 2);
    let wrong = http()
        .get(format!("{base}/api/v2/webmessaging/messages"))
        .bearer_auth(Uuid::new_v4().to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let bad_page = http()
        .get(format!("{base}/api/v2/webmessaging/messages?pageSize=0"))
        .bearer_auth(&guest.token)
        .send()
        .await
        .unwrap();
    assert_eq!(bad_page.status(), 400);
}

#[tokio::test]
async fn the_deployment_settings_are_served_and_can_be_changed() {
    let sandbox = sandbox().await;
    let base = sandbox.base_url().to_owned();
    let config: Value = http()
        .get(format!(
            "{base}/_sandbox/messenger/deployments/{WIDGET}/config"
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        config["messenger"]["apps"]["conversations"]["autoStart"]["enabled"],
        false
    );
    let changed = http()
        .put(format!("{base}/_sandbox/messenger/deployment"))
        .json(&json!({"maxCustomDataBytes": 64, "autostart": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 200);
    let token = Uuid::new_v4().to_string();
    assert_eq!(
        Guest::configure(&base, &token).await["maxCustomDataBytes"],
        64
    );
    let config: Value = http()
        .get(format!(
            "{base}/_sandbox/messenger/deployments/{WIDGET}/config"
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        config["messenger"]["apps"]["conversations"]["autoStart"]["enabled"],
        true
    );
    let refused = http()
        .put(format!("{base}/_sandbox/messenger/deployment"))
        .json(&json!({"maxCustomDataBytes": 0, "autostart": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
}
