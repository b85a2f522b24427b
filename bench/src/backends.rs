//! The backends every function reaches, all on loopback: DynamoDB and Secrets Manager on moto
//! (behind the counting proxy), the Genesys sandbox, and the development identity provider's
//! JWKS served over HTTPS (a deployed function fetches a JWKS over HTTPS only), its throw-away
//! certificate named in `SSL_CERT_FILE`. Also the configuration each function is deployed with.

use std::sync::Arc;

use aws_lc_rs::rand::SecureRandom as _;
use base64::Engine as _;
use genesys_sandbox::idp::DevIdp;
use genesys_sandbox::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Sandbox, SandboxConfig};
use secure_initiation::adapters::DynamoStore;
use secure_initiation::adapters::dynamodb::PARTITION_KEY;
use secure_initiation::ports::{Clock as _, SessionRecord, SessionStore, SystemClock};
use secure_initiation::session::SessionHash;
use serde_json::json;
use test_support::https::HttpsJson;
use test_support::moto::MotoServer;

use crate::error::BenchError;
use crate::proxy::{CountingProxy, DYNAMODB_PREFIX, GET_SECRET_VALUE};

/// The session table.
pub const TABLE: &str = "bench-sessions";
/// refresh-token's own table, holding only the session each refresh is about (see
/// [`Backends::stage_refresh`]).
pub const REFRESH_TABLE: &str = "bench-refresh";
/// The session-hash key secret.
pub const SESSION_KEY_SECRET: &str = "bench/session-key";
/// The data action's Basic credential secret.
pub const DATA_ACTION_SECRET: &str = "bench/data-action";
/// The Genesys client credentials secret.
pub const GENESYS_SECRET: &str = "bench/genesys";
/// The browser origin the functions allow.
pub const ORIGIN: &str = "https://shop.example.com";
/// The data action's user name.
pub const DATA_ACTION_USER: &str = "genesys-data-action";
/// Messenger deployment (widget) of the `initiation-api` strategy.
pub const WIDGET_ID: &str = "8f3d2a64-5b1c-4e7a-9d0f-2c6b8e1a4f37";
/// Routing queue of the `initiation-api` strategy.
pub const QUEUE_ID: &str = "3c9e7b12-0a4d-4f6e-8b2c-5d1e9f7a6c40";

/// External calls seen so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Calls {
    /// Secrets Manager `GetSecretValue`.
    pub secret_reads: u64,
    /// Genesys `POST /oauth/token`.
    pub token_requests: u64,
    /// JWKS `GET`s.
    pub jwks_fetches: u64,
    /// DynamoDB operations.
    pub dynamodb: u64,
}

impl std::ops::Sub for Calls {
    type Output = Self;
    fn sub(self, rhs: Self) -> Self {
        Self {
            secret_reads: self.secret_reads.saturating_sub(rhs.secret_reads),
            token_requests: self.token_requests.saturating_sub(rhs.token_requests),
            jwks_fetches: self.jwks_fetches.saturating_sub(rhs.jwks_fetches),
            dynamodb: self.dynamodb.saturating_sub(rhs.dynamodb),
        }
    }
}

/// Everything running.
#[derive(Debug)]
pub struct Backends {
    moto: MotoServer,
    proxy: CountingProxy,
    /// The Genesys sandbox.
    pub sandbox: Sandbox,
    /// The identity provider.
    pub idp: Arc<DevIdp>,
    /// Its JWKS, over HTTPS.
    jwks: HttpsJson,
    endpoints: Endpoints,
    data_action_password: String,
}

fn random_bytes(n: usize) -> Result<Vec<u8>, BenchError> {
    let mut bytes = vec![0u8; n];
    aws_lc_rs::rand::SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| BenchError::Setup("no randomness".to_owned()))?;
    Ok(bytes)
}

impl Backends {
    /// Starts every backend and creates the table and the secrets.
    pub async fn start() -> Result<Self, BenchError> {
        let moto = MotoServer::start().await?;
        let setup =
            |what: &str, e: &dyn std::fmt::Display| BenchError::Setup(format!("{what}: {e}"));
        for table in [TABLE, REFRESH_TABLE] {
            DynamoStore::create_table(&moto.dynamodb(), table)
                .await
                .map_err(|e| setup("create table", &e))?;
        }
        let password = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random_bytes(18)?);
        let hmac_key = base64::engine::general_purpose::STANDARD.encode(random_bytes(32)?);
        let secrets = moto.secrets_manager();
        for (id, value) in [
            (SESSION_KEY_SECRET, json!({ "hmac_key": hmac_key })),
            (
                DATA_ACTION_SECRET,
                json!({ "username": DATA_ACTION_USER, "password": password }),
            ),
            (
                GENESYS_SECRET,
                json!({ "client_id": DEFAULT_CLIENT_ID, "client_secret": DEFAULT_CLIENT_SECRET }),
            ),
        ] {
            secrets
                .create_secret()
                .name(id)
                .secret_string(value.to_string())
                .send()
                .await
                .map_err(|e| setup(id, &aws_sdk_secretsmanager::error::DisplayErrorContext(e)))?;
        }
        let proxy = CountingProxy::start(moto.endpoint())
            .await
            .map_err(BenchError::Listen)?;
        let sandbox = Sandbox::start(SandboxConfig::default()).await?;
        let idp = Arc::new(DevIdp::with_defaults()?);
        let jwks = HttpsJson::start(idp.jwks_json().to_string())
            .await
            .map_err(|e| setup("JWKS endpoint", &e))?;
        let endpoints = Endpoints {
            aws: proxy.url().to_owned(),
            genesys: sandbox.base_url().to_owned(),
            jwks_url: jwks.url("/.well-known/jwks.json"),
            jwks_ca_file: jwks.ca_file().display().to_string(),
            issuer: idp.issuer().to_owned(),
            audience: idp.audience().to_owned(),
        };
        Ok(Self {
            moto,
            proxy,
            sandbox,
            idp,
            jwks,
            endpoints,
            data_action_password: password,
        })
    }

    /// The session record of `hash` as initiate stored it (read straight from moto).
    pub async fn session(&self, hash: &str) -> Result<SessionRecord, BenchError> {
        let hash = SessionHash::parse(hash)
            .ok_or_else(|| BenchError::Setup("initiate answered a malformed hash".to_owned()))?;
        DynamoStore::new(self.moto.dynamodb(), TABLE, Arc::new(SystemClock))
            .get_session(&hash)
            .await
            .map_err(|e| BenchError::Setup(format!("read session: {e}")))?
            .ok_or_else(|| BenchError::Setup("a session initiate issued is gone".to_owned()))
    }

    /// Puts `record` alone into the refresh table, aged 50 s: inside its refresh window, as the
    /// browser client refreshes it (10 s before a 60 s ticket expires).
    ///
    /// moto runs `TransactWriteItems` (refresh-token's atomic revoke-and-create) after a deep copy
    /// of the whole table, so its time grows with the table; DynamoDB's does not. Emptying
    /// the table before each refresh keeps moto's share of the figure constant.
    pub async fn stage_refresh(&self, record: &SessionRecord) -> Result<(), BenchError> {
        let failed =
            |what: &str, e: &dyn std::fmt::Display| BenchError::Setup(format!("{what}: {e}"));
        let client = self.moto.dynamodb();
        let items = client
            .scan()
            .table_name(REFRESH_TABLE)
            .send()
            .await
            .map_err(|e| failed("scan", &aws_sdk_dynamodb::error::DisplayErrorContext(e)))?;
        for item in items.items() {
            let Some(pk) = item.get(PARTITION_KEY) else {
                continue;
            };
            client
                .delete_item()
                .table_name(REFRESH_TABLE)
                .key(PARTITION_KEY, pk.clone())
                .send()
                .await
                .map_err(|e| failed("delete", &aws_sdk_dynamodb::error::DisplayErrorContext(e)))?;
        }
        let now = SystemClock.now_secs();
        let aged = SessionRecord {
            chain_started_at: now - 50,
            created_at: now - 50,
            expires_at: now + 10,
            ..record.clone()
        };
        DynamoStore::new(client, REFRESH_TABLE, Arc::new(SystemClock))
            .create_session(&aged)
            .await
            .map_err(|e| failed("stage session", &e))
    }

    /// External calls so far.
    pub fn calls(&self) -> Calls {
        let aws = self.proxy.counts();
        Calls {
            secret_reads: aws.of(GET_SECRET_VALUE),
            token_requests: u64::try_from(self.sandbox.count_token_requests()).unwrap_or(u64::MAX),
            jwks_fetches: self.jwks.hits(),
            dynamodb: aws.with_prefix(DYNAMODB_PREFIX),
        }
    }

    /// Time moto has spent answering so far.
    pub fn backend_time(&self) -> std::time::Duration {
        self.proxy.counts().upstream
    }

    /// The data action's `Authorization` header value.
    pub fn data_action_authorization(&self) -> String {
        crate::events::basic_authorization(DATA_ACTION_USER, &self.data_action_password)
    }

    /// Where the functions find their backends.
    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }
}

/// The addresses a function's configuration points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// `AWS_ENDPOINT_URL` (the counting proxy).
    pub aws: String,
    /// The Genesys sandbox (API and login).
    pub genesys: String,
    /// The identity provider's JWKS (HTTPS).
    pub jwks_url: String,
    /// The certificate that JWKS endpoint presents (`SSL_CERT_FILE`).
    pub jwks_ca_file: String,
    /// Its issuer.
    pub issuer: String,
    /// Its audience.
    pub audience: String,
}

impl Endpoints {
    fn aws(&self, table: &str) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.aws.clone()),
            ("SESSION_TABLE", table.to_owned()),
        ]
    }

    fn genesys(&self) -> Vec<(&'static str, String)> {
        vec![
            ("GENESYS_API_BASE_URL", self.genesys.clone()),
            ("GENESYS_LOGIN_BASE_URL", self.genesys.clone()),
            ("GENESYS_CREDENTIALS_SECRET_ID", GENESYS_SECRET.to_owned()),
        ]
    }

    /// initiate's (and refresh-token's) configuration: `messenger`, or `initiation-api`
    /// against the sandbox.
    pub fn browser_config(&self, initiation_api: bool, table: &str) -> Vec<(&'static str, String)> {
        let mut env = self.aws(table);
        env.extend([
            ("SESSION_KEY_SECRET_ID", SESSION_KEY_SECRET.to_owned()),
            ("ALLOWED_ORIGINS", ORIGIN.to_owned()),
            ("JWKS_URL", self.jwks_url.clone()),
            ("SSL_CERT_FILE", self.jwks_ca_file.clone()),
            ("JWT_ISSUER", self.issuer.clone()),
            ("JWT_AUDIENCE", self.audience.clone()),
            // The guide's ceiling: the run validates each hash a minute or two after initiate.
            ("TICKET_TTL_SECS", "300".to_owned()),
        ]);
        if initiation_api {
            env.push(("INITIATION_STRATEGY", "initiation-api".to_owned()));
            env.extend(self.genesys());
            env.push(("GENESYS_WIDGET_ID", WIDGET_ID.to_owned()));
            env.push(("GENESYS_QUEUE_ID", QUEUE_ID.to_owned()));
        }
        env
    }

    /// validate-session's configuration, with or without the participant write-back.
    pub fn validate_config(&self, write_back: bool) -> Vec<(&'static str, String)> {
        let mut env = self.aws(TABLE);
        env.push(("DATA_ACTION_SECRET_ID", DATA_ACTION_SECRET.to_owned()));
        if write_back {
            env.push(("PARTICIPANT_WRITE_BACK", "true".to_owned()));
            env.extend(self.genesys());
        }
        env
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use secure_initiation::config::{
        EnvSource, Function, InitiateConfig, RefreshConfig, ValidateConfig, vars,
    };
    use std::collections::BTreeMap;

    fn endpoints() -> Endpoints {
        Endpoints {
            aws: "http://127.0.0.1:1".to_owned(),
            genesys: "http://127.0.0.1:2".to_owned(),
            jwks_url: "https://127.0.0.1:3/.well-known/jwks.json".to_owned(),
            jwks_ca_file: "/tmp/jwks-ca.pem".to_owned(),
            issuer: "https://idp.dev.invalid/".to_owned(),
            audience: "aud".to_owned(),
        }
    }

    fn env(list: &[(&'static str, String)]) -> BTreeMap<String, String> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    }

    /// Every variable set is one the function reads (or the SDK's endpoint, or the roots of
    /// the JWKS client).
    fn only_known(list: &[(&'static str, String)], function: Function) {
        for (name, _) in list {
            if *name == "AWS_ENDPOINT_URL" || *name == "SSL_CERT_FILE" {
                continue;
            }
            assert!(
                vars::variable(name).is_some_and(|v| v.is_read_by(function)),
                "`{name}` is not read by {}",
                function.crate_name()
            );
        }
    }

    #[test]
    fn each_configuration_is_accepted_by_the_function_it_is_for() {
        let e = endpoints();
        for api in [false, true] {
            let browser = e.browser_config(api, TABLE);
            only_known(&browser, Function::Initiate);
            only_known(&browser, Function::Refresh);
            InitiateConfig::from_env(&env(&browser)).unwrap();
            RefreshConfig::from_env(&env(&browser)).unwrap();
        }
        for write_back in [false, true] {
            let validate = e.validate_config(write_back);
            only_known(&validate, Function::Validate);
            let parsed = ValidateConfig::from_env(&env(&validate)).unwrap();
            assert_eq!(parsed.settings.write_back, write_back);
        }
        assert!(
            env(&e.browser_config(true, REFRESH_TABLE))
                .var("INITIATION_STRATEGY")
                .is_some()
        );
    }
}
