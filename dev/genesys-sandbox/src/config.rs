//! How a sandbox is set up: its listener, its one OAuth client and token lifetimes.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use crate::guests::{DEFAULT_DEPLOYMENT_ID, MessengerDeployment};

/// The OAuth client id the sandbox accepts unless configured otherwise (dev defaults, not secret).
pub const DEFAULT_CLIENT_ID: &str = "sandbox-client";

/// The OAuth client secret the sandbox accepts unless configured otherwise (dev defaults, not
/// secret: the sandbox only ever listens on loopback).
pub const DEFAULT_CLIENT_SECRET: &str = "sandbox-secret";

/// Sandbox settings. `Default` gives a loopback listener on a free port, the default client and
/// Genesys Cloud's default lifetimes.
#[derive(Clone)]
pub struct SandboxConfig {
    /// Where [`crate::Sandbox::start`] listens; loopback only (`127.0.0.1:0` by default).
    pub addr: SocketAddr,
    /// The one OAuth client id accepted.
    pub client_id: String,
    /// Its secret.
    pub client_secret: String,
    /// Lifetime of issued bearer tokens (`expires_in`); Genesys Cloud's default is 24 h.
    pub token_lifetime: Duration,
    /// Lifetime of the initiation token a created conversation returns (the guide's 300 s).
    pub initiation_token_lifetime: Duration,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// The Messenger deployment's id: the Guest API (`/v1?deploymentId=`) refuses any other.
    pub messenger_deployment_id: String,
    /// The Messenger deployment's settings (custom-data budget, autostart, disconnect, clear).
    pub messenger: MessengerDeployment,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            client_id: DEFAULT_CLIENT_ID.to_owned(),
            client_secret: DEFAULT_CLIENT_SECRET.to_owned(),
            token_lifetime: Duration::from_secs(86_400),
            initiation_token_lifetime: Duration::from_secs(300),
            max_body_bytes: 64 * 1024,
            messenger_deployment_id: DEFAULT_DEPLOYMENT_ID.to_owned(),
            messenger: MessengerDeployment::default(),
        }
    }
}

impl fmt::Debug for SandboxConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxConfig")
            .field("addr", &self.addr)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("token_lifetime", &self.token_lifetime)
            .field("initiation_token_lifetime", &self.initiation_token_lifetime)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("messenger_deployment_id", &self.messenger_deployment_id)
            .field("messenger", &self.messenger)
            .finish()
    }
}
