//! `/_sandbox/messenger/start`: what Genesys does when a Messenger user starts a conversation.

use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn a_messenger_start_gives_the_customer_exactly_the_custom_attributes() {
    let sandbox = sandbox().await;
    let base = sandbox.base_url();
    let response = http()
        .post(format!("{base}/_sandbox/messenger/start"))
        .json(&json!({"deploymentId": WIDGET, "customAttributes": {"session_hash": "abc"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let started: Value = response.json().await.unwrap();
    let conversation = sandbox
        .state()
        .conversation(started["conversationId"].as_str().unwrap())
        .expect("the conversation exists");
    let customer = conversation.customer().unwrap();
    assert_eq!(customer.id, started["participantId"].as_str().unwrap());
    assert_eq!(
        customer.attributes.iter().collect::<Vec<_>>(),
        vec![(&"session_hash".to_owned(), &"abc".to_owned())]
    );
    assert_eq!(conversation.widget_id, WIDGET);
    assert!(
        conversation.queue_id.is_empty(),
        "the inbound flow routes it"
    );

    // Architect reads it like any conversation, and it names no queue.
    let token = fetch_token(base).await;
    let read: Value = http()
        .get(format!(
            "{base}/api/v2/conversations/messages/{}",
            conversation.id
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let participants = read["participants"].as_array().unwrap();
    assert!(participants.iter().all(|p| p.get("queue").is_none()));
}

#[tokio::test]
async fn a_messenger_start_refuses_non_string_attributes_and_a_bad_deployment() {
    let sandbox = sandbox().await;
    let response = http()
        .post(format!("{}/_sandbox/messenger/start", sandbox.base_url()))
        .json(&json!({"deploymentId": "nope", "customAttributes": {"tier": 2}}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_genesys_error(&body, 400, "invalid.value");
    let fields: Vec<&str> = body["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["fieldName"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["deploymentId", "customAttributes.tier"]);
    assert!(sandbox.state().conversations().is_empty());
}
