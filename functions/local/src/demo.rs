//! Development-only routes: the demo page and the stand-ins it needs to show the whole flow on
//! one machine. None of this is deployed; the Lambda functions have no such routes.
//!
//! - `GET /` and `GET /web/...`: the demo page, its modules and the browser reference client
//!   (`web/`), embedded in the binary.
//! - `GET /dev/genesys-stand-in.js`: a stand-in for Genesys Messenger's script. It speaks the
//!   Web Messaging Guest API (`ws://…/v1`, served at the stack's root) as Messenger does and,
//!   like Messenger, sends the `Database.set` custom attributes with the customer's first
//!   message, which starts the conversation; the sandbox then runs the generated inbound
//!   message flow once, on its own (`architect.rs`).
//! - `GET /dev/stack`: the strategy, the Guest API's URL (`guestApiUrl`, without query), the
//!   Messenger deployment's id (`deploymentId`) and its settings (`messenger`).
//! - `POST /dev/architect/run` with `{"conversationId"}`: the flow's record for that
//!   conversation: the one the sandbox stored, or, for a conversation Messenger did not start
//!   (the initiation-api strategy's), a run of the same flow, once. Beside the record
//!   (`flowRun`), the data action's answer (`dataAction`) and the participant data afterwards.

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use http::{HeaderValue, header};
use secure_initiation::http::ApiError;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::options::DEV_WIDGET_ID;
use crate::response::into_axum;
use crate::wiring::Stack;

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
        "metrics.js",
        JS,
        include_str!("../../../web/demo/metrics.js"),
    ),
    (
        "flow-path.js",
        JS,
        include_str!("../../../web/demo/flow-path.js"),
    ),
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
    let mut messenger =
        serde_json::to_value(stack.sandbox.messenger_deployment()).unwrap_or_else(|_| json!({}));
    messenger["deploymentId"] = json!(DEV_WIDGET_ID);
    Json(json!({
        "strategy": stack.strategy.as_str(),
        "guestApiUrl": stack.guest_api_url,
        "deploymentId": DEV_WIDGET_ID,
        "messenger": messenger,
    }))
    .into_response()
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ArchitectRun {
    conversation_id: String,
}

/// The inbound flow's record for one sandbox conversation (see the module doc).
async fn architect_run(State(stack): State<Arc<Stack>>, Json(run): Json<ArchitectRun>) -> Response {
    let Some(record) = stack
        .flow
        .record_for(&stack.sandbox, &run.conversation_id)
        .await
    else {
        return problem(ApiError::NotFound);
    };
    let call = record.find("callData");
    let data_action = match call {
        Some(d) => json!({"path": d["path"], "status": d["status"], "output": d["output"]}),
        None => json!({"path": "not called", "status": Value::Null, "output": Value::Null}),
    };
    let after = stack
        .sandbox
        .conversation(&run.conversation_id)
        .and_then(|c| c.customer().map(|p| p.attributes.clone()))
        .unwrap_or_default();
    Json(json!({
        "conversationId": run.conversation_id,
        "flowRun": record,
        "dataAction": data_action,
        "participantAttributesAfter": after,
    }))
    .into_response()
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
