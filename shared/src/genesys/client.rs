//! [`GenesysClient`]: the Genesys Cloud gateway over HTTPS, built once per container.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use reqwest::Method;
use tokio::time::Instant;

use super::GenesysError;
use super::region::{GenesysConfigError, GenesysEndpoints};
use super::retry::RetryPolicy;
use super::token::TokenCache;
use super::transport::{ApiCall, Repeat};
use super::wire::{CreatedBody, parse};
use crate::payload::{GenesysId, InitiationBody, ParticipantAttributesBody};
use crate::ports::{Clock, CreatedConversation, GenesysGateway, SecretSource, SecretString};

/// The field of the credentials secret holding the OAuth client id.
pub const CLIENT_ID_FIELD: &str = "client_id";
/// The field of the credentials secret holding the OAuth client secret.
pub const CLIENT_SECRET_FIELD: &str = "client_secret";

/// How the client reaches Genesys Cloud.
#[derive(Debug, Clone)]
pub struct GenesysClientConfig {
    /// Region hosts or explicit bases.
    pub endpoints: GenesysEndpoints,
    /// The secret (name or ARN) with fields `client_id` and `client_secret`.
    pub credentials_secret_id: String,
    /// Ceiling on establishing a connection (default 2 s); such a failure is retried, since
    /// nothing was sent.
    pub connect_timeout: Duration,
    /// Ceiling on one attempt (default 10 s); the caller's deadline may cut it shorter.
    pub request_timeout: Duration,
    /// How long before `expires_in` the token is replaced (default 60 s, at most a tenth of its
    /// lifetime).
    pub token_refresh_margin: Duration,
    /// Retries of transient failures.
    pub retry: RetryPolicy,
    /// After the token endpoint refused the credentials (even re-read), how long calls fail at
    /// once with [`GenesysError::Auth`] instead of asking again (default 5 s).
    pub auth_failure_cooldown: Duration,
}

impl GenesysClientConfig {
    /// Defaults for everything but where and which secret.
    pub fn new(endpoints: GenesysEndpoints, credentials_secret_id: impl Into<String>) -> Self {
        Self {
            endpoints,
            credentials_secret_id: credentials_secret_id.into(),
            connect_timeout: Duration::from_secs(2),
            request_timeout: Duration::from_secs(10),
            token_refresh_margin: Duration::from_secs(60),
            retry: RetryPolicy::default(),
            auth_failure_cooldown: Duration::from_secs(5),
        }
    }
}

/// The Genesys Cloud client. Build it once per container and share it (`Arc`): it pools
/// connections and caches the access token for every caller.
pub struct GenesysClient {
    pub(crate) http: reqwest::Client,
    pub(crate) config: GenesysClientConfig,
    pub(crate) secrets: Arc<dyn SecretSource>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) tokens: TokenCache,
}

impl fmt::Debug for GenesysClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GenesysClient")
            .field("api_base", &self.config.endpoints.api_base().as_str())
            .field("login_base", &self.config.endpoints.login_base().as_str())
            .field("credentials_secret_id", &self.config.credentials_secret_id)
            .finish_non_exhaustive()
    }
}

impl GenesysClient {
    /// Builds the HTTP client (rustls, HTTP/1.1, pooled, no redirects: a bearer token is never
    /// forwarded anywhere else). Credentials are read lazily, on the first token fetch.
    pub fn new(
        config: GenesysClientConfig,
        secrets: Arc<dyn SecretSource>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, GenesysConfigError> {
        let http = crate::tls::http_client_builder()
            .map_err(GenesysConfigError::Tls)?
            .connect_timeout(config.connect_timeout)
            .pool_idle_timeout(Duration::from_secs(50))
            .tcp_keepalive(Duration::from_secs(30))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("secure-initiation/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(GenesysConfigError::HttpClient)?;
        Ok(Self {
            http,
            config,
            secrets,
            clock,
            tokens: TokenCache::default(),
        })
    }

    /// Fetches a token now (at cold start, so the first request does not pay for it).
    pub async fn warm_up(&self, deadline: Instant) -> Result<(), GenesysError> {
        self.access_token(super::token::TokenWanted::Any, deadline)
            .await
            .map(drop)
    }

    /// Where the client sends requests.
    pub fn endpoints(&self) -> &GenesysEndpoints {
        &self.config.endpoints
    }

    #[tracing::instrument(name = "genesys.create_conversation", skip_all, fields(widget_id = %body.widget_id()))]
    async fn create(
        &self,
        body: &InitiationBody<'_>,
        deadline: Instant,
    ) -> Result<CreatedConversation, GenesysError> {
        let widget_id = body.widget_id().to_string();
        let call = ApiCall {
            method: Method::POST,
            url: self.config.endpoints.api_url(&[
                "api",
                "v2",
                "webmessaging",
                "widgets",
                &widget_id,
                "conversations",
            ]),
            json: Some(body.to_json()),
            repeat: Repeat::Never,
        };
        let answer = self.execute(&call, deadline).await?;
        let created: CreatedBody = parse("initiation response", &answer)?;
        let id = created.conversation_id.trim();
        if id.is_empty() || id.len() > 128 || created.token.is_empty() {
            return Err(GenesysError::Malformed(
                "initiation response: empty or oversized conversationId, or empty token".to_owned(),
            ));
        }
        tracing::info!(conversation_id = %id, "genesys cloud conversation created");
        Ok(CreatedConversation {
            conversation_id: id.to_owned(),
            token: SecretString::new(created.token),
        })
    }

    #[tracing::instrument(name = "genesys.disconnect_conversation", skip_all, fields(%conversation_id))]
    async fn disconnect(
        &self,
        conversation_id: &str,
        deadline: Instant,
    ) -> Result<(), GenesysError> {
        let id = genesys_id(conversation_id, "conversationId")?;
        let call = ApiCall {
            method: Method::PATCH,
            url: self
                .config
                .endpoints
                .api_url(&["api", "v2", "conversations", "messages", &id]),
            json: Some(br#"{"state":"disconnected"}"#.to_vec()),
            repeat: Repeat::Safe,
        };
        let answer = self.execute(&call, deadline).await?;
        // The updated `Conversation`: only its being a JSON object is checked, so a proxy's page
        // answered with a 200 is not taken for success.
        let _: serde_json::Map<String, serde_json::Value> =
            parse("disconnected conversation", &answer)?;
        tracing::info!("genesys cloud conversation disconnected");
        Ok(())
    }

    #[tracing::instrument(name = "genesys.update_participant_attributes", skip_all, fields(%conversation_id, %participant_id, count = body.attributes().len()))]
    async fn update_attributes(
        &self,
        conversation_id: &str,
        participant_id: &str,
        body: &ParticipantAttributesBody,
        deadline: Instant,
    ) -> Result<(), GenesysError> {
        let conversation = genesys_id(conversation_id, "conversationId")?;
        let participant = genesys_id(participant_id, "participantId")?;
        let call = ApiCall {
            method: Method::PATCH,
            url: self.config.endpoints.api_url(&[
                "api",
                "v2",
                "conversations",
                "messages",
                &conversation,
                "participants",
                &participant,
                "attributes",
            ]),
            json: Some(body.to_json()),
            repeat: Repeat::Safe,
        };
        self.execute(&call, deadline).await.map(drop)
    }
}

/// Ids go into URL paths: only Genesys's UUIDs are accepted, so nothing else can be addressed.
fn genesys_id(raw: &str, field: &'static str) -> Result<String, GenesysError> {
    GenesysId::parse(raw, field)
        .map(|id| id.to_string())
        .map_err(|_| GenesysError::InvalidId { field })
}

#[async_trait]
impl GenesysGateway for GenesysClient {
    async fn create_conversation(
        &self,
        body: &InitiationBody<'_>,
        deadline: Instant,
    ) -> Result<CreatedConversation, GenesysError> {
        self.create(body, deadline).await
    }

    async fn disconnect_conversation(
        &self,
        conversation_id: &str,
        deadline: Instant,
    ) -> Result<(), GenesysError> {
        self.disconnect(conversation_id, deadline).await
    }

    async fn update_participant_attributes(
        &self,
        conversation_id: &str,
        participant_id: &str,
        body: &ParticipantAttributesBody,
        deadline: Instant,
    ) -> Result<(), GenesysError> {
        self.update_attributes(conversation_id, participant_id, body, deadline)
            .await
    }
}
