//! Acceptance 6: clear, `echo`, `closeSession`, 4007 before `configureSession`, an injected
//! 4029 and an expired session, each as the fixtures of
//! `transport/src/androidUnitTest/kotlin/transport/util/Response.kt` say; a reconnect with the
//! same token continues the conversation; the guest's history behind `getJwt`.

use genesys_sandbox::{ConversationState, MessengerDeployment};
use serde_json::{Value, json};
use test_support::guest::Channel;

use crate::helpers::*;

#[tokio::test]
async fn clear_sends_session_cleared_then_connection_closed_to_every_connection() {
    let lab = lab().await;
    let mut guest = lab.configured().await;
    let mut tab = lab.another_tab(&guest).await;
    let (_, id) = lab.first_message(&mut guest).await;

    guest.clear().await.unwrap();

    let cleared =
        json!({"type": "message", "class": "SessionClearedEvent", "code": 200, "body": {}});
    let closed =
        json!({"type": "message", "class": "ConnectionClosedEvent", "code": 200, "body": {}});
    assert_eq!(
        guest.until_closed().await.unwrap(),
        [cleared.clone(), closed.clone()]
    );
    let tab_frames = tab.until_closed().await.unwrap();
    assert_eq!(tab_frames[tab_frames.len() - 2..], [cleared, closed]);
    assert_eq!(
        lab.sandbox.conversation(&id).unwrap().state,
        ConversationState::Disconnected
    );
    // The session ended: the same token configures a new one.
    let mut back = guest.reconnect(&lab.api, ORIGIN).await.unwrap();
    assert_eq!(back.configure().await.unwrap()["body"]["newSession"], true);
}

#[tokio::test]
async fn clear_is_forbidden_when_the_deployment_disables_it_and_the_connection_goes_on() {
    let lab = lab_with(MessengerDeployment {
        clear: false,
        ..MessengerDeployment::default()
    })
    .await;
    let mut guest = lab.configured().await;

    guest.clear().await.unwrap();
    let refused = guest.next().await.unwrap();
    let echo = guest
        .say("still here", None, Channel::InMessage)
        .await
        .unwrap();

    assert_eq!(
        refused,
        json!({"type": "response", "class": "string", "code": 403,
               "body": "Presence events Conversation Clear are not supported"})
    );
    assert_eq!(echo["class"], "StructuredMessage");
}

#[tokio::test]
async fn echo_is_answered_as_the_health_check_fixture() {
    let lab = lab().await;
    let mut guest = lab.configured().await;

    let pong = guest.echo().await.unwrap();

    let id = pong["body"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        pong,
        json!({"type": "response", "class": "StructuredMessage", "code": 200,
               "body": {"text": "ping", "type": "Text", "direction": "Inbound", "id": id},
               "tracingId": "SGVhbHRoQ2hlY2tNZXNzYWdlSWQ="})
    );
}

fn session_not_found(frame: &Value) {
    assert_eq!(frame["type"], "response", "{frame}");
    assert_eq!(frame["class"], "string");
    assert_eq!(frame["code"], 4007);
    assert_eq!(frame["body"], "Session not found");
}

#[tokio::test]
async fn requests_before_configure_session_get_4007() {
    let lab = lab().await;
    let mut guest = lab.guest().await;

    let message = guest.say("hello", None, Channel::InMessage).await.unwrap();
    let echo = guest.echo().await.unwrap();
    let jwt = guest.jwt().await.unwrap();

    for frame in [&message, &echo, &jwt] {
        session_not_found(frame);
    }
    assert!(message["tracingId"].is_string(), "the tracing id is echoed");
    assert!(lab.sandbox.conversations().is_empty());
}

#[tokio::test]
async fn close_session_answers_not_connected_and_the_connection_must_configure_again() {
    let lab = lab().await;
    let mut guest = lab.configured().await;
    let mut tab = lab.another_tab(&guest).await;

    let closed = guest.close_session(false).await.unwrap();
    let after = guest
        .say("anyone?", None, Channel::InMessage)
        .await
        .unwrap();
    let resumed = guest.configure().await.unwrap();
    let tab_echo = tab
        .say("the other tab still works", None, Channel::InMessage)
        .await
        .unwrap();

    assert_eq!(closed["class"], "SessionResponse");
    assert_eq!(closed["body"]["connected"], false);
    session_not_found(&after);
    assert_eq!(resumed["body"]["newSession"], false);
    assert_eq!(
        tab_echo["class"], "StructuredMessage",
        "closeAllConnections was false"
    );
}

#[tokio::test]
async fn an_injected_rate_limit_gets_too_many_requests_and_starts_nothing() {
    let lab = lab().await;
    let mut guest = lab.configured().await;
    lab.sandbox.inject_guest_rate_limit(3, 1);

    let limited = guest
        .say("hello", Some(json!({"k": "v"})), Channel::InMessage)
        .await
        .unwrap();
    let tracing_id = limited["tracingId"].clone();
    let next = guest
        .say("hello again", Some(json!({"k": "v"})), Channel::InMessage)
        .await
        .unwrap();

    assert_eq!(
        limited,
        json!({"type": "response", "class": "TooManyRequestsErrorMessage", "code": 429,
               "body": {"retryAfter": 3, "errorCode": 4029,
                        "errorMessage": "Message rate too high for this session"},
               "tracingId": tracing_id})
    );
    assert_eq!(
        next["class"], "StructuredMessage",
        "one message was limited"
    );
    assert_eq!(lab.sandbox.conversations().len(), 1);
}

#[tokio::test]
async fn an_expired_session_gets_session_expired_then_4006_and_configures_anew() {
    let lab = lab_with(MessengerDeployment {
        session_duration_secs: Some(3600),
        ..MessengerDeployment::default()
    })
    .await;
    let mut guest = lab.guest().await;
    let configured = guest.configure().await.unwrap();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let session = lab.sandbox.messenger_sessions()[0].id.clone();

    assert!(lab.sandbox.expire_messenger_session(&session));
    let event = guest.next().await.unwrap();
    let refused = guest.say("hello", None, Channel::InMessage).await.unwrap();
    let fresh = guest.configure().await.unwrap();

    assert_eq!(configured["body"]["durationSeconds"], 3600);
    let expiration = configured["body"]["expirationDate"].as_i64().unwrap();
    assert!(
        (now + 3595..=now + 3605).contains(&expiration),
        "{expiration} vs {now}"
    );
    assert_eq!(
        event,
        json!({"type": "response", "class": "SessionExpiredEvent", "code": 200, "body": {}})
    );
    assert_eq!(
        (refused["code"].as_u64(), refused["body"].as_str()),
        (Some(4006), Some("Session expired"))
    );
    assert_eq!(fresh["body"]["newSession"], true);
}

#[tokio::test]
async fn a_reconnect_with_the_same_token_continues_the_conversation() {
    let lab = lab().await;
    let mut guest = lab.configured().await;
    let (_, id) = lab.first_message(&mut guest).await;
    let mut again = guest.reconnect(&lab.api, ORIGIN).await.unwrap();
    drop(guest);

    assert_eq!(
        again.configure().await.unwrap()["body"]["newSession"],
        false
    );
    let later = again.say("after", None, Channel::InMessage).await.unwrap();

    assert_eq!(lab.conversation_of(&later).await, id);
    assert_eq!(lab.sandbox.conversations().len(), 1);
    lab.with_flow_record(&id).await;
    assert_eq!(lab.sandbox.count_flow_runs(), 1, "a reconnect runs no flow");
}

#[tokio::test]
async fn get_jwt_gives_the_bearer_of_the_guests_history_newest_first() {
    let lab = lab().await;
    let mut guest = lab.configured().await;
    let (_, id) = lab.first_message(&mut guest).await;
    lab.sandbox
        .send_agent_message(&id, "How can I help?")
        .unwrap();
    let pushed = guest.next().await.unwrap();
    let jwt = guest.jwt().await.unwrap();
    let history = |bearer: Option<String>| {
        let mut request = reqwest::Client::new().get(format!(
            "{}/api/v2/webmessaging/messages?pageSize=25",
            lab.sandbox.base_url()
        ));
        if let Some(b) = bearer {
            request = request.bearer_auth(b);
        }
        request.send()
    };

    let listed: Value = history(jwt["body"]["jwt"].as_str().map(str::to_owned))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let refused = history(None).await.unwrap();

    assert_eq!(
        (jwt["class"].as_str(), jwt["code"].as_u64()),
        (Some("JwtResponse"), Some(200))
    );
    assert!(
        jwt["body"]["exp"].as_i64().unwrap() > time::OffsetDateTime::now_utc().unix_timestamp()
    );
    assert_eq!(pushed["body"]["text"], "How can I help?");
    assert_eq!(pushed["body"]["direction"], "Outbound");
    let texts: Vec<&str> = listed["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["How can I help?", "Where is my order?"]);
    assert_eq!(listed["total"], 2);
    assert_eq!(refused.status(), 401);
}
