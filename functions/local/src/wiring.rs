//! Builds the stack from [`Options`]: the same handlers the Lambda functions run, wired to the
//! sandbox, the identity provider in force (`identity.rs`), an in-memory (or moto-backed) store
//! and development secrets.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use genesys_as_code::data_action::BasicCredential;
use genesys_sandbox::idp::DevIdp;
use genesys_sandbox::{SandboxConfig, SandboxState};
use secure_initiation::adapters::{DynamoStore, HttpOwnershipCheck, MemoryStore, StaticSecrets};
use secure_initiation::api::ownership::{
    DEFAULT_OWNERSHIP_DEADLINE_MS, Ownership, OwnershipFailPolicy,
};
use secure_initiation::api::risk::RuleScorer;
use secure_initiation::api::strategy::{
    InitiationApiStrategy, InitiationStrategy, MessengerStrategy, StrategyKind,
};
use secure_initiation::api::{
    Browser, BrowserPorts, DataActionCredential, InitiateHandler, RefreshHandler, ValidateHandler,
    ValidatePorts, ValidateSettings,
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

use crate::architect::{FlowParts, InterpretedFlow};
use crate::error::{StackError, build_err};
use crate::identity::{IdentityInForce, identity};
use crate::metrics::LocalMetrics;
use crate::options::{
    DATA_ACTION_SECRET, DEV_QUEUE_ID, DEV_SKILL_ID, DEV_WIDGET_ID, GENESYS_SECRET, LocalOwnership,
    Options, Store,
};

/// Everything the routes need.
#[derive(Debug)]
pub(crate) struct Stack {
    pub(crate) initiate: InitiateHandler,
    pub(crate) refresh: RefreshHandler,
    pub(crate) validate: ValidateHandler,
    /// The development identity provider, always served.
    pub(crate) idp: Arc<DevIdp>,
    /// The identity provider whose tokens the handlers accept.
    pub(crate) identity: IdentityInForce,
    pub(crate) sandbox: SandboxState,
    pub(crate) clock: OffsetClock,
    pub(crate) strategy: StrategyKind,
    /// The in-memory store, when that is the backend (`GET /dev/store` counts its sessions).
    pub(crate) memory: Option<MemoryStore>,
    /// The inbound message flow, installed in the sandbox (`architect.rs`).
    pub(crate) flow: Arc<InterpretedFlow>,
    /// The handlers' metrics (`GET /dev/metrics`).
    pub(crate) metrics: Arc<LocalMetrics>,
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
/// provider are served from it too). The sandbox runs the interpreted inbound flow on every
/// conversation a guest starts, as Genesys runs the real one.
pub(crate) async fn build(options: &Options, addr: SocketAddr) -> Result<Stack, StackError> {
    let base = format!("http://{addr}");
    let clock = OffsetClock::new();
    let shared_clock: Arc<dyn Clock> = Arc::new(clock.clone());
    let schema = Arc::new(Schema::default_schema().map_err(build_err)?);
    let (user, pass) = options.data_action_credential.clone();
    let secrets = dev_secrets(&user, &pass);
    let identity = identity(&base, &clock, &options.identity)?;
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
        verifier: identity.verifier,
        cors: Cors::new(vec![
            base.clone(),
            format!("http://localhost:{}", addr.port()),
        ]),
    };
    let handlers = browser_handlers(options, browser, &stores, &gateway, &base)?;
    let validate_ports = ValidatePorts {
        sessions: stores.sessions.clone(),
        gateway: Some(gateway),
        credential: DataActionCredential::new(secrets, DATA_ACTION_SECRET),
    };
    let validate = validate_handler(options, &schema, shared_clock, validate_ports);
    let metrics = Arc::new(LocalMetrics::new(options.print_metrics));
    let parts = FlowParts {
        validate: validate.clone(),
        credential: BasicCredential::new(user, pass),
        metrics: metrics.clone(),
    };
    let flow = InterpretedFlow::load(&options.flow, &schema, parts).map_err(StackError::Build)?;
    let flow = Arc::new(flow);
    sandbox.set_inbound_flow(flow.clone());
    Ok(Stack {
        initiate: handlers.initiate,
        refresh: handlers.refresh,
        validate,
        idp: identity.dev_idp,
        identity: identity.in_force,
        sandbox,
        clock,
        strategy: options.strategy,
        memory: stores.memory,
        flow,
        metrics,
        guest_api_url: format!("ws://{addr}/v1"),
    })
}

/// validate-session over its ports, writing back as the options say.
fn validate_handler(
    options: &Options,
    schema: &Arc<Schema>,
    clock: Arc<dyn Clock>,
    ports: ValidatePorts,
) -> ValidateHandler {
    let settings = ValidateSettings {
        write_back: options.write_back,
        ..options.validate
    };
    ValidateHandler::new(schema.clone(), clock, ports, settings)
}

/// initiate and refresh-token, over the same ports.
struct BrowserHandlers {
    initiate: InitiateHandler,
    refresh: RefreshHandler,
}

/// initiate and refresh-token over the same ports, each with its own rules; initiate with its
/// ownership check.
fn browser_handlers(
    options: &Options,
    browser: Browser,
    stores: &Stores,
    gateway: &Arc<dyn GenesysGateway>,
    base: &str,
) -> Result<BrowserHandlers, StackError> {
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
    let initiate = match ownership(&options.ownership, base)? {
        Some(check) => initiate.with_ownership(check),
        None => initiate,
    };
    let refresh = RefreshHandler::new(browser, ports, options.refresh);
    Ok(BrowserHandlers { initiate, refresh })
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
