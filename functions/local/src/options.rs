//! How to run the stack: every option with its default, and the development ids and secrets
//! the stack is wired with.

use std::collections::BTreeMap;
use std::sync::Arc;

use genesys_sandbox::MessengerDeployment;
use secure_initiation::api::ownership::Ownership;
use secure_initiation::api::strategy::StrategyKind;
use secure_initiation::api::{BrowserSettings, ValidateSettings};
use secure_initiation::ports::RiskScorer;

use crate::architect::FlowOptions;

/// Secret id of the sandbox's client credentials.
pub const GENESYS_SECRET: &str = "dev/genesys";
/// Secret id of the data-action credential.
pub const DATA_ACTION_SECRET: &str = "dev/data-action";
/// Development routing: the sandbox accepts any well-formed ids. Also the Messenger
/// deployment's id, the one the Guest API accepts.
pub const DEV_WIDGET_ID: &str = "8f3d2a64-5b1c-4e7a-9d0f-2c6b8e1a4f37";
/// Development queue.
pub const DEV_QUEUE_ID: &str = "3c9e7b12-0a4d-4f6e-8b2c-5d1e9f7a6c40";
/// Development skill.
pub const DEV_SKILL_ID: &str = "b7e4c1d9-2f6a-4e3b-a8d5-0c9f1e2b3a74";

/// Which session store backs the stack.
#[derive(Debug, Clone, Default)]
pub enum Store {
    /// In memory (default).
    #[default]
    Memory,
    /// DynamoDB through `client` on an existing `table` (load tests against moto).
    Dynamo {
        /// The client.
        client: aws_sdk_dynamodb::Client,
        /// The table.
        table: String,
    },
}

/// How to run the stack.
#[derive(Debug, Clone)]
pub struct Options {
    /// Port on 127.0.0.1; 0 picks a free one. Default 3000.
    pub port: u16,
    /// Initiation strategy. Default `messenger`.
    pub strategy: StrategyKind,
    /// The data-action Basic credential. Default `architect` / `local-dev-only`.
    pub data_action_credential: (String, String),
    /// Write attributes back onto the participant. Default on.
    pub write_back: bool,
    /// Initiation rules (rate limit, risk, tickets).
    pub initiate: BrowserSettings,
    /// Refresh rules.
    pub refresh: BrowserSettings,
    /// Validation rules.
    pub validate: ValidateSettings,
    /// The store.
    pub store: Store,
    /// The risk scorer. Default: the rule-based scorer (tests plug in an HTTP scorer).
    pub risk_scorer: Option<Arc<dyn RiskScorer>>,
    /// The inbound message flow. Default: the committed generated flow.
    pub flow: FlowOptions,
    /// Print each metric line on stdout, as a function does for CloudWatch. Default on.
    pub print_metrics: bool,
    /// The sandbox's Messenger deployment ([`DEV_WIDGET_ID`]): custom-data budget (default
    /// 2048 bytes), autostart (default off), what a disconnect does (default `Send`) and whether
    /// the guest may clear (default on); its `config.json` says so to guests.
    pub messenger: MessengerDeployment,
    /// initiate's ownership check. Default: the development ownership service.
    pub ownership: LocalOwnership,
    /// `JWKS_URL` and `JWT_*` variables (see [`crate::identity_env`]): with `JWKS_URL`,
    /// `JWT_ISSUER` or `JWT_AUDIENCE`, the site's own identity provider, verified exactly as a
    /// deployment verifies it; without, the development provider. Default: none set.
    pub identity: BTreeMap<String, String>,
}

/// Which ownership check initiate asks.
#[derive(Debug, Clone, Default)]
pub enum LocalOwnership {
    /// The stack's own `POST /dev/ownership` over HTTP, fail-closed, 500 ms.
    #[default]
    Dev,
    /// Another check (tests: a slow or failing one).
    Check(Ownership),
    /// None configured: `verify = "ownership"` attributes are not set.
    Off,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            port: 3000,
            strategy: StrategyKind::Messenger,
            data_action_credential: ("architect".to_owned(), "local-dev-only".to_owned()),
            write_back: true,
            initiate: BrowserSettings::initiate(),
            refresh: BrowserSettings::refresh(),
            validate: ValidateSettings {
                write_back: true,
                ..ValidateSettings::default()
            },
            store: Store::Memory,
            risk_scorer: None,
            flow: FlowOptions::default(),
            print_metrics: true,
            messenger: MessengerDeployment::default(),
            ownership: LocalOwnership::Dev,
            identity: BTreeMap::new(),
        }
    }
}
