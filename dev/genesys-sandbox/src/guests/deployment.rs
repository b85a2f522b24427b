//! The Messenger deployment the sandbox plays: what an admin configures in Genesys Cloud, served
//! to guests as the deployment's `config.json`.
//!
//! The configuration's shape is the transport SDK's model of it,
//! `MyPureCloud/genesys-messenger-transport-mobile-sdk`,
//! `transport/src/commonMain/kotlin/com/genesys/cloud/messenger/transport/shyrka/receive/DeploymentConfig.kt`,
//! with every field that model requires, so the SDK parses it; the URL is `Urls.kt`'s
//! `webdeployments/v1/deployments/{id}/config.json`.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The deployment id a sandbox answers to unless configured otherwise.
pub const DEFAULT_DEPLOYMENT_ID: &str = "6c5e2b1a-3f4d-4e8a-9b7c-1d2e3f4a5b6c";

/// What becomes of a conversation the agent or a flow disconnected, as the guest sees it
/// (`conversationDisconnect.type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum DisconnectType {
    /// The guest may write again: the next message starts a new conversation.
    #[default]
    Send,
    /// The session turns read-only (`readOnly: true`) until the guest configures a new one.
    ReadOnly,
}

/// `conversationDisconnect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Disconnect {
    /// Whether Messenger shows disconnects. Off, the session never turns read-only.
    pub enabled: bool,
    /// `Send` or `ReadOnly`.
    #[serde(rename = "type")]
    pub kind: DisconnectType,
}

impl Default for Disconnect {
    fn default() -> Self {
        Self {
            enabled: true,
            kind: DisconnectType::Send,
        }
    }
}

/// The Messenger deployment's settings. Serialised (camelCase) by the admin routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct MessengerDeployment {
    /// UTF-8 bytes of custom attribute keys plus values one message may carry, answered as the
    /// session's `maxCustomDataBytes` (default 2048, Genesys's, as error 4013's fixture says).
    pub max_custom_data_bytes: usize,
    /// `autoStart.enabled`: the guest sends a `Presence` `Join` when its session is new, and the
    /// server honours a `Join` only then.
    pub autostart: bool,
    /// `conversationDisconnect`.
    pub disconnect: Disconnect,
    /// `conversationClear.enabled`: off, a `Presence` `Clear` gets 403.
    pub clear: bool,
    /// How long a guest session lives, in seconds (`durationSeconds`); `None`: the sandbox's
    /// sessions do not expire on their own (an admin route expires one at once).
    pub session_duration_secs: Option<u64>,
}

impl Default for MessengerDeployment {
    fn default() -> Self {
        Self {
            max_custom_data_bytes: 2048,
            autostart: false,
            disconnect: Disconnect::default(),
            clear: true,
            session_duration_secs: None,
        }
    }
}

impl MessengerDeployment {
    /// Whether a disconnect makes the session read-only.
    pub(crate) fn read_only_after_disconnect(&self) -> bool {
        self.disconnect.enabled && self.disconnect.kind == DisconnectType::ReadOnly
    }

    /// The deployment's `config.json`, its endpoints on `host` (the `Host` the guest used):
    /// Genesys answers `https://api.{domain}` and `wss://webmessaging.{domain}`.
    pub(crate) fn config(&self, deployment_id: &str, host: &str) -> Value {
        let kind = match self.disconnect.kind {
            DisconnectType::Send => "Send",
            DisconnectType::ReadOnly => "ReadOnly",
        };
        json!({
            "id": deployment_id,
            "version": "1",
            "languages": ["en-us"],
            "defaultLanguage": "en-us",
            "apiEndpoint": format!("http://{host}"),
            "messenger": {
                "enabled": true,
                "apps": {
                    "conversations": {
                        "messagingEndpoint": format!("ws://{host}"),
                        "autoStart": {"enabled": self.autostart},
                        "conversationDisconnect": {"enabled": self.disconnect.enabled, "type": kind},
                        "conversationClear": {"enabled": self.clear},
                    }
                },
                "styles": {"primaryColor": "#1f5f8b"},
                "launcherButton": {"visibility": "On"},
                "fileUpload": {},
            },
            "journeyEvents": {"enabled": false},
            "status": "Active",
            "auth": {"enabled": false},
        })
    }
}
