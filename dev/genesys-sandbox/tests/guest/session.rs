//! Acceptance 1: the upgrade, `configureSession` answered with a `SessionResponse` that carries
//! `maxCustomDataBytes` and no conversation id, the same token resuming (`newSession: false`),
//! and an unknown deployment refused.

use genesys_sandbox::MessengerDeployment;
use serde_json::json;
use test_support::guest::{Guest, GuestError};

use crate::helpers::*;

#[tokio::test]
async fn configure_session_is_answered_with_a_session_response_carrying_the_budget() {
    let lab = lab().await;
    let mut guest = lab.guest().await;

    let reply = guest.configure().await.unwrap();

    assert_eq!(reply["type"], "response");
    assert_eq!(reply["class"], "SessionResponse");
    assert_eq!(reply["code"], 200);
    assert!(
        reply["tracingId"].is_string(),
        "the request's tracingId is echoed"
    );
    assert_eq!(
        reply["body"],
        json!({"connected": true, "newSession": true, "readOnly": false,
               "maxCustomDataBytes": 2048, "clearedExistingSession": false})
    );
}

#[tokio::test]
async fn the_same_token_again_resumes_the_session_and_names_no_conversation() {
    let lab = lab_with(MessengerDeployment {
        max_custom_data_bytes: 512,
        ..MessengerDeployment::default()
    })
    .await;
    let mut guest = lab.configured().await;
    let (echo, conversation_id) = lab.first_message(&mut guest).await;

    let mut again = guest.reconnect(&lab.api, ORIGIN).await.unwrap();
    let reply = again.configure().await.unwrap();

    assert_eq!(reply["body"]["newSession"], false);
    assert_eq!(reply["body"]["maxCustomDataBytes"], 512);
    for frame in [&reply, &echo] {
        assert!(
            !frame.to_string().contains(&conversation_id),
            "a guest never learns its conversation id: {frame}"
        );
    }
    assert_eq!(lab.sandbox.messenger_sessions().len(), 1);
}

#[tokio::test]
async fn an_unknown_or_missing_deployment_is_refused_before_the_upgrade() {
    let lab = lab().await;

    let unknown = Guest::connect(&lab.api, "0f0e0d0c-0b0a-4908-8706-050403020100", ORIGIN).await;
    let missing = Guest::connect(&lab.api, "", ORIGIN).await;

    assert!(
        matches!(unknown, Err(GuestError::Refused(403))),
        "{unknown:?}"
    );
    assert!(
        matches!(missing, Err(GuestError::Refused(403))),
        "{missing:?}"
    );
    assert_eq!(lab.sandbox.messenger_sessions().len(), 0);
}

#[tokio::test]
async fn a_plain_request_to_the_guest_api_is_told_to_upgrade() {
    let lab = lab().await;
    let url = format!(
        "{}/v1?deploymentId={}",
        lab.sandbox.base_url(),
        lab.sandbox.messenger_deployment_id()
    );

    let response = reqwest::get(url).await.unwrap();

    assert_eq!(response.status(), 426);
}

#[tokio::test]
async fn the_origin_header_is_accepted_and_recorded_and_the_token_is_never_served() {
    let lab = lab().await;
    let guest = lab.configured().await;

    let sessions = lab.sandbox.messenger_sessions();
    let upgrade = lab.sandbox.requests_to("/v1");

    assert_eq!(sessions[0].origin.as_deref(), Some(ORIGIN));
    assert_eq!(upgrade.len(), 1);
    assert_eq!(upgrade[0].header("origin"), Some(ORIGIN));
    assert_eq!(upgrade[0].status, Some(101));
    let served = serde_json::to_string(&sessions).unwrap()
        + &serde_json::to_string(&lab.sandbox.requests()).unwrap();
    assert!(
        !served.contains(&guest.token),
        "the session token stays in the frames"
    );
}

#[tokio::test]
async fn message_details_want_a_token_and_answer_404_for_an_unknown_message() {
    let lab = lab().await;
    let base = lab.sandbox.base_url();
    let url = format!("{base}/api/v2/conversations/messages/wm-tester-preflight-check/details");
    let token = json(
        reqwest::Client::new()
            .post(format!("{base}/oauth/token"))
            .basic_auth(
                genesys_sandbox::DEFAULT_CLIENT_ID,
                Some(genesys_sandbox::DEFAULT_CLIENT_SECRET),
            )
            .form(&[("grant_type", "client_credentials")]),
    )
    .await;

    let anonymous = reqwest::get(&url).await.unwrap();
    let unknown = reqwest::Client::new()
        .get(&url)
        .bearer_auth(token["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();

    assert_eq!(anonymous.status(), 401);
    assert_eq!(unknown.status(), 404);
    let body: serde_json::Value = unknown.json().await.unwrap();
    assert_eq!(body["code"], "not.found", "what tools probe for: {body}");
}
