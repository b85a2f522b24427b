//! A `moto_server` process on a free 127.0.0.1 port, for real AWS SDK calls in tests.
//!
//! `scripts/python-tools.sh` installs it (pinned); [`crate::tools::find`] says where it is looked
//! for. A test that needs it and cannot find it fails with that advice; it never silently skips.

use std::net::TcpListener;
use std::process::Stdio;
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use tokio::process::{Child, Command};

use crate::tools::{self, NotInstalled};

/// Why moto could not be started.
#[derive(Debug, thiserror::Error)]
pub enum MotoError {
    /// The binary was found nowhere (see [`crate::tools::find`]).
    #[error(transparent)]
    NotInstalled(#[from] NotInstalled),
    /// It could not be started.
    #[error("moto_server could not be started: {0}")]
    Spawn(#[source] std::io::Error),
    /// No free port could be found.
    #[error("no free loopback port: {0}")]
    Port(#[source] std::io::Error),
    /// It did not answer in time.
    #[error("moto_server did not become ready within {0:?}")]
    NotReady(Duration),
}

/// A running moto server; killed on drop.
#[derive(Debug)]
pub struct MotoServer {
    _child: Child,
    endpoint: String,
}

impl MotoServer {
    /// Starts `moto_server` on a free loopback port and waits until it answers.
    pub async fn start() -> Result<Self, MotoError> {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(MotoError::Port)?
            .port();
        let program = tools::find("moto_server", "MOTO_SERVER")?;
        let child = Command::new(program)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(MotoError::Spawn)?;
        let endpoint = format!("http://127.0.0.1:{port}");
        let server = Self {
            _child: child,
            endpoint,
        };
        server.wait_ready(Duration::from_secs(30)).await?;
        Ok(server)
    }

    async fn wait_ready(&self, limit: Duration) -> Result<(), MotoError> {
        let client = reqwest::Client::new();
        let started = Instant::now();
        while started.elapsed() < limit {
            if client
                .get(format!("{}/moto-api/", self.endpoint))
                .send()
                .await
                .is_ok()
            {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err(MotoError::NotReady(limit))
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// SDK configuration pointing at this server with dummy static credentials.
    pub fn sdk_config(&self) -> SdkConfig {
        sdk_config_for(&self.endpoint)
    }

    /// Secrets Manager client against this server.
    pub fn secrets_manager(&self) -> aws_sdk_secretsmanager::Client {
        aws_sdk_secretsmanager::Client::new(&self.sdk_config())
    }

    /// DynamoDB client against this server.
    pub fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::new(&self.sdk_config())
    }

    /// Creates secret `id` holding `json` (a secret with named fields, as the functions read).
    pub async fn put_secret(
        &self,
        id: &str,
        json: &str,
    ) -> Result<(), aws_sdk_secretsmanager::Error> {
        self.secrets_manager()
            .create_secret()
            .name(id)
            .secret_string(json)
            .send()
            .await?;
        Ok(())
    }
}

/// SDK configuration for a moto server at `endpoint` (one this process did not start), in
/// `us-east-1` with dummy static credentials.
pub fn sdk_config_for(endpoint: &str) -> SdkConfig {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(aws_sdk_dynamodb::config::SharedCredentialsProvider::new(
            aws_sdk_dynamodb::config::Credentials::new("testing", "testing", None, None, "moto"),
        ))
        .build()
}
