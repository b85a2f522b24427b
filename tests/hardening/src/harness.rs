//! One stack per scenario on its own loopback port, real HTTP, and a record of every secret a
//! scenario used and every body it got back (for the secrets-hygiene scan).

use std::time::{Duration, Instant};

use local::{Options, Running};
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

/// A running local stack and an HTTP client for it.
#[derive(Debug)]
pub struct Stack {
    /// The stack (sandbox, identity provider, clock, credential).
    pub running: Running,
    /// A plain client (no proxy, no redirects needed).
    pub http: reqwest::Client,
}

/// Starts the stack on a free port.
pub async fn spawn(options: Options) -> Stack {
    let running = local::spawn(Options { port: 0, ..options })
        .await
        .expect("the local stack starts");
    Stack {
        running,
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("an HTTP client"),
    }
}

/// A response read to the end, with how long it took.
#[derive(Debug, Clone)]
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// Headers.
    pub headers: HeaderMap,
    /// Body as text (lossy).
    pub body: String,
    /// From sending to the last body byte.
    pub elapsed: Duration,
}

impl Reply {
    async fn read(started: Instant, response: reqwest::Response) -> Self {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("a complete body");
        Self {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            elapsed: started.elapsed(),
        }
    }

    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// How a request authenticates.
#[derive(Debug, Clone)]
pub enum Auth {
    /// No `Authorization` header.
    None,
    /// `Authorization: Bearer <token>`.
    Bearer(String),
    /// `Authorization: Basic base64(user:pass)`.
    Basic(String, String),
    /// `Authorization: <value>` as given.
    Raw(String),
}

/// A canonical new conversation id.
pub fn conversation() -> String {
    uuid::Uuid::new_v4().to_string()
}

impl Stack {
    /// `http://127.0.0.1:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.running.base_url())
    }

    /// A session token for `sub` as `/dev/login` issues it (tier 2, na-east).
    pub fn token(&self, sub: &str) -> String {
        self.running
            .idp
            .login_token(sub, Some(2), Some("na-east"))
            .expect("the dev identity provider signs")
    }

    /// The data action's Basic credential.
    pub fn basic(&self) -> Auth {
        let (user, pass) = self.running.data_action_credential.clone();
        Auth::Basic(user, pass)
    }

    /// A POST with any authentication, content type, body and extra headers.
    pub async fn send(
        &self,
        path: &str,
        auth: &Auth,
        content_type: Option<&str>,
        body: impl Into<Vec<u8>>,
        extra: &[(&str, &str)],
    ) -> Reply {
        let body = body.into();
        // A server may answer a large body before reading it and then close the connection;
        // never put such a connection back in the pool, where the next request would race it.
        let large = body.len() > 64 * 1024;
        let mut req = self.http.post(self.url(path)).body(body);
        if large {
            req = req.header("connection", "close");
        }
        req = match auth {
            Auth::None => req,
            Auth::Bearer(t) => req.bearer_auth(t),
            Auth::Basic(u, p) => req.basic_auth(u, Some(p)),
            Auth::Raw(v) => req.header("authorization", v),
        };
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        for (name, value) in extra {
            req = req.header(*name, *value);
        }
        let started = Instant::now();
        let response = req.send().await.expect("the stack answers");
        Reply::read(started, response).await
    }

    /// `POST /v1/initiations` with a JSON body and an optional `Idempotency-Key`.
    pub async fn initiate(&self, token: &str, body: &Value, key: Option<&str>) -> Reply {
        let extra: Vec<(&str, &str)> = key.map(|k| ("idempotency-key", k)).into_iter().collect();
        self.send(
            "/v1/initiations",
            &Auth::Bearer(token.to_owned()),
            Some("application/json"),
            body.to_string(),
            &extra,
        )
        .await
    }

    /// Initiates with order [`ORDER_ID`] and returns the 201 body.
    pub async fn initiate_ok(&self, token: &str) -> Value {
        let reply = self
            .initiate(token, &json!({ "orderId": ORDER_ID }), None)
            .await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        reply.json()
    }

    /// `POST /v1/initiations/refresh`.
    pub async fn refresh(&self, token: &str, session_hash: &str) -> Reply {
        self.send(
            "/v1/initiations/refresh",
            &Auth::Bearer(token.to_owned()),
            Some("application/json"),
            json!({ "sessionHash": session_hash }).to_string(),
            &[],
        )
        .await
    }

    /// `POST /v1/session-validations` with the right credential.
    pub async fn validate(
        &self,
        session_hash: &str,
        conversation_id: &str,
        participant_id: Option<&str>,
    ) -> Reply {
        let mut body = json!({"sessionHash": session_hash, "conversationId": conversation_id});
        if let Some(p) = participant_id {
            body["participantId"] = json!(p);
        }
        self.send(
            "/v1/session-validations",
            &self.basic(),
            Some("application/json"),
            body.to_string(),
            &[],
        )
        .await
    }

    /// Records the stack's standing secrets: the data-action password, the Genesys client
    /// secret and every Genesys access token the sandbox issued so far.
    pub fn record_secrets(&self, seen: &mut Exposure) {
        seen.secret(self.running.data_action_credential.1.clone());
        seen.secret(genesys_sandbox::DEFAULT_CLIENT_SECRET);
        for token in self.running.sandbox.issued_tokens() {
            seen.secret(token);
        }
    }
}

/// The order id the scenarios ask about: personal data that must stay out of the logs.
pub const ORDER_ID: &str = "730461829175";

/// Text that betrays internals; none of it may appear in a response body.
pub const INTERNAL_MARKERS: &[&str] = &[
    "dynamodb",
    "DynamoDB",
    "Exception",
    "moto",
    "127.0.0.1",
    "reqwest",
    "hyper",
    "contextId",
    "panicked",
    "stack backtrace",
    "secretsmanager",
    "SecretsManager",
    "error sending request",
    "Unhandled",
    "dispatch failure",
];

/// Every secret a scenario used and every body it received.
#[derive(Debug, Default, Clone)]
pub struct Exposure {
    secrets: Vec<String>,
    bodies: Vec<String>,
    /// Requests made (for the figures).
    pub requests: usize,
}

impl Exposure {
    /// A record that already scans for [`ORDER_ID`].
    pub fn new() -> Self {
        let mut seen = Self::default();
        seen.secret(ORDER_ID);
        seen
    }

    /// A value that must never reach a log line or an error body.
    pub fn secret(&mut self, value: impl Into<String>) {
        let value = value.into();
        if value.len() >= 8 && !self.secrets.contains(&value) {
            self.secrets.push(value);
        }
    }

    /// Records a reply's body and checks at once that a problem body betrays nothing internal.
    pub fn reply(&mut self, reply: &Reply) {
        self.requests += 1;
        if reply.status >= 400 {
            assert_eq!(
                reply.header("content-type"),
                Some("application/problem+json"),
                "every error is a problem document: {} {}",
                reply.status,
                reply.body
            );
            for marker in INTERNAL_MARKERS {
                assert!(
                    !reply.body.contains(marker),
                    "a {} body leaks `{marker}`: {}",
                    reply.status,
                    reply.body
                );
            }
        }
        self.bodies.push(reply.body.clone());
    }

    /// Merges another scenario's record.
    pub fn extend(&mut self, other: Exposure) {
        for s in other.secrets {
            self.secret(s);
        }
        self.bodies.extend(other.bodies);
        self.requests += other.requests;
    }

    /// How many distinct secrets were recorded.
    pub fn secret_count(&self) -> usize {
        self.secrets.len()
    }

    /// How many bodies were recorded.
    pub fn body_count(&self) -> usize {
        self.bodies.len()
    }

    /// Every place a secret shows up: in `logs`, or in an error body. Success bodies carry the
    /// caller's own hash and token by design and are not scanned for them.
    pub fn leaks(&self, logs: &str) -> Vec<String> {
        let mut found = Vec::new();
        for (i, secret) in self.secrets.iter().enumerate() {
            if let Some(at) = logs.find(secret.as_str()) {
                let line_start = logs[..at].rfind('\n').map_or(0, |n| n + 1);
                let line: String = logs[line_start..].chars().take(160).collect();
                found.push(format!(
                    "secret #{i} (`{}…`) in the logs: {line}",
                    secret.chars().take(6).collect::<String>()
                ));
            }
            for body in &self.bodies {
                if body.contains("urn:secure-initiation:problem") && body.contains(secret.as_str())
                {
                    found.push(format!("secret #{i} in an error body"));
                }
            }
        }
        found
    }
}

/// Asserts a problem reply's status and type slug, and returns its JSON.
pub fn assert_problem(reply: &Reply, status: u16, slug: &str) -> Value {
    assert_eq!(reply.status, status, "status of {}", reply.body);
    assert_eq!(
        reply.header("content-type"),
        Some("application/problem+json"),
        "{}",
        reply.body
    );
    let body = reply.json();
    assert_eq!(
        body["type"],
        format!("urn:secure-initiation:problem:{slug}"),
        "{body}"
    );
    body
}

/// A log sink for `telemetry::subscriber`: every line the stack writes, kept in memory.
pub use test_support::logs::Capture;
