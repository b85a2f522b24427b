//! The Web Messaging Guest API as Genesys serves it to Messenger and to every other guest
//! client, over the guest sessions' store (`crate::guests`):
//!
//! | route | Genesys's | source |
//! |---|---|---|
//! | `GET /v1?deploymentId=…` (WebSocket) | `wss://webmessaging.{domain}/v1` | `util/Urls.kt` `webSocketUrl` |
//! | `GET /webdeployments/v1/deployments/{id}/config.json` | `https://api-cdn.{domain}/webdeployments/…` | `util/Urls.kt` `deploymentConfigUrl` |
//! | `GET /api/v2/webmessaging/messages` (the guest's bearer from `getJwt`) | `https://api.{domain}/api/v2/webmessaging/messages` | `util/Urls.kt` `history` |
//!
//! (paths of `MyPureCloud/genesys-messenger-transport-mobile-sdk`,
//! `transport/src/commonMain/kotlin/com/genesys/cloud/messenger/transport/`). With a custom
//! endpoint the SDK takes `host:port` only and puts every one of these at its root, so a server
//! that embeds the sandbox mounts them there. The Platform API's message details and the admin
//! routes that read and steer the sessions are in `admin.rs`.

mod actions;
pub(crate) mod admin;
mod request;
mod socket;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::api::bearer;
use crate::errors::{FieldProblem, bad_credentials, genesys_error_with, not_found};
use crate::guests::Now;
use crate::state::SandboxState;

/// The guest-facing routes (see the module doc).
pub(crate) fn routes() -> Router<SandboxState> {
    Router::new()
        .route("/v1", get(socket::upgrade))
        .route(
            "/webdeployments/v1/deployments/{deployment_id}/config.json",
            get(config_json),
        )
        .route("/api/v2/webmessaging/messages", get(history))
}

/// The deployment's configuration, its endpoints on the `Host` the guest used.
async fn config_json(
    State(state): State<SandboxState>,
    Path(deployment_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if deployment_id != state.messenger_deployment_id() {
        return not_found("deployment");
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1");
    Json(state.messenger_deployment().config(&deployment_id, host)).into_response()
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Page {
    page_size: Option<String>,
    page_number: Option<String>,
}

/// `GET /api/v2/webmessaging/messages` (`WebMessagingMessageEntityList`): the messages of the
/// session's latest conversation, newest first, for the bearer `getJwt` gave
/// (`core/HistoryHandlerImpl.kt` fetches it with `jwtHandler.withJwt`).
async fn history(
    State(state): State<SandboxState>,
    headers: HeaderMap,
    Query(page): Query<Page>,
) -> Response {
    let Some(messages) =
        bearer(&headers).and_then(|t| state.rooms().guests.history(t, &Now::current()))
    else {
        return bad_credentials();
    };
    let (size, number) = match paging(page) {
        Ok(p) => p,
        Err(problems) => {
            return genesys_error_with(
                StatusCode::BAD_REQUEST,
                "invalid.value",
                "The request is not valid.",
                &problems,
            );
        }
    };
    let total = messages.len();
    let entities: Vec<_> = messages
        .into_iter()
        .skip(size * (number - 1))
        .take(size)
        .collect();
    Json(json!({
        "entities": entities,
        "pageSize": size,
        "pageNumber": number,
        "total": total,
        "pageCount": total.div_ceil(size),
    }))
    .into_response()
}

fn paging(page: Page) -> Result<(usize, usize), Vec<FieldProblem>> {
    let number = |raw: Option<String>, field: &str, default: usize, max: usize| match raw {
        None => Ok(default),
        Some(raw) => raw
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| {
                FieldProblem::new(field, format!("must be a whole number in 1..={max}"))
            }),
    };
    match (
        number(page.page_size, "pageSize", 25, 100),
        number(page.page_number, "pageNumber", 1, 10_000),
    ) {
        (Ok(s), Ok(n)) => Ok((s, n)),
        (a, b) => Err([a.err(), b.err()].into_iter().flatten().collect()),
    }
}
