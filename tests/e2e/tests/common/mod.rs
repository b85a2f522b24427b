//! The harness: each test gets its own stack on its own port, with its own sandbox and
//! identity provider, and talks to it over real HTTP.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use genesys_sandbox::idp::DevIdp;
use local::{Options, Running, spawn};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

pub struct TestApp {
    pub running: Running,
    pub http: reqwest::Client,
}

pub async fn spawn_app(options: Options) -> TestApp {
    let running = spawn(Options { port: 0, ..options })
        .await
        .expect("the local stack starts");
    TestApp {
        running,
        http: reqwest::Client::new(),
    }
}

pub fn conversation() -> String {
    uuid::Uuid::new_v4().to_string()
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.running.base_url())
    }

    pub fn idp(&self) -> &Arc<DevIdp> {
        &self.running.idp
    }

    pub async fn login(&self, sub: &str) -> String {
        let body: Value = self
            .http
            .get(self.url(&format!("/dev/login?sub={sub}&tier=2&geo=na-east")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        body["token"].as_str().unwrap().to_owned()
    }

    pub async fn initiate_with(
        &self,
        token: &str,
        body: &Value,
        idempotency_key: Option<&str>,
    ) -> Response {
        let mut req = self
            .http
            .post(self.url("/v1/initiations"))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body.to_string());
        if let Some(key) = idempotency_key {
            req = req.header("idempotency-key", key);
        }
        req.send().await.unwrap()
    }

    /// Initiates and returns the 201 body.
    pub async fn initiate(&self, token: &str) -> Value {
        let response = self
            .initiate_with(
                token,
                &json!({"orderId": "88472", "initialMessage": "Where is my order?"}),
                None,
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json().await.unwrap()
    }

    pub async fn refresh(&self, token: &str, session_hash: &str) -> Response {
        self.http
            .post(self.url("/v1/initiations/refresh"))
            .bearer_auth(token)
            .json(&json!({ "sessionHash": session_hash }))
            .send()
            .await
            .unwrap()
    }

    pub async fn validate_raw(&self, body: &Value) -> Response {
        let (user, pass) = &self.running.data_action_credential;
        self.http
            .post(self.url("/v1/session-validations"))
            .basic_auth(user, Some(pass))
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// Validates and returns the 200 body.
    pub async fn validate(&self, session_hash: &str, conversation_id: &str) -> Value {
        let response = self
            .validate_raw(&json!({"sessionHash": session_hash, "conversationId": conversation_id}))
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.unwrap()
    }

    pub async fn advance_clock(&self, secs: i64) {
        let response = self
            .http
            .post(self.url(&format!("/dev/clock?advanceSecs={secs}")))
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success());
    }
}

/// Asserts a problem response and returns its body.
pub async fn assert_problem(response: Response, status: u16, slug: &str) -> Value {
    assert_eq!(response.status().as_u16(), status, "status");
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json",
        "content type"
    );
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["type"],
        format!("urn:secure-initiation:problem:{slug}"),
        "{body}"
    );
    assert_eq!(body["status"], status);
    body
}
