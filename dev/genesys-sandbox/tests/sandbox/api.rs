//! OAuth, the initiation endpoint, conversations, attributes and token checks.

use std::time::Duration;

use genesys_sandbox::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Sandbox, SandboxConfig};
use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn wrong_client_credentials_get_an_oauth_401_and_the_grant_type_is_checked() {
    let sandbox = sandbox().await;
    let url = format!("{}/oauth/token", sandbox.base_url());
    let wrong = http()
        .post(&url)
        .basic_auth(DEFAULT_CLIENT_ID, Some("not-the-secret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let body: Value = wrong.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");

    let wrong_grant = http()
        .post(&url)
        .basic_auth(DEFAULT_CLIENT_ID, Some(DEFAULT_CLIENT_SECRET))
        .form(&[("grant_type", "password")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_grant.status(), 400);
    let body: Value = wrong_grant.json().await.unwrap();
    assert_eq!(body["error"], "unsupported_grant_type");

    let recorded = sandbox.requests_to("/oauth/token");
    assert_eq!(recorded.len(), 2);
    assert_eq!(
        recorded[0].header("authorization"),
        Some("Basic [redacted]")
    );
    assert_eq!(recorded[0].status, Some(401));
    assert_eq!(sandbox.count_token_requests(), 2);
}

#[tokio::test]
async fn a_created_conversation_has_a_customer_with_the_custom_attributes_and_patches_merge() {
    let sandbox = sandbox().await;
    let base = sandbox.base_url();
    let token = fetch_token(base).await;

    let created = create(base, &token, &initiation()).await;
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.unwrap();
    let conversation_id = created["conversationId"].as_str().unwrap().to_owned();
    assert!(created["token"].as_str().is_some_and(|t| !t.is_empty()));

    let conversation: Value = http()
        .get(format!(
            "{base}/api/v2/conversations/messages/{conversation_id}"
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(conversation["id"], conversation_id.as_str());
    let participants = conversation["participants"].as_array().unwrap();
    let purposes: Vec<&str> = participants
        .iter()
        .map(|p| p["purpose"].as_str().unwrap())
        .collect();
    assert_eq!(purposes, ["workflow", "customer", "agent"]);
    let customer = &participants[1];
    assert_eq!(customer["attributes"]["order_id"], "88472");
    let customer_id = customer["id"].as_str().unwrap();

    let patched = http()
        .patch(format!(
            "{base}/api/v2/conversations/messages/{conversation_id}/participants/{customer_id}/attributes"
        ))
        .bearer_auth(&token)
        .json(&json!({"attributes": {"risk_score": "12"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);
    let patched: Value = patched.json().await.unwrap();
    assert_eq!(patched["attributes"]["risk_score"], "12");
    assert_eq!(patched["attributes"]["priority_tier"], "2");

    let stored = sandbox
        .participant_attributes(&conversation_id, customer_id)
        .unwrap();
    assert_eq!(stored["risk_score"], "12");
    assert_eq!(sandbox.conversations()[0].queue_id, QUEUE);
    let recorded = sandbox.requests_to("/api/v2/webmessaging");
    assert_eq!(
        recorded[0].header("authorization"),
        Some("Bearer [redacted]")
    );
    assert_eq!(recorded[0].body["customAttributes"]["order_id"], "88472");
}

#[tokio::test]
async fn an_initiation_body_off_the_guides_schema_gets_a_genesys_400_naming_the_fields() {
    let sandbox = sandbox().await;
    let base = sandbox.base_url();
    let token = fetch_token(base).await;
    let mut body = initiation();
    body["customAttributes"]["routing_context"] = json!({"tier": 2});
    body["routing"]["queueId"] = json!("your-default-queue-id");
    let response = create(base, &token, &body).await;
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_genesys_error(&body, 400, "invalid.value");
    let fields: Vec<&str> = body["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["fieldName"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["customAttributes.routing_context", "routing.queueId"]
    );
    assert!(sandbox.conversations().is_empty());
}

#[tokio::test]
async fn patching_anything_but_a_flat_attributes_map_is_refused() {
    let sandbox = sandbox().await;
    let base = sandbox.base_url();
    let token = fetch_token(base).await;
    let created: Value = create(base, &token, &initiation())
        .await
        .json()
        .await
        .unwrap();
    let conversation = sandbox.conversations().remove(0);
    let customer = conversation.customer().unwrap().id.clone();
    let url = format!(
        "{base}/api/v2/conversations/messages/{}/participants/{customer}/attributes",
        created["conversationId"].as_str().unwrap()
    );
    for bad in [
        json!({"attributes": {"n": 1}}),
        json!({"attributes": {"a": "b"}, "extra": true}),
        json!({"attrs": {}}),
    ] {
        let response = http()
            .patch(&url)
            .bearer_auth(&token)
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{bad}");
    }
    let unknown = http()
        .patch(format!(
            "{base}/api/v2/conversations/messages/{}/participants/{customer}/attributes",
            uuid_like()
        ))
        .bearer_auth(&token)
        .json(&json!({"attributes": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
}

#[tokio::test]
async fn expired_revoked_and_missing_tokens_get_bad_credentials() {
    let sandbox = sandbox().await;
    let base = sandbox.base_url();
    let url = format!("{base}/api/v2/conversations/messages/{}", uuid_like());

    let missing = http().get(&url).send().await.unwrap();
    assert_eq!(missing.status(), 401);
    assert_genesys_error(&missing.json().await.unwrap(), 401, "bad.credentials");

    let token = fetch_token(base).await;
    assert_eq!(
        http()
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    sandbox.expire_tokens();
    assert_eq!(
        http()
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );

    let token = fetch_token(base).await;
    sandbox.revoke_tokens();
    assert_eq!(
        http()
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
}

#[tokio::test]
async fn a_short_token_lifetime_expires_tokens_on_its_own() {
    let sandbox = Sandbox::start(SandboxConfig {
        token_lifetime: Duration::from_secs(1),
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let base = sandbox.base_url();
    let token = token_with_lifetime(base).await;
    let url = format!("{base}/api/v2/conversations/messages/{}", uuid_like());
    assert_eq!(
        http()
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(
        http()
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
}

#[tokio::test]
async fn patching_a_conversation_to_disconnected_ends_it_and_anything_else_is_refused() {
    let sandbox = sandbox().await;
    let base = sandbox.base_url();
    let token = fetch_token(base).await;
    let created: Value = create(base, &token, &initiation())
        .await
        .json()
        .await
        .unwrap();
    let id = created["conversationId"].as_str().unwrap();
    let url = format!("{base}/api/v2/conversations/messages/{id}");
    let patch = |body: Value| http().patch(&url).bearer_auth(&token).json(&body).send();

    let refused = patch(json!({"state": "connected"})).await.unwrap();
    assert_eq!(refused.status(), 400);
    assert_genesys_error(&refused.json().await.unwrap(), 400, "invalid.value");
    let refused = patch(json!({"state": "disconnected", "recordingState": "paused"}))
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    assert_eq!(sandbox.connected_conversations().len(), 1);

    let ended = patch(json!({"state": "disconnected"})).await.unwrap();
    assert_eq!(ended.status(), 200);
    let ended: Value = ended.json().await.unwrap();
    assert_eq!(ended["state"], "disconnected");
    assert!(
        ended["participants"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["messages"][0]["state"] == "disconnected")
    );
    let read: Value = http()
        .get(&url)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        read["participants"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["state"] == "disconnected")
    );
    assert!(sandbox.connected_conversations().is_empty());
    // Idempotent, and a widget can no longer start it with its token.
    assert_eq!(
        patch(json!({"state": "disconnected"}))
            .await
            .unwrap()
            .status(),
        200
    );
    let start = http()
        .post(format!("{base}/_sandbox/widget/start"))
        .json(&json!({"conversationId": id, "token": created["token"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(start.status(), 401);

    let unknown = http()
        .patch(format!(
            "{base}/api/v2/conversations/messages/{}",
            uuid_like()
        ))
        .bearer_auth(&token)
        .json(&json!({"state": "disconnected"}))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    let anonymous = http()
        .patch(&url)
        .json(&json!({"state": "disconnected"}))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
}

/// The conversation detail query with a participant-attribute (`property`) predicate, as the
/// refresh's reconciliation sends it.
async fn find(base: &str, token: &str, property: &str, value: &str) -> reqwest::Response {
    let now = time::OffsetDateTime::now_utc();
    let at = |t: time::OffsetDateTime| {
        t.format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    };
    let interval = format!(
        "{}/{}",
        at(now - time::Duration::minutes(5)),
        at(now + time::Duration::minutes(5))
    );
    http()
        .post(format!(
            "{base}/api/v2/analytics/conversations/details/query"
        ))
        .bearer_auth(token)
        .json(&json!({
            "interval": interval,
            "segmentFilters": [{"type": "and", "predicates": [{
                "type": "property", "propertyType": "string",
                "property": property, "operator": "matches", "value": value,
            }]}],
            "paging": {"pageSize": 25, "pageNumber": 1},
        }))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_detail_query_finds_a_conversation_by_participant_attribute_and_shows_its_end() {
    let sandbox = sandbox().await;
    let base = sandbox.base_url();
    let token = fetch_token(base).await;
    let mut body = initiation();
    body["customAttributes"]["session_hash"] = json!("Q1w2E3r4T5y6U7i8O9p0A1s2D3f4G5h6J7k8L9z0X1c");
    let created: Value = create(base, &token, &body).await.json().await.unwrap();
    let id = created["conversationId"].as_str().unwrap().to_owned();

    let hash = "Q1w2E3r4T5y6U7i8O9p0A1s2D3f4G5h6J7k8L9z0X1c";
    let found: Value = find(base, &token, "session_hash", hash)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(found["totalHits"], 1, "{found}");
    assert_eq!(found["conversations"][0]["conversationId"], id.as_str());
    assert!(found["conversations"][0].get("conversationEnd").is_none());

    let none: Value = find(base, &token, "session_hash", "other")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(none, json!({"totalHits": 0}));

    sandbox.state().disconnect_conversation(&id).unwrap();
    let ended: Value = find(base, &token, "session_hash", hash)
        .await
        .json()
        .await
        .unwrap();
    assert!(
        ended["conversations"][0]["conversationEnd"].is_string(),
        "{ended}"
    );
}

#[tokio::test]
async fn the_detail_query_refuses_a_query_it_does_not_answer_and_wants_a_token() {
    let sandbox = sandbox().await;
    let base = sandbox.base_url();
    let url = format!("{base}/api/v2/analytics/conversations/details/query");
    let anonymous = http().post(&url).json(&json!({})).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let token = fetch_token(base).await;
    let no_interval = http()
        .post(&url)
        .bearer_auth(&token)
        .json(&json!({"segmentFilters": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(no_interval.status(), 400);
    let body: Value = no_interval.json().await.unwrap();
    assert_genesys_error(&body, 400, "invalid.value");
}
