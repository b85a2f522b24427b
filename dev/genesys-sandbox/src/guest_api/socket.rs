//! The Guest API's WebSocket: `GET /v1?deploymentId=…&application=…` upgrades, and each
//! connection reads request frames and writes what its queue holds (answers and pushes alike,
//! in the order they were queued).
//!
//! The URL is the transport SDK's (`MyPureCloud/genesys-messenger-transport-mobile-sdk`,
//! `transport/src/commonMain/kotlin/com/genesys/cloud/messenger/transport/util/Urls.kt`:
//! `wss://webmessaging.{domain}/v1?deploymentId=…&application=…`, `ws://{custom endpoint}/v1…`);
//! `MyPureCloud/web-messaging-sdk-java`, `WebMessagingClient.java`, sends an `Origin` header.
//! An unknown deployment is refused with 403 before the upgrade, the status the transport SDK
//! reads as `WebsocketAccessDenied` (`androidMain/.../network/PlatformSocket.kt`).

use std::collections::BTreeMap;

use axum::extract::ws::{
    Message, WebSocket, WebSocketUpgrade, rejection::WebSocketUpgradeRejection,
};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::{SinkExt as _, StreamExt as _};
use tokio::sync::mpsc;

use crate::errors::genesys_error;
use crate::guest_api::actions;
use crate::guests::Outgoing;
use crate::state::SandboxState;

/// `GET /v1`: the upgrade.
pub(crate) async fn upgrade(
    State(state): State<SandboxState>,
    Query(query): Query<BTreeMap<String, String>>,
    headers: HeaderMap,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let known = state.messenger_deployment_id();
    if query.get("deploymentId") != Some(&known) {
        return genesys_error(
            StatusCode::FORBIDDEN,
            "forbidden",
            "The deploymentId is not a deployment of this organization.",
        );
    }
    let Ok(ws) = ws else {
        return genesys_error(
            StatusCode::UPGRADE_REQUIRED,
            "upgrade.required",
            "The Guest API is a WebSocket: send an upgrade request.",
        );
    };
    let origin = headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    ws.on_upgrade(move |socket| connection(socket, state, origin))
        .into_response()
}

async fn connection(socket: WebSocket, state: SandboxState, origin: Option<String>) {
    let (tx, mut queue) = mpsc::unbounded_channel();
    let guests = state.rooms().guests.clone();
    let id = guests.open_socket(tx, origin);
    tracing::debug!(target: "genesys_sandbox", socket = id, "guest connected");
    let (mut sink, mut stream) = socket.split();
    loop {
        tokio::select! {
            incoming = stream.next() => match incoming {
                Some(Ok(Message::Text(text))) => actions::handle(&state, id, text.as_str()).await,
                Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                // Pings are answered by the WebSocket layer; binary frames mean nothing here.
                Some(Ok(_)) => {}
            },
            outgoing = queue.recv() => match outgoing {
                Some(Outgoing::Frame(frame)) => {
                    if sink.send(Message::Text(frame.into())).await.is_err() {
                        break;
                    }
                }
                Some(Outgoing::Close) | None => {
                    let _ = sink.send(Message::Close(None)).await;
                    break;
                }
            },
        }
    }
    guests.close_socket(id);
    tracing::debug!(target: "genesys_sandbox", socket = id, "guest disconnected");
}
