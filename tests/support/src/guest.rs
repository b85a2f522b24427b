//! The project's own Web Messaging guest: a Guest API client over `tokio-tungstenite` that sends
//! the requests Genesys's SDKs send and reads the frames back, for the protocol suites and the
//! end-to-end tests of the local stack.
//!
//! The requests copy `MyPureCloud/genesys-messenger-transport-mobile-sdk`,
//! `transport/src/commonMain/kotlin/com/genesys/cloud/messenger/transport/shyrka/send/*.kt`
//! (custom attributes in `message.channel`), and `MyPureCloud/web-messaging-sdk-java`,
//! `WebMessagingClient.java` (`channel` at the top level; an `Origin` header).

use std::collections::VecDeque;
use std::time::Duration;

use futures::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use uuid::Uuid;

/// How long a guest waits for a frame.
const WAIT: Duration = Duration::from_secs(5);

/// Where custom attributes travel in an `onMessage`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// `message.channel.metadata.customAttributes` (the transport SDK).
    InMessage,
    /// A top-level `channel.metadata.customAttributes` (the Java SDK).
    TopLevel,
}

/// Why a guest could not do what it was asked.
#[derive(Debug, thiserror::Error)]
pub enum GuestError {
    /// The server answered the upgrade with this HTTP status.
    #[error("the upgrade was refused with HTTP {0}")]
    Refused(u16),
    /// The upgrade failed otherwise (no server, a bad URL).
    #[error("could not connect: {0}")]
    Connect(#[source] Box<tungstenite::Error>),
    /// The connection failed.
    #[error("the connection failed: {0}")]
    Socket(#[source] Box<tungstenite::Error>),
    /// No frame arrived in time.
    #[error("no frame within {0:?}")]
    Timeout(Duration),
    /// The server closed the connection.
    #[error("the connection is closed")]
    Closed,
    /// A frame was not JSON.
    #[error("a frame was not JSON: {0}")]
    NotJson(String),
}

/// One guest connection and its session token.
#[derive(Debug)]
pub struct Guest {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// The session token (the guest's secret; a new UUID unless set).
    pub token: String,
    /// The deployment the connection was opened for.
    pub deployment_id: String,
    unread: VecDeque<Value>,
}

impl Guest {
    /// Opens `{api}?deploymentId=…&application=…` (`api` being `ws://host:port/v1`) with the
    /// `Origin` header `origin`, and a fresh session token.
    pub async fn connect(api: &str, deployment_id: &str, origin: &str) -> Result<Self, GuestError> {
        let url = format!("{api}?deploymentId={deployment_id}&application=secure-initiation-tests");
        let mut request = url
            .into_client_request()
            .map_err(|e| GuestError::Connect(Box::new(e)))?;
        if let Ok(origin) = HeaderValue::from_str(origin) {
            request.headers_mut().insert("origin", origin);
        }
        let (ws, _) = tokio_tungstenite::connect_async(request)
            .await
            .map_err(|e| match e {
                tungstenite::Error::Http(response) => {
                    GuestError::Refused(response.status().as_u16())
                }
                e => GuestError::Connect(Box::new(e)),
            })?;
        Ok(Self {
            ws,
            token: Uuid::new_v4().to_string(),
            deployment_id: deployment_id.to_owned(),
            unread: VecDeque::new(),
        })
    }

    /// The same session on a new connection (another tab, or a reconnect).
    pub async fn reconnect(&self, api: &str, origin: &str) -> Result<Self, GuestError> {
        let mut guest = Self::connect(api, &self.deployment_id, origin).await?;
        guest.token.clone_from(&self.token);
        Ok(guest)
    }

    /// Sends a raw frame.
    pub async fn send(&mut self, frame: &Value) -> Result<(), GuestError> {
        self.ws
            .send(Message::Text(frame.to_string().into()))
            .await
            .map_err(|e| GuestError::Socket(Box::new(e)))
    }

    /// The next frame not yet read (pushed or answered).
    pub async fn next(&mut self) -> Result<Value, GuestError> {
        if let Some(frame) = self.unread.pop_front() {
            return Ok(frame);
        }
        self.read().await
    }

    /// Whether a frame arrives within `wait` (`None`: nothing came).
    pub async fn next_within(&mut self, wait: Duration) -> Result<Option<Value>, GuestError> {
        if let Some(frame) = self.unread.pop_front() {
            return Ok(Some(frame));
        }
        match tokio::time::timeout(wait, self.read_raw()).await {
            Ok(frame) => frame.map(Some),
            Err(_) => Ok(None),
        }
    }

    async fn read(&mut self) -> Result<Value, GuestError> {
        tokio::time::timeout(WAIT, self.read_raw())
            .await
            .map_err(|_| GuestError::Timeout(WAIT))?
    }

    async fn read_raw(&mut self) -> Result<Value, GuestError> {
        loop {
            match self.ws.next().await {
                Some(Ok(Message::Text(text))) => {
                    return serde_json::from_str(text.as_str())
                        .map_err(|_| GuestError::NotJson(text.to_string()));
                }
                Some(Ok(Message::Close(_))) | None => return Err(GuestError::Closed),
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(GuestError::Socket(Box::new(e))),
            }
        }
    }

    /// Sends `frame` with a fresh `tracingId` and answers the first frame that echoes it; frames
    /// that arrive before it stay unread for [`Guest::next`].
    pub async fn request(&mut self, frame: Value) -> Result<Value, GuestError> {
        self.request_traced(frame, &Uuid::new_v4().to_string())
            .await
    }

    async fn request_traced(
        &mut self,
        mut frame: Value,
        tracing_id: &str,
    ) -> Result<Value, GuestError> {
        frame["tracingId"] = json!(tracing_id);
        frame["token"] = json!(self.token);
        self.send(&frame).await?;
        loop {
            let next = self.read().await?;
            if next["tracingId"] == json!(tracing_id) {
                return Ok(next);
            }
            self.unread.push_back(next);
        }
    }

    /// `configureSession` (`ConfigureSessionRequest.kt`); answers the whole frame.
    pub async fn configure(&mut self) -> Result<Value, GuestError> {
        self.configure_with(false).await
    }

    /// `configureSession` with `startNew` (a new session after a read-only one).
    pub async fn configure_with(&mut self, start_new: bool) -> Result<Value, GuestError> {
        let frame = json!({
            "action": "configureSession",
            "deploymentId": self.deployment_id,
            "startNew": start_new,
            "journeyContext": {"customer": {"id": self.token, "idType": "cookie"},
                               "customerSession": {"id": "", "type": "web"}},
        });
        self.request(frame).await
    }

    /// A text `onMessage`, with `attributes` (a JSON object of strings) where `channel` says;
    /// answers the echo (or the error frame).
    pub async fn say(
        &mut self,
        text: &str,
        attributes: Option<Value>,
        channel: Channel,
    ) -> Result<Value, GuestError> {
        let message = json!({"type": "Text", "text": text});
        self.request(on_message(message, attributes, channel)).await
    }

    /// Autostart's `Presence` `Join` (`AutoStartRequest.kt`).
    pub async fn join(&mut self, attributes: Option<Value>) -> Result<Value, GuestError> {
        self.request(on_message(presence("Join"), attributes, Channel::InMessage))
            .await
    }

    /// `Presence` `Clear` (`ClearConversationRequest.kt`): sent; the answers are pushed frames.
    pub async fn clear(&mut self) -> Result<(), GuestError> {
        let mut frame = on_message(presence("Clear"), None, Channel::InMessage);
        frame["token"] = json!(self.token);
        self.send(&frame).await
    }

    /// `echo` with the transport SDK's health-check tracing id (`EchoRequest.kt`).
    pub async fn echo(&mut self) -> Result<Value, GuestError> {
        let frame = json!({"action": "echo", "message": {"type": "Text", "text": "ping"}});
        self.request_traced(frame, "SGVhbHRoQ2hlY2tNZXNzYWdlSWQ=")
            .await
    }

    /// `closeSession` (`CloseSessionRequest.kt`).
    pub async fn close_session(&mut self, close_all: bool) -> Result<Value, GuestError> {
        self.request(json!({"action": "closeSession", "closeAllConnections": close_all}))
            .await
    }

    /// `getJwt` (`JwtRequest.kt`): the bearer of the guest's history.
    pub async fn jwt(&mut self) -> Result<Value, GuestError> {
        self.request(json!({"action": "getJwt"})).await
    }

    /// Waits until the server closes the connection, answering the frames read meanwhile.
    pub async fn until_closed(&mut self) -> Result<Vec<Value>, GuestError> {
        let mut frames: Vec<Value> = self.unread.drain(..).collect();
        loop {
            match self.read().await {
                Ok(frame) => frames.push(frame),
                Err(GuestError::Closed) => return Ok(frames),
                Err(e) => return Err(e),
            }
        }
    }
}

fn presence(kind: &str) -> Value {
    json!({"type": "Event", "events": [{"eventType": "Presence", "presence": {"type": kind}}]})
}

fn on_message(mut message: Value, attributes: Option<Value>, channel: Channel) -> Value {
    let mut frame = json!({"action": "onMessage"});
    if let Some(attributes) = attributes {
        let metadata = json!({"metadata": {"customAttributes": attributes}});
        match channel {
            Channel::InMessage => message["channel"] = metadata,
            Channel::TopLevel => frame["channel"] = metadata,
        }
    }
    frame["message"] = message;
    frame
}
