//! Development-only routes: the demo page and the stand-ins it needs to show the whole flow on
//! one machine. None of this is deployed; the Lambda functions have no such routes.
//!
//! - `GET /` and `GET /web/...`: the demo page and the browser reference client (`web/`),
//!   embedded in the binary.
//! - `GET /dev/genesys-stand-in.js`: a stand-in for Genesys Messenger's `Genesys()` command
//!   queue. It records `Database.set` custom attributes and, on `Messenger.open`, starts a
//!   conversation in the sandbox (`/sandbox/_sandbox/messenger/start`) with exactly those.
//! - `GET /dev/stack`: the strategy and the development Messenger deployment id.
//! - `POST /dev/architect/run` with `{"conversationId"}`: runs the generated inbound message
//!   flow on that conversation (`architect.rs`), once, and answers the path it took: every
//!   step, the participant data it set (and at which step) and the queue it transferred to.

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use http::{HeaderValue, header};
use secure_initiation::http::ApiError;
use serde::Deserialize;
use serde_json::json;

use crate::routes::into_axum;
use crate::wiring::{DEV_WIDGET_ID, Stack};

const INDEX_HTML: &str = include_str!("../../../web/demo/index.html");
const DEMO_JS: &str = include_str!("../../../web/demo/demo.js");
const FLOW_PATH_JS: &str = include_str!("../../../web/demo/flow-path.js");
const DEMO_CSS: &str = include_str!("../../../web/demo/demo.css");
const STAND_IN_JS: &str = include_str!("../../../web/demo/genesys-stand-in.js");
const CLIENT_JS: &str = include_str!("../../../web/secure-messaging.js");

/// Only same-origin scripts, styles and requests; no inline script, no framing.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
                   img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

pub(crate) fn routes() -> Router<Arc<Stack>> {
    Router::new()
        .route("/", get(|| asset("text/html; charset=utf-8", INDEX_HTML)))
        .route(
            "/web/secure-messaging.js",
            get(|| asset("text/javascript; charset=utf-8", CLIENT_JS)),
        )
        .route(
            "/web/demo/demo.js",
            get(|| asset("text/javascript; charset=utf-8", DEMO_JS)),
        )
        .route(
            "/web/demo/flow-path.js",
            get(|| asset("text/javascript; charset=utf-8", FLOW_PATH_JS)),
        )
        .route(
            "/web/demo/demo.css",
            get(|| asset("text/css; charset=utf-8", DEMO_CSS)),
        )
        .route(
            "/dev/genesys-stand-in.js",
            get(|| asset("text/javascript; charset=utf-8", STAND_IN_JS)),
        )
        .route("/dev/stack", get(stack_info))
        .route("/dev/architect/run", post(architect_run))
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
    Json(json!({
        "strategy": stack.strategy.as_str(),
        "messengerDeploymentId": DEV_WIDGET_ID,
    }))
    .into_response()
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ArchitectRun {
    conversation_id: String,
}

/// Runs the inbound message flow (`architect.rs`) on one sandbox conversation, as Genesys does
/// when its first message arrives; once per conversation.
async fn architect_run(State(stack): State<Arc<Stack>>, Json(run): Json<ArchitectRun>) -> Response {
    let Some(conversation) = stack.sandbox.conversation(&run.conversation_id) else {
        return problem(ApiError::NotFound);
    };
    let Some(customer) = conversation.customer() else {
        return problem(ApiError::Internal("no customer participant".to_owned()));
    };
    let record = stack
        .flow
        .run(
            &conversation.id,
            (customer.id.as_str(), customer.attributes.clone()),
            &stack.validate,
            &stack.credential,
            &stack.sandbox,
        )
        .await;
    Json(record).into_response()
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
        assert!(DEMO_JS.contains("from '/web/secure-messaging.js'"));
        assert!(DEMO_JS.contains("from '/web/demo/flow-path.js'"));
        assert!(FLOW_PATH_JS.contains("export function renderFlowPath"));
    }
}
