//! initiate and validate-session as a deployment runs them: configuration read from an
//! environment map by the functions' own code, the cold start (`bootstrap`, with Secrets Manager
//! and DynamoDB on moto and the identity provider's JWKS over HTTPS), then API Gateway HTTP API
//! events through the Lambda runtime glue (`handle_event`) to the handlers.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use secure_initiation::adapters::DynamoStore;
use secure_initiation::api::{InitiateHandler, ValidateHandler};
use secure_initiation::attributes::Schema;
use secure_initiation_lambda::bootstrap::{self, InitError};
use secure_initiation_lambda::{Invocation, handle_event};
use serde_json::{Value, json};
use test_support::https::HttpsJson;
use test_support::moto::MotoServer;

const TABLE: &str = "sessions";
const SESSION_KEY_SECRET: &str = "shop/session-key";
const DATA_ACTION_SECRET: &str = "shop/data-action";
const DATA_ACTION_PASSWORD: &str = "interop-data-action-password";
/// The site's origin (`ALLOWED_ORIGINS`), which the browser sends.
pub const ORIGIN: &str = "https://shop.example";

/// What a site configures: its `JWT_*` variables (besides `JWKS_URL`) and its attribute schema.
#[derive(Debug, Clone)]
pub struct Site {
    /// `JWT_ISSUER`, `JWT_AUDIENCE` and whichever other `JWT_*` the site sets.
    pub jwt: Vec<(&'static str, String)>,
    /// `config/attributes.toml` as the site wrote it.
    pub schema: String,
}

impl Site {
    /// The three settings every site sets, and the shipped schema with `tier` and `geo` taken
    /// from the claims the site's provider carries them in.
    pub fn new(issuer: &str, audience: &str, tier_claim: &str, geo_claim: &str) -> Self {
        Self {
            jwt: vec![
                ("JWT_ISSUER", issuer.to_owned()),
                ("JWT_AUDIENCE", audience.to_owned()),
            ],
            schema: schema_with_claims(tier_claim, geo_claim),
        }
    }

    /// One more `JWT_*` variable.
    #[must_use]
    pub fn with(mut self, variable: &'static str, value: &str) -> Self {
        self.jwt.push((variable, value.to_owned()));
        self
    }
}

/// The shipped schema (`config/attributes.toml`) with `priority_tier` and `geo_segment` taken
/// from the claims named (`claim = "..."` sources, written as the schema documents).
pub fn schema_with_claims(tier_claim: &str, geo_claim: &str) -> String {
    schema_with_sources(
        &format!("{{ claim = {} }}", toml_string(tier_claim)),
        &format!("{{ claim = {} }}", toml_string(geo_claim)),
    )
}

/// The shipped schema with other `source` tables for `priority_tier` and `geo_segment`.
pub fn schema_with_sources(tier_source: &str, geo_source: &str) -> String {
    let shipped = secure_initiation::attributes::DEFAULT_SCHEMA_TOML;
    let tier = r#"source = { claim = "tier" }"#;
    let geo = r#"source = { claim = "geo" }"#;
    assert!(
        shipped.contains(tier) && shipped.contains(geo),
        "the shipped schema changed"
    );
    shipped
        .replace(tier, &format!("source = {tier_source}"))
        .replace(geo, &format!("source = {geo_source}"))
}

fn toml_string(s: &str) -> String {
    serde_json::to_string(s).expect("a JSON string is a TOML basic string here")
}

/// A deployment of initiate and validate-session for one site and one identity provider.
#[derive(Debug)]
pub struct Deployment {
    _moto: MotoServer,
    /// The identity provider's JWKS endpoint.
    pub jwks: HttpsJson,
    initiate: InitiateHandler,
    validate: ValidateHandler,
}

impl Deployment {
    /// Deploys `site` against a provider publishing `key_set`; panics if the cold start fails.
    pub async fn start(key_set: Vec<u8>, site: &Site) -> Self {
        match Self::cold_start(key_set, site).await {
            Ok(d) => d,
            Err(e) => panic!("the cold start fails: {e}"),
        }
    }

    /// Deploys `site`, or the cold start's error.
    pub async fn cold_start(key_set: Vec<u8>, site: &Site) -> Result<Self, InitError> {
        let moto = match MotoServer::start().await {
            Ok(m) => m,
            Err(e) => panic!("this suite needs moto: {e}"),
        };
        seed(&moto).await;
        let jwks = HttpsJson::start(key_set)
            .await
            .expect("the JWKS endpoint starts");
        let mut env = browser_env(&jwks);
        env.extend(site.jwt.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
        let schema = Schema::from_toml(&site.schema).expect("the site's schema loads");
        let initiate = bootstrap::cold_start_with_schema::<InitiateHandler>(
            &env,
            moto.sdk_config(),
            schema.clone(),
        )
        .await?;
        let validate = bootstrap::cold_start_with_schema::<ValidateHandler>(
            &validate_env(),
            moto.sdk_config(),
            schema,
        )
        .await?;
        Ok(Self {
            _moto: moto,
            jwks,
            initiate,
            validate,
        })
    }

    /// `POST /v1/initiations` with `Authorization: Bearer {token}`, as API Gateway delivers it:
    /// the status and the body.
    pub async fn initiate(&self, token: &str) -> (u16, Value) {
        let event = api_gateway_event(
            "/v1/initiations",
            &[
                ("authorization", &format!("Bearer {token}")),
                ("origin", ORIGIN),
            ],
            &json!({ "orderId": "88472" }),
        );
        respond(handle_event(&self.initiate, event, invocation()).await)
    }

    /// `POST /v1/session-validations` for `session_hash` on a new conversation, as the data
    /// action sends it: the flat output.
    pub async fn validate(&self, session_hash: &str) -> Value {
        let credential = STANDARD.encode(format!("architect:{DATA_ACTION_PASSWORD}"));
        let event = api_gateway_event(
            "/v1/session-validations",
            &[("authorization", &format!("Basic {credential}"))],
            &json!({
                "sessionHash": session_hash,
                "conversationId": uuid::Uuid::new_v4().to_string(),
            }),
        );
        let (status, body) = respond(handle_event(&self.validate, event, invocation()).await);
        assert_eq!(status, 200, "{body}");
        body
    }

    /// Initiates with `token` (which must get `201`), then validates the session hash: what
    /// Architect gets back.
    pub async fn initiate_and_validate(&self, token: &str) -> Value {
        let (status, body) = self.initiate(token).await;
        assert_eq!(status, 201, "the token is accepted: {body}");
        let hash = body["sessionHash"].as_str().expect("a session hash");
        self.validate(hash).await
    }
}

async fn seed(moto: &MotoServer) {
    DynamoStore::create_table(&moto.dynamodb(), TABLE)
        .await
        .expect("the table is created");
    let hmac_key = STANDARD.encode([7u8; 32]);
    for (id, value) in [
        (SESSION_KEY_SECRET, json!({ "hmac_key": hmac_key })),
        (
            DATA_ACTION_SECRET,
            json!({ "username": "architect", "password": DATA_ACTION_PASSWORD }),
        ),
    ] {
        moto.put_secret(id, &value.to_string())
            .await
            .expect("moto stores the secret");
    }
}

fn browser_env(jwks: &HttpsJson) -> BTreeMap<String, String> {
    [
        ("SESSION_TABLE", TABLE.to_owned()),
        ("SESSION_KEY_SECRET_ID", SESSION_KEY_SECRET.to_owned()),
        ("ALLOWED_ORIGINS", ORIGIN.to_owned()),
        ("JWKS_URL", jwks.url("/keys")),
        // The provider's certificate authority, as an identity provider behind a private
        // authority is trusted (README, "Security model").
        ("SSL_CERT_FILE", jwks.ca_file().display().to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

fn validate_env() -> BTreeMap<String, String> {
    [
        ("SESSION_TABLE", TABLE),
        ("DATA_ACTION_SECRET_ID", DATA_ACTION_SECRET),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

fn invocation() -> Invocation {
    Invocation {
        request_id: uuid::Uuid::new_v4().to_string(),
        deadline_ms: None,
        ..Invocation::default()
    }
}

/// An API Gateway HTTP API (payload 2.0) event, shaped as `shared/lambda/tests/fixtures`.
fn api_gateway_event(path: &str, headers: &[(&str, &str)], body: &Value) -> Value {
    let mut h = serde_json::Map::new();
    h.insert("content-type".into(), json!("application/json"));
    for (name, value) in headers {
        h.insert((*name).to_owned(), json!(value));
    }
    json!({
        "version": "2.0",
        "routeKey": format!("POST {path}"),
        "rawPath": path,
        "rawQueryString": "",
        "headers": h,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
            "domainPrefix": "abc123",
            "http": {
                "method": "POST",
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "198.51.100.7",
                "userAgent": "Mozilla/5.0"
            },
            "requestId": uuid::Uuid::new_v4().to_string(),
            "routeKey": format!("POST {path}"),
            "stage": "$default",
            "time": "24/Nov/2026:10:15:22 +0000",
            "timeEpoch": 1_795_515_322_000_i64
        },
        "body": body.to_string(),
        "isBase64Encoded": false
    })
}

fn respond<E: std::fmt::Debug>(response: Result<Value, E>) -> (u16, Value) {
    let response = response.expect("the runtime glue answers an HTTP event");
    let status = response["statusCode"]
        .as_u64()
        .and_then(|s| u16::try_from(s).ok())
        .expect("a status code");
    let body = response["body"]
        .as_str()
        .map_or(Value::Null, |b| serde_json::from_str(b).unwrap_or(json!(b)));
    (status, body)
}
