//! The inbound message flow the local stack runs on the sandbox's conversations: the committed
//! `infra/genesys/flows/secure-inbound-message.yaml` (or another file, `--flow`), executed by
//! `genesys_as_code::interpret`. Its Call Data Action goes through the committed
//! `validate-session.web-services.json` (request template, headers, the integration's Basic
//! credential, translation map and defaults, success template, timeout) to the validate-session
//! handler in this process, the way Genesys's Web Services data action calls the function.
//!
//! Set Participant Data writes onto the sandbox's customer participant through the sandbox's own
//! Platform API route (`PATCH .../participants/{id}/attributes`, with a client-credentials token),
//! served in this process. The flow runs once per conversation; the record (steps, queue, participant data and the step
//! that set each datum) is kept for the demo page under `flowRun`. Beside it, for the demo page
//! as it is, the record keeps the shape the stand-in route had before the flow ran: the
//! `participantData` Messenger carried, the data action's `path`, `status` and `output`, and the
//! participant's attributes afterwards.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use bytes::Bytes;
use genesys_as_code::data_action::{
    BasicCredential, HttpRequest, HttpResponse, HttpTransport, Outcome, WebServicesAction,
};
use genesys_as_code::generate::data_actions::API_BASE_PLACEHOLDER;
use genesys_as_code::generate::flow::{
    DATA_ACTION_NAME, FLOW_PATH, INTEGRATION_CATEGORY, default_substitutions,
};
use genesys_as_code::interpret::{self, FlowRuntime, Loaded};
use genesys_as_code::routing::Routing;
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use secure_initiation::api::ValidateHandler;
use secure_initiation::attributes::Schema;
use secure_initiation::http::ApiRequest;
use serde_json::{Value, json};

const COMMITTED_FLOW: &str =
    include_str!("../../../infra/genesys/flows/secure-inbound-message.yaml");
const WEB_SERVICES_ACTION: &str =
    include_str!("../../../infra/genesys/data-actions/validate-session.web-services.json");

/// Which flow the stack runs, and with which substitutions.
#[derive(Debug, Clone, Default)]
pub struct FlowOptions {
    /// Another flow file than the committed one.
    pub file: Option<PathBuf>,
    /// Another routing file, for the queue-name substitutions of a flow generated from it.
    pub routing: Option<PathBuf>,
    /// Substitutions on top of the defaults (`queue_general=My queue`).
    pub set: BTreeMap<String, String>,
}

/// The loaded flow, its data action and the runs so far.
#[derive(Debug)]
pub(crate) struct InboundFlow {
    loaded: Loaded,
    action: WebServicesAction,
    category: String,
    action_name: String,
    file: String,
    secret_keys: BTreeSet<String>,
    runs: Mutex<HashMap<String, Value>>,
}

impl InboundFlow {
    /// Loads the flow; a flow outside the interpreter's subset stops the stack with the refusal
    /// (action and line).
    pub(crate) fn load(options: &FlowOptions, schema: &Schema) -> Result<Self, String> {
        let routing = match &options.routing {
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .map_err(|e| format!("cannot read `{}`: {e}", p.display()))?;
                Routing::from_toml(&text, schema).map_err(|e| format!("`{}`: {e}", p.display()))?
            }
            None => Routing::default_routing(schema).map_err(|e| e.to_string())?,
        };
        let (text, file) = match &options.file {
            Some(p) => (
                std::fs::read_to_string(p)
                    .map_err(|e| format!("cannot read `{}`: {e}", p.display()))?,
                p.display().to_string(),
            ),
            None => (COMMITTED_FLOW.to_owned(), FLOW_PATH.to_owned()),
        };
        let mut substitutions = default_substitutions(&routing);
        substitutions.extend(options.set.clone());
        let secret_keys = BTreeSet::from([schema.session_hash_key().to_owned()]);
        let loaded = interpret::load(&text, &substitutions, secret_keys.clone())
            .map_err(|e| format!("`{file}`: {e}"))?;
        let definition: Value =
            serde_json::from_str(WEB_SERVICES_ACTION).map_err(|e| e.to_string())?;
        let action = WebServicesAction::from_json(&definition).map_err(|e| e.to_string())?;
        Ok(Self {
            loaded,
            action,
            category: substitutions
                .get(INTEGRATION_CATEGORY)
                .cloned()
                .unwrap_or_default(),
            action_name: substitutions
                .get(DATA_ACTION_NAME)
                .cloned()
                .unwrap_or_default(),
            file,
            secret_keys,
            runs: Mutex::new(HashMap::new()),
        })
    }

    fn runs(&self) -> std::sync::MutexGuard<'_, HashMap<String, Value>> {
        // Every mutation is one insert: a poisoned lock still holds consistent data.
        self.runs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Runs the flow for a conversation whose first message arrived, once: a second call
    /// returns the first run's record.
    pub(crate) async fn run(
        &self,
        conversation_id: &str,
        customer: (&str, BTreeMap<String, String>),
        validate: &ValidateHandler,
        credential: &(String, String),
        sandbox: &genesys_sandbox::SandboxState,
    ) -> Value {
        if let Some(done) = self.runs().get(conversation_id) {
            return done.clone();
        }
        let (customer_id, customer_data) = customer;
        let carried: serde_json::Map<String, Value> = customer_data
            .iter()
            .filter(|(k, _)| self.secret_keys.contains(*k))
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect();
        let runtime = Conversation {
            id: conversation_id.to_owned(),
            customer_id: customer_id.to_owned(),
            token: Mutex::new(None),
            data: Mutex::new(customer_data),
            called: Mutex::new(None),
            set: Mutex::new(Vec::new()),
            transfer: Mutex::new(None),
            flow: self,
            validate,
            credential: BasicCredential::new(credential.0.clone(), credential.1.clone()),
            sandbox,
        };
        let run = self.loaded.run(&runtime).await;
        let set: Vec<(String, String, usize)> = runtime.set.into_inner().unwrap_or_default();
        let participant_data: serde_json::Map<String, Value> = set
            .iter()
            .map(|(k, v, step)| {
                let value = if self.secret_keys.contains(k) {
                    "<set, not shown>"
                } else {
                    v.as_str()
                };
                (k.clone(), json!({"value": value, "step": step}))
            })
            .collect();
        let transfer = runtime.transfer.into_inner().unwrap_or_default();
        let data_action = match runtime.called.into_inner().unwrap_or_default() {
            Some(Outcome::Success(output)) => {
                json!({"path": "success", "status": 200, "output": output})
            }
            Some(Outcome::Failure(reason)) => {
                json!({"path": "failure", "status": Value::Null, "reason": reason})
            }
            Some(Outcome::Timeout) => json!({"path": "timeout", "status": Value::Null}),
            None => json!({"path": "not called", "status": Value::Null}),
        };
        let after = sandbox
            .participant_attributes(conversation_id, customer_id)
            .unwrap_or_default();
        let record = json!({
            "conversationId": conversation_id,
            "participantData": carried,
            "dataAction": data_action,
            "participantAttributesAfter": after,
            "flowRun": {
                "flow": {"file": self.file, "name": self.loaded.flow().name},
                "steps": run.steps,
                "queue": run.queue,
                "transfer": transfer.map(|(queue, step)| json!({"queue": queue, "step": step})),
                "disconnected": run.disconnected,
                "error": run.error,
                "participantData": participant_data,
            },
        });
        self.runs()
            .insert(conversation_id.to_owned(), record.clone());
        record
    }
}

struct Conversation<'a> {
    id: String,
    customer_id: String,
    token: Mutex<Option<String>>,
    data: Mutex<BTreeMap<String, String>>,
    called: Mutex<Option<Outcome>>,
    set: Mutex<Vec<(String, String, usize)>>,
    transfer: Mutex<Option<(String, usize)>>,
    flow: &'a InboundFlow,
    validate: &'a ValidateHandler,
    credential: BasicCredential,
    sandbox: &'a genesys_sandbox::SandboxState,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Conversation<'_> {
    /// One request to the sandbox's router, in this process.
    async fn sandbox_call(
        &self,
        request: http::Request<axum::body::Body>,
    ) -> Result<(u16, Bytes), String> {
        use tower::ServiceExt as _;
        let response = genesys_sandbox::router(self.sandbox.clone())
            .oneshot(request)
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let body = axum::body::to_bytes(response.into_body(), 64 * 1024)
            .await
            .map_err(|e| e.to_string())?;
        Ok((status, body))
    }

    async fn write_to_sandbox(&self, key: &str, value: &str) -> Result<(), String> {
        let cached = lock(&self.token).clone();
        let token = match cached {
            Some(t) => t,
            None => {
                use base64::Engine as _;
                let basic = base64::engine::general_purpose::STANDARD.encode(format!(
                    "{}:{}",
                    genesys_sandbox::DEFAULT_CLIENT_ID,
                    genesys_sandbox::DEFAULT_CLIENT_SECRET
                ));
                let request = http::Request::post("/oauth/token")
                    .header(http::header::AUTHORIZATION, format!("Basic {basic}"))
                    .header(
                        http::header::CONTENT_TYPE,
                        "application/x-www-form-urlencoded",
                    )
                    .body(axum::body::Body::from("grant_type=client_credentials"))
                    .map_err(|e| e.to_string())?;
                let (status, body) = self.sandbox_call(request).await?;
                let parsed: Value =
                    serde_json::from_slice(&body).map_err(|_| format!("token answer {status}"))?;
                let token = parsed["access_token"]
                    .as_str()
                    .ok_or(format!("token answer {status}"))?
                    .to_owned();
                *lock(&self.token) = Some(token.clone());
                token
            }
        };
        let path = format!(
            "/api/v2/conversations/messages/{}/participants/{}/attributes",
            self.id, self.customer_id
        );
        let request = http::Request::patch(path)
            .header(http::header::AUTHORIZATION, format!("Bearer {token}"))
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(axum::body::Body::from(
                json!({"attributes": {key: value}}).to_string(),
            ))
            .map_err(|e| e.to_string())?;
        match self.sandbox_call(request).await? {
            (200..=299, _) => Ok(()),
            (status, _) => Err(format!("the sandbox answered {status}")),
        }
    }
}

#[async_trait::async_trait]
impl FlowRuntime for Conversation<'_> {
    fn conversation_id(&self) -> String {
        self.id.clone()
    }

    async fn participant_data(&self, key: &str) -> Option<String> {
        lock(&self.data).get(key).cloned()
    }

    async fn set_participant_data(&self, key: &str, value: &str, step: usize) {
        lock(&self.data).insert(key.to_owned(), value.to_owned());
        lock(&self.set).push((key.to_owned(), value.to_owned(), step));
        if let Err(e) = self.write_to_sandbox(key, value).await {
            tracing::warn!(conversation_id = %self.id, key, error = %e, "participant data not written to the sandbox");
        }
    }

    async fn call_data_action(
        &self,
        category: &str,
        action: &str,
        inputs: &BTreeMap<String, String>,
        timeout: Option<Duration>,
    ) -> Outcome {
        if category != self.flow.category || action != self.flow.action_name {
            return Outcome::Failure(format!(
                "no data action `{action}` in category `{category}`"
            ));
        }
        let transport = InProcess {
            validate: self.validate,
            conversation: &self.id,
        };
        let outcome = self
            .flow
            .action
            .run(
                &transport,
                inputs,
                &self.credential,
                (API_BASE_PLACEHOLDER, "http://validate-session.local"),
                timeout,
            )
            .await;
        *lock(&self.called) = Some(outcome.clone());
        outcome
    }

    async fn transfer_to_acd(&self, queue: &str, step: usize) {
        tracing::info!(conversation_id = %self.id, queue, "flow transferred the conversation");
        *lock(&self.transfer) = Some((queue.to_owned(), step));
    }

    async fn disconnect(&self, _step: usize) {
        self.sandbox.disconnect_conversation(&self.id);
    }
}

/// The validate-session handler in this process, reached with the request the data action
/// rendered (method, path, headers, body), as API Gateway would hand it over.
struct InProcess<'a> {
    validate: &'a ValidateHandler,
    conversation: &'a str,
}

#[async_trait::async_trait]
impl HttpTransport for InProcess<'_> {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, String> {
        let url = url::Url::parse(&request.url)
            .map_err(|_| "the rendered URL does not parse".to_owned())?;
        let mut headers = HeaderMap::new();
        for (name, value) in &request.headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| format!("bad header name `{name}`"))?;
            let value = HeaderValue::from_str(value).map_err(|_| "bad header value".to_owned())?;
            headers.insert(name, value);
        }
        let method =
            Method::from_bytes(request.method.as_bytes()).map_err(|_| "bad method".to_owned())?;
        let response = self
            .validate
            .handle(ApiRequest {
                method,
                path: url.path().to_owned(),
                headers,
                body: Bytes::from(request.body),
                client_ip: None,
                request_id: format!("architect-{}", self.conversation),
            })
            .await;
        Ok(HttpResponse {
            status: response.status().as_u16(),
            body: response.body().to_vec(),
        })
    }
}
