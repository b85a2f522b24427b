//! Acceptance 2 and 3: custom attributes in `message.channel` (the transport SDK's place) and in
//! a top-level `channel` (the Java SDK's) each start one conversation whose customer data are
//! exactly those attributes; the echo comes at once and the flow's record afterwards; error 4013
//! at one byte over the budget, counted in UTF-8 bytes of keys plus values.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use genesys_sandbox::{ConversationState, MessengerDeployment, custom_data_bytes};
use serde_json::{Value, json};
use test_support::guest::Channel;

use crate::helpers::*;

async fn starts_one_conversation_with_exactly_its_attributes(channel: Channel) {
    let lab = lab().await;
    let flow = Arc::new(GatedFlow::closed());
    lab.sandbox.set_inbound_flow(flow.clone());
    let mut guest = lab.configured().await;
    let attributes = json!({"session_hash": "h1", "order_id": "88472"});

    let echo = guest
        .say("Where is my order?", Some(attributes.clone()), channel)
        .await
        .unwrap();

    // The echo: at once, while the flow still waits for its go.
    assert_eq!(
        (echo["type"].as_str(), echo["class"].as_str()),
        (Some("message"), Some("StructuredMessage"))
    );
    assert_eq!(echo["code"], 200);
    let body = &echo["body"];
    assert_eq!(
        (body["direction"].as_str(), body["type"].as_str()),
        (Some("Inbound"), Some("Text"))
    );
    assert_eq!(body["text"], "Where is my order?");
    assert!(
        time::OffsetDateTime::parse(
            body["channel"]["time"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339
        )
        .is_ok()
    );
    assert_eq!(body["channel"]["messageId"], body["id"]);
    let id = lab.conversation_of(&echo).await;
    let conversation = lab.sandbox.conversation(&id).unwrap();
    assert!(
        conversation.inbound_flow.is_none(),
        "the flow has not run yet"
    );
    assert_eq!(customer_data(&conversation), attributes);
    assert_eq!(lab.sandbox.conversations().len(), 1);

    // The flow's record, afterwards: the test waits for it.
    flow.release();
    let recorded = lab.with_flow_record(&id).await;
    let run = recorded.inbound_flow.unwrap();
    assert_eq!(run.steps[0].detail, json!({"data": attributes, "run": 1}));
    assert!(
        !echo.to_string().contains("gated flow"),
        "the record never rides on the echo"
    );
}

#[tokio::test]
async fn attributes_in_message_channel_start_one_conversation_with_exactly_them() {
    starts_one_conversation_with_exactly_its_attributes(Channel::InMessage).await;
}

#[tokio::test]
async fn attributes_in_a_top_level_channel_start_one_conversation_with_exactly_them() {
    starts_one_conversation_with_exactly_its_attributes(Channel::TopLevel).await;
}

#[tokio::test]
async fn later_messages_join_the_conversation_and_changed_attributes_are_merged_without_a_new_run()
{
    let lab = lab().await;
    let mut guest = lab.configured().await;
    let first = guest
        .say(
            "one",
            Some(json!({"session_hash": "h1"})),
            Channel::InMessage,
        )
        .await
        .unwrap();
    let id = lab.conversation_of(&first).await;
    lab.with_flow_record(&id).await;

    let plain = guest.say("two", None, Channel::InMessage).await.unwrap();
    let changed = guest
        .say(
            "three",
            Some(json!({"session_hash": "h2"})),
            Channel::TopLevel,
        )
        .await
        .unwrap();

    assert_eq!(lab.conversation_of(&plain).await, id);
    assert_eq!(lab.conversation_of(&changed).await, id);
    let conversation = lab.sandbox.conversation(&id).unwrap();
    assert_eq!(customer_data(&conversation), json!({"session_hash": "h2"}));
    assert_eq!(lab.flow.runs.load(Ordering::SeqCst), 1);
    let sent: Vec<Option<Value>> = lab.sandbox.messenger_sessions()[0]
        .messages
        .iter()
        .map(|m| m.custom_attributes.as_ref().map(|a| json!(a)))
        .collect();
    assert_eq!(
        sent,
        [
            Some(json!({"session_hash": "h1"})),
            None,
            Some(json!({"session_hash": "h2"}))
        ]
    );
}

#[tokio::test]
async fn first_messages_from_two_tabs_at_once_start_one_conversation_and_one_flow_run() {
    let lab = lab().await;
    let mut guest = lab.configured().await;
    let mut tab = lab.another_tab(&guest).await;
    let attributes = Some(json!({"k": "v"}));

    let (a, b) = tokio::join!(
        guest.say("from the first tab", attributes.clone(), Channel::InMessage),
        tab.say(
            "from the second tab",
            attributes.clone(),
            Channel::InMessage
        ),
    );

    let first = lab.conversation_of(&a.unwrap()).await;
    let second = lab.conversation_of(&b.unwrap()).await;
    assert_eq!(first, second);
    lab.with_flow_record(&first).await;
    assert_eq!(lab.sandbox.conversations().len(), 1);
    assert_eq!(lab.sandbox.count_flow_runs(), 1);
}

/// `session_hash` (12 bytes) and a value of two-byte characters: exactly `budget` bytes.
fn at_budget(budget: usize) -> Value {
    let value = "é".repeat((budget - "session_hash".len()) / 2);
    json!({"session_hash": value})
}

#[tokio::test]
async fn attributes_at_the_budget_start_a_conversation_and_one_byte_more_gets_4013_and_nothing() {
    let lab = lab().await;
    let mut guest = lab.configured().await;
    let exact = at_budget(2048);
    let mut over = exact.clone();
    over["session_hash"] = json!(format!("{}x", exact["session_hash"].as_str().unwrap()));
    let bytes = |v: &Value| custom_data_bytes(&serde_json::from_value(v.clone()).unwrap());
    assert_eq!((bytes(&exact), bytes(&over)), (2048, 2049));

    let refused = guest
        .say("too much", Some(over), Channel::InMessage)
        .await
        .unwrap();

    assert_eq!(refused["type"], "response");
    assert_eq!(refused["class"], "string");
    assert_eq!(refused["code"], 4013);
    assert_eq!(
        refused["body"],
        "Custom Attributes in channel metadata is larger than 2048 bytes"
    );
    assert!(refused["tracingId"].is_string());
    assert!(lab.sandbox.conversations().is_empty(), "nothing started");

    // The same connection goes on: the budget exactly starts the one conversation, whose flow
    // is the only run.
    let echo = guest
        .say("just right", Some(exact.clone()), Channel::InMessage)
        .await
        .unwrap();
    let id = lab.conversation_of(&echo).await;
    let conversation = lab.with_flow_record(&id).await;
    assert_eq!(customer_data(&conversation), exact);
    assert_eq!(conversation.state, ConversationState::Connected);
    assert_eq!(lab.sandbox.conversations().len(), 1);
    assert_eq!(
        lab.sandbox.count_flow_runs(),
        1,
        "the refused message ran no flow"
    );
}

#[tokio::test]
async fn the_budget_is_the_deployments_and_4013_names_it() {
    let lab = lab_with(MessengerDeployment {
        max_custom_data_bytes: 100,
        ..MessengerDeployment::default()
    })
    .await;
    let mut guest = lab.guest().await;
    assert_eq!(
        guest.configure().await.unwrap()["body"]["maxCustomDataBytes"],
        100
    );
    let mut over = at_budget(100);
    over["extra"] = json!("");

    let refused = guest.join(None).await.unwrap();
    let too_large = guest
        .say("hi", Some(over), Channel::TopLevel)
        .await
        .unwrap();

    assert_eq!(
        refused["code"], 403,
        "autostart is off: a Join starts nothing"
    );
    assert_eq!(too_large["code"], 4013);
    assert_eq!(
        too_large["body"],
        "Custom Attributes in channel metadata is larger than 100 bytes"
    );
    assert!(lab.sandbox.conversations().is_empty());
}
