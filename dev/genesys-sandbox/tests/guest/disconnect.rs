//! Acceptance 5: an agent's or a flow's disconnect reaches every connection of the session as an
//! outbound `Presence` `Disconnect` (`Response.kt`, `structuredMessageWithEvents` with
//! `presenceDisconnect` and `metadata.readOnly`); with `Send` the next message starts a new
//! conversation carrying its attributes; with `ReadOnly` the session stays read-only until a new
//! one is configured (`MessagingClientConversationDisconnectTest.kt`: `closeSession` with
//! `closeAllConnections`, then `configureSession` with `startNew`).

use std::sync::Arc;

use genesys_sandbox::{Disconnect, DisconnectType, MessengerDeployment};
use serde_json::{Value, json};
use test_support::guest::{Channel, Guest};

use crate::helpers::*;

/// The pushed `Disconnect`, exactly: no tracing id (no request caused it).
fn assert_disconnect(frame: &Value, read_only: bool) {
    assert_eq!(frame["type"], "message", "{frame}");
    assert_eq!(frame["class"], "StructuredMessage");
    assert_eq!(frame["code"], 200);
    assert!(frame.get("tracingId").is_none());
    let body = &frame["body"];
    assert_eq!(
        (body["direction"].as_str(), body["type"].as_str()),
        (Some("Outbound"), Some("Event"))
    );
    assert_eq!(
        body["events"],
        json!([{"eventType": "Presence", "presence": {"type": "Disconnect"}}])
    );
    assert_eq!(body["metadata"], json!({"readOnly": read_only.to_string()}));
}

/// Two connections of one session and the conversation its first message started.
async fn two_tabs_in_a_conversation(lab: &Lab) -> (Guest, Guest, String) {
    let mut guest = lab.configured().await;
    let tab = lab.another_tab(&guest).await;
    let (_, id) = lab.first_message(&mut guest).await;
    (guest, tab, id)
}

#[tokio::test]
async fn an_agents_disconnect_reaches_every_connection_and_the_next_message_starts_anew() {
    let lab = lab().await;
    let (mut guest, mut tab, first) = two_tabs_in_a_conversation(&lab).await;
    // The tab saw the customer's message too.
    assert_eq!(
        tab.next().await.unwrap()["body"]["text"],
        "Where is my order?"
    );

    lab.sandbox.disconnect_conversation(&first);

    assert_disconnect(&guest.next().await.unwrap(), false);
    assert_disconnect(&tab.next().await.unwrap(), false);
    let again = guest
        .say(
            "One more question",
            Some(json!({"session_hash": "h2"})),
            Channel::TopLevel,
        )
        .await
        .unwrap();
    let second = lab.conversation_of(&again).await;
    assert_ne!(second, first);
    let conversation = lab.with_flow_record(&second).await;
    assert_eq!(customer_data(&conversation), json!({"session_hash": "h2"}));
    assert_eq!(
        lab.sandbox.messenger_sessions()[0].conversations,
        [first, second]
    );
}

#[tokio::test]
async fn a_flows_disconnect_reaches_every_connection() {
    let lab = lab().await;
    lab.sandbox.set_inbound_flow(Arc::new(DisconnectingFlow));

    let (mut guest, mut tab, _) = two_tabs_in_a_conversation(&lab).await;

    assert_disconnect(&guest.next().await.unwrap(), false);
    let _customer_message = tab.next().await.unwrap();
    assert_disconnect(&tab.next().await.unwrap(), false);
}

#[tokio::test]
async fn with_read_only_the_session_refuses_messages_until_a_new_one_is_configured() {
    let lab = lab_with(MessengerDeployment {
        disconnect: Disconnect {
            enabled: true,
            kind: DisconnectType::ReadOnly,
        },
        ..MessengerDeployment::default()
    })
    .await;
    let (mut guest, mut tab, first) = two_tabs_in_a_conversation(&lab).await;
    lab.sandbox.disconnect_conversation(&first);
    assert_disconnect(&guest.next().await.unwrap(), true);

    let refused = guest.say("hello?", None, Channel::InMessage).await.unwrap();
    let resumed = guest.configure().await.unwrap();
    let closed = guest.close_session(true).await.unwrap();
    let tab_frames = tab.until_closed().await.unwrap();
    let fresh = guest.configure_with(true).await.unwrap();
    let echo = guest
        .say(
            "new question",
            Some(json!({"session_hash": "h3"})),
            Channel::InMessage,
        )
        .await
        .unwrap();

    assert_eq!(
        (refused["code"].as_u64(), refused["class"].as_str()),
        (Some(403), Some("string"))
    );
    assert_eq!(
        (
            resumed["body"]["newSession"].as_bool(),
            resumed["body"]["readOnly"].as_bool()
        ),
        (Some(false), Some(true))
    );
    assert_eq!(
        (
            closed["body"]["connected"].as_bool(),
            closed["body"]["readOnly"].as_bool()
        ),
        (Some(false), Some(true))
    );
    assert_eq!(
        tab_frames.last().unwrap(),
        &json!({"type": "message", "class": "ConnectionClosedEvent", "code": 200, "body": {}})
    );
    assert_eq!(
        (
            fresh["body"]["newSession"].as_bool(),
            fresh["body"]["readOnly"].as_bool()
        ),
        (Some(true), Some(false))
    );
    let second = lab.conversation_of(&echo).await;
    assert_ne!(second, first);
    assert_eq!(
        customer_data(&lab.with_flow_record(&second).await),
        json!({"session_hash": "h3"})
    );
}
