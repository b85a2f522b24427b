//! Development-only routes: the demo page and the stand-ins it needs to show the whole flow on
//! one machine. None of this is deployed; the Lambda functions have no such routes.
//!
//! - `GET /` and `GET /web/...`: the demo page, its modules and the browser reference client
//!   (`web/`), embedded in the binary.
//! - `GET /dev/genesys-stand-in.js`: a stand-in for Genesys Messenger's script. It keeps a
//!   guest session in the sandbox (`/sandbox/_sandbox/messenger/...`) and, like Messenger,
//!   sends the `Database.set` custom attributes with the customer's first message, which starts
//!   the conversation; the sandbox then runs [`StackFlow`] once.
//! - `GET /dev/stack`: the strategy and the development Messenger deployment (id, custom-data
//!   budget, autostart).
//! - `POST /dev/architect/run` with `{"conversationId"}`: does what an Architect inbound
//!   message flow does: Get Participant Data `session_hash` of the customer, then Call Data
//!   Action validate-session (through the real HTTP handler, with the Basic credential, which
//!   stays in this process) and answers what the flow would branch on.

use std::sync::{Arc, Weak};

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use bytes::Bytes;
use futures::future::BoxFuture;
use genesys_sandbox::{Conversation, FlowRun, InboundFlow, SandboxState};
use http::{HeaderMap, HeaderValue, Method, header};
use secure_initiation::api::Handler as _;
use secure_initiation::http::{ApiError, ApiRequest};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::routes::into_axum;
use crate::wiring::{DEV_WIDGET_ID, Stack};

const INDEX_HTML: &str = include_str!("../../../web/demo/index.html");
const STAND_IN_JS: &str = include_str!("../../../web/demo/genesys-stand-in.js");
const CLIENT_JS: &str = include_str!("../../../web/secure-messaging.js");

const JS: &str = "text/javascript; charset=utf-8";

/// The demo page's modules and style under `/web/demo/`: one line per file (a new section of
/// the page is a new module here and an import in `demo.js`).
const DEMO_ASSETS: &[(&str, &str, &str)] = &[
    ("demo.js", JS, include_str!("../../../web/demo/demo.js")),
    ("dom.js", JS, include_str!("../../../web/demo/dom.js")),
    (
        "messenger.js",
        JS,
        include_str!("../../../web/demo/messenger.js"),
    ),
    ("log.js", JS, include_str!("../../../web/demo/log.js")),
    (
        "lifecycle.js",
        JS,
        include_str!("../../../web/demo/lifecycle.js"),
    ),
    (
        "conversation.js",
        JS,
        include_str!("../../../web/demo/conversation.js"),
    ),
    ("attack.js", JS, include_str!("../../../web/demo/attack.js")),
    (
        "demo.css",
        "text/css; charset=utf-8",
        include_str!("../../../web/demo/demo.css"),
    ),
];

/// Only same-origin scripts, styles and requests; no inline script, no framing.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
                   img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

pub(crate) fn routes() -> Router<Arc<Stack>> {
    let mut router = Router::new()
        .route("/", get(|| asset("text/html; charset=utf-8", INDEX_HTML)))
        .route("/web/secure-messaging.js", get(|| asset(JS, CLIENT_JS)))
        .route("/dev/genesys-stand-in.js", get(|| asset(JS, STAND_IN_JS)))
        .route("/dev/stack", get(stack_info))
        .route("/dev/architect/run", post(architect_run));
    for &(file, content_type, body) in DEMO_ASSETS {
        router = router.route(
            &format!("/web/demo/{file}"),
            get(move || asset(content_type, body)),
        );
    }
    router
}

async fn asset(content_type: &'static str, body: &'static str) -> Response {
    let mut response = body.into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    response
}

async fn stack_info(State(stack): State<Arc<Stack>>) -> Response {
    let messenger = stack.sandbox.messenger_deployment();
    Json(json!({
        "strategy": stack.strategy.as_str(),
        "messengerDeploymentId": DEV_WIDGET_ID,
        "messenger": {
            "deploymentId": DEV_WIDGET_ID,
            "maxCustomDataBytes": messenger.max_custom_data_bytes,
            "autostart": messenger.autostart,
        },
    }))
    .into_response()
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ArchitectRun {
    conversation_id: String,
}

/// Runs the inbound message flow's validation steps for one sandbox conversation (the
/// initiation-api strategy's conversations, which Messenger did not start, and tests).
async fn architect_run(State(stack): State<Arc<Stack>>, Json(run): Json<ArchitectRun>) -> Response {
    let Some(conversation) = stack.sandbox.conversation(&run.conversation_id) else {
        return problem(ApiError::NotFound);
    };
    let validation = match validate_customer(&stack, &conversation).await {
        Ok(v) => v,
        Err(e) => return problem(e),
    };
    let after = stack
        .sandbox
        .participant_attributes(&conversation.id, &validation.participant_id)
        .unwrap_or_default();
    let data_action = validation.data_action();
    Json(json!({
        "conversationId": conversation.id,
        "participantData": { validation.key: validation.session_hash },
        "dataAction": data_action,
        "participantAttributesAfter": after,
    }))
    .into_response()
}

/// What the validation steps of the inbound flow saw and got.
struct Validation {
    key: String,
    session_hash: String,
    participant_id: String,
    status: u16,
    output: Value,
}

impl Validation {
    fn data_action(&self) -> Value {
        json!({
            "path": if (200..300).contains(&self.status) { "success" } else { "failure" },
            "status": self.status,
            "output": self.output,
        })
    }
}

/// Get Participant Data `session_hash` of the customer, then Call Data Action validate-session
/// through the real HTTP handler with the Basic credential (which stays in this process).
async fn validate_customer(
    stack: &Stack,
    conversation: &Conversation,
) -> Result<Validation, ApiError> {
    let customer = conversation
        .customer()
        .ok_or_else(|| ApiError::Internal("no customer participant".to_owned()))?;
    let key = stack.schema.session_hash_key().to_owned();
    // Get Participant Data: an unset attribute reads as an empty string in Architect.
    let session_hash = customer.attributes.get(&key).cloned().unwrap_or_default();
    let input = json!({
        "sessionHash": session_hash,
        "conversationId": conversation.id,
        "participantId": customer.id,
    });

    let (user, pass) = &stack.credential;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    let authorization = HeaderValue::from_str(&format!("Basic {basic}"))
        .map_err(|_| ApiError::Internal("credential header".to_owned()))?;
    headers.insert(header::AUTHORIZATION, authorization);
    let request = ApiRequest {
        method: Method::POST,
        path: "/v1/session-validations".to_owned(),
        headers,
        body: Bytes::from(input.to_string()),
        client_ip: None,
        request_id: format!("architect-{}", conversation.id),
        deadline_ms: None,
    };
    let response = stack.validate.handle(request).await;
    Ok(Validation {
        key,
        session_hash,
        participant_id: customer.id.clone(),
        status: response.status().as_u16(),
        output: serde_json::from_slice(response.body()).unwrap_or(Value::Null),
    })
}

/// Today's inbound message flow, run by the sandbox once when a Messenger conversation
/// starts: Get Participant Data `session_hash`, then Call Data Action validate-session (which
/// writes the context onto the participant). It transfers nowhere. The record it stores on the
/// conversation never holds the hash, only whether it was set.
#[derive(Debug)]
pub(crate) struct StackFlow {
    stack: Weak<Stack>,
}

impl StackFlow {
    /// A flow over `stack`; it holds the stack weakly (the stack holds the sandbox, which holds
    /// the flow).
    pub(crate) fn new(stack: &Arc<Stack>) -> Self {
        Self {
            stack: Arc::downgrade(stack),
        }
    }

    async fn run_on(&self, sandbox: &SandboxState, conversation_id: &str) -> FlowRun {
        let mut run = FlowRun::new("validate the session (local stack)");
        let Some(stack) = self.stack.upgrade() else {
            run.error = Some("the local stack has stopped".to_owned());
            return run;
        };
        let Some(conversation) = sandbox.conversation(conversation_id) else {
            run.error = Some("unknown conversation".to_owned());
            return run;
        };
        match validate_customer(&stack, &conversation).await {
            Ok(v) => {
                run.step(
                    "getParticipantData",
                    json!({"attribute": v.key, "set": !v.session_hash.is_empty()}),
                );
                let mut detail = v.data_action();
                detail["action"] = json!("validate-session");
                run.step("callData", detail);
            }
            Err(_) => run.error = Some("the conversation has no customer participant".to_owned()),
        }
        run
    }
}

impl InboundFlow for StackFlow {
    fn run<'a>(
        &'a self,
        sandbox: &'a SandboxState,
        conversation_id: &'a str,
    ) -> BoxFuture<'a, FlowRun> {
        Box::pin(self.run_on(sandbox, conversation_id))
    }
}

fn problem(e: ApiError) -> Response {
    into_axum(e.into_response())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_page_loads_only_same_origin_modules() {
        assert!(INDEX_HTML.contains(r#"<script type="module" src="/web/demo/demo.js">"#));
        assert!(!INDEX_HTML.contains("<script>"), "no inline script (CSP)");
        let demo_js = DEMO_ASSETS
            .iter()
            .find(|(file, _, _)| *file == "demo.js")
            .map(|(_, _, body)| *body)
            .unwrap();
        assert!(demo_js.contains("from '/web/secure-messaging.js'"));
        // Every module the page imports is served.
        for (_, _, body) in DEMO_ASSETS {
            for import in body.lines().filter_map(|l| l.split("from './").nth(1)) {
                let file = import.split('\'').next().unwrap();
                assert!(
                    DEMO_ASSETS.iter().any(|(f, _, _)| *f == file),
                    "`{file}` is imported but not served"
                );
            }
        }
    }
}
