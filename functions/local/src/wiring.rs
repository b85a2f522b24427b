//! Builds the stack from [`Options`]: the same handlers the Lambda functions run, wired to the
//! sandbox, the identity provider in force (`identity.rs`), an in-memory (or moto-backed) store
//! and development secrets.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use genesys_sandbox::idp::DevIdp;
use genesys_sandbox::{MessengerDeployment, SandboxConfig, SandboxState};
use secure_initiation::adapters::{DynamoStore, HttpOwnershipCheck, MemoryStore, StaticSecrets};
use secure_initiation::api::ownership::{
    DEFAULT_OWNERSHIP_DEADLINE_MS, Ownership, OwnershipFailPolicy,
};
use secure_initiation::api::risk::RuleScorer;
use secure_initiation::api::strategy::{
    InitiationApiStrategy, InitiationStrategy, MessengerStrategy, StrategyKind,
};
use secure_initiation::api::{
    Browser, BrowserPorts, BrowserSettings, DataActionCredential, InitiateHandler, RefreshHandler,
    ValidateHandler, ValidatePorts, ValidateSettings,
};
use secure_initiation::attributes::Schema;
use secure_initiation::genesys::{GenesysClient, GenesysClientConfig, GenesysEndpoints};
use secure_initiation::http::Cors;
use secure_initiation::payload::{GenesysId, RoutingTarget, SkillRequirement};
use secure_initiation::ports::{
    Clock, GenesysGateway, IdempotencyStore, OffsetClock, RateLimiter, RiskScorer, SecretSource,
    SessionStore,
};
use secure_initiation::session::SessionKeys;

use crate::architect::{FlowOptions, InterpretedFlow};
use crate::identity::IdentityInForce;

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

/// Why the stack could not start.
#[derive(Debug, thiserror::Error)]
pub enum StackError {
    /// The port could not be bound.
    #[error("cannot listen on 127.0.0.1: {0}")]
    Bind(#[source] std::io::Error),
    /// A component could not be built.
    #[error("cannot build the stack: {0}")]
    Build(String),
}

pub(crate) fn build_err(e: impl std::fmt::Display) -> StackError {
    StackError::Build(e.to_string())
}

/// Everything the routes need.
#[derive(Debug)]
pub struct Stack {
    pub(crate) initiate: InitiateHandler,
    pub(crate) refresh: RefreshHandler,
    pub(crate) validate: ValidateHandler,
    pub(crate) idp: Arc<DevIdp>,
    /// The identity provider whose tokens the handlers accept.
    pub(crate) identity: IdentityInForce,
    pub(crate) sandbox: SandboxState,
    pub(crate) clock: OffsetClock,
    pub(crate) credential: (String, String),
    pub(crate) strategy: StrategyKind,
    /// The in-memory store, when that is the backend (`GET /dev/store` counts its sessions).
    pub(crate) memory: Option<MemoryStore>,
    /// The inbound message flow the sandbox runs (`architect.rs`).
    pub(crate) flow: InterpretedFlow,
    /// The handlers' metrics (`GET /dev/metrics`).
    pub(crate) metrics: Arc<crate::metrics::LocalMetrics>,
    /// The Guest API's URL, `ws://127.0.0.1:PORT/v1` (`GET /dev/stack`).
    pub(crate) guest_api_url: String,
}

fn dev_session_key() -> Result<Vec<u8>, StackError> {
    let mut key = vec![0u8; 32];
    aws_lc_rs::rand::fill(&mut key).map_err(|_| StackError::Build("no randomness".to_owned()))?;
    Ok(key)
}

/// The store ports over one backend.
struct Stores {
    sessions: Arc<dyn SessionStore>,
    rate: Arc<dyn RateLimiter>,
    idempotency: Arc<dyn IdempotencyStore>,
    /// The in-memory store itself, when it is the backend.
    memory: Option<MemoryStore>,
}

fn stores(store: &Store, clock: &Arc<dyn Clock>) -> Stores {
    match store {
        Store::Memory => {
            let store = MemoryStore::new(clock.clone());
            Stores {
                sessions: Arc::new(store.clone()),
                rate: Arc::new(store.clone()),
                idempotency: Arc::new(store.clone()),
                memory: Some(store),
            }
        }
        Store::Dynamo { client, table } => {
            let store = DynamoStore::new(client.clone(), table.clone(), clock.clone());
            Stores {
                sessions: Arc::new(store.clone()),
                rate: Arc::new(store.clone()),
                idempotency: Arc::new(store),
                memory: None,
            }
        }
    }
}

/// Builds every component; `addr` is where the stack listens (the sandbox and the identity
/// provider are served from it too).
pub async fn build(options: &Options, addr: SocketAddr) -> Result<Stack, StackError> {
    let base = format!("http://{addr}");
    let clock = OffsetClock::new();
    let shared_clock: Arc<dyn Clock> = Arc::new(clock.clone());
    let schema = Arc::new(Schema::default_schema().map_err(build_err)?);
    let flow = InterpretedFlow::load(&options.flow, &schema).map_err(StackError::Build)?;

    let (user, pass) = options.data_action_credential.clone();
    let secrets = dev_secrets(&user, &pass);
    let (idp, verifier, identity) = crate::identity::identity(&base, &clock, &options.identity)?;
    let sandbox = SandboxState::new(&SandboxConfig {
        messenger_deployment_id: DEV_WIDGET_ID.to_owned(),
        messenger: options.messenger,
        ..SandboxConfig::default()
    });
    let gateway = sandbox_gateway(&base, &secrets, &shared_clock)?;
    let stores = stores(&options.store, &shared_clock);
    let browser = Browser {
        schema: schema.clone(),
        clock: shared_clock.clone(),
        keys: Arc::new(SessionKeys::from_secret(&dev_session_key()?).map_err(build_err)?),
        verifier,
        cors: Cors::new(vec![
            base.clone(),
            format!("http://localhost:{}", addr.port()),
        ]),
    };
    let (initiate, refresh) = browser_handlers(options, browser, &stores, &gateway)?;
    let initiate = match ownership(&options.ownership, &base)? {
        Some(check) => initiate.with_ownership(check),
        None => initiate,
    };
    let validate_ports = ValidatePorts {
        sessions: stores.sessions.clone(),
        gateway: Some(gateway),
        credential: DataActionCredential::new(secrets, DATA_ACTION_SECRET),
    };
    let validate_settings = ValidateSettings {
        write_back: options.write_back,
        ..options.validate
    };
    Ok(Stack {
        initiate,
        refresh,
        validate: ValidateHandler::new(schema, shared_clock, validate_ports, validate_settings),
        idp,
        identity,
        sandbox,
        clock,
        credential: (user, pass),
        strategy: options.strategy,
        memory: stores.memory,
        flow,
        metrics: Arc::new(crate::metrics::LocalMetrics::new(options.print_metrics)),
        guest_api_url: format!("ws://{addr}/v1"),
    })
}

/// initiate and refresh-token over the same ports, each with its own rules.
fn browser_handlers(
    options: &Options,
    browser: Browser,
    stores: &Stores,
    gateway: &Arc<dyn GenesysGateway>,
) -> Result<(InitiateHandler, RefreshHandler), StackError> {
    let risk: Arc<dyn RiskScorer> = options
        .risk_scorer
        .clone()
        .unwrap_or_else(|| Arc::new(RuleScorer));
    let ports = BrowserPorts {
        sessions: stores.sessions.clone(),
        rate: stores.rate.clone(),
        risk,
        strategy: strategy(options.strategy, gateway)?,
    };
    let initiate = InitiateHandler::new(
        browser.clone(),
        ports.clone(),
        stores.idempotency.clone(),
        options.initiate,
    )
    .map_err(build_err)?;
    let refresh = RefreshHandler::new(browser, ports, options.refresh);
    Ok((initiate, refresh))
}

/// The ownership check initiate asks, if any.
fn ownership(option: &LocalOwnership, base: &str) -> Result<Option<Ownership>, StackError> {
    Ok(match option {
        LocalOwnership::Dev => {
            let url = url::Url::parse(&format!("{base}/dev/ownership")).map_err(build_err)?;
            let deadline = Duration::from_millis(DEFAULT_OWNERSHIP_DEADLINE_MS.unsigned_abs());
            Some(Ownership {
                check: Arc::new(HttpOwnershipCheck::new(url, deadline).map_err(build_err)?),
                on_failure: OwnershipFailPolicy::Closed,
            })
        }
        LocalOwnership::Check(check) => Some(check.clone()),
        LocalOwnership::Off => None,
    })
}

/// The sandbox's OAuth client and the data-action credential.
fn dev_secrets(user: &str, pass: &str) -> Arc<dyn SecretSource> {
    Arc::new(
        StaticSecrets::new()
            .with(
                GENESYS_SECRET,
                &[
                    ("client_id", genesys_sandbox::DEFAULT_CLIENT_ID),
                    ("client_secret", genesys_sandbox::DEFAULT_CLIENT_SECRET),
                ],
            )
            .with(
                DATA_ACTION_SECRET,
                &[("username", user), ("password", pass)],
            ),
    )
}

/// The Genesys client, pointed at the sandbox under `/sandbox`.
fn sandbox_gateway(
    base: &str,
    secrets: &Arc<dyn SecretSource>,
    clock: &Arc<dyn Clock>,
) -> Result<Arc<dyn GenesysGateway>, StackError> {
    let sandbox_base = format!("{base}/sandbox");
    let endpoints = GenesysEndpoints::custom(&sandbox_base, &sandbox_base).map_err(build_err)?;
    let client = GenesysClient::new(
        GenesysClientConfig::new(endpoints, GENESYS_SECRET),
        secrets.clone(),
        clock.clone(),
    )
    .map_err(build_err)?;
    Ok(Arc::new(client))
}

fn strategy(
    kind: StrategyKind,
    gateway: &Arc<dyn GenesysGateway>,
) -> Result<Arc<dyn InitiationStrategy>, StackError> {
    Ok(match kind {
        StrategyKind::Messenger => Arc::new(MessengerStrategy),
        StrategyKind::InitiationApi => {
            let id = |s: &str, f| GenesysId::parse(s, f).map_err(build_err);
            let target = RoutingTarget {
                widget_id: id(DEV_WIDGET_ID, "widgetId")?,
                queue_id: id(DEV_QUEUE_ID, "queueId")?,
                skills: vec![
                    SkillRequirement::new(id(DEV_SKILL_ID, "skillId")?, 1).map_err(build_err)?,
                ],
            };
            Arc::new(InitiationApiStrategy::new(gateway.clone(), target))
        }
    })
}
