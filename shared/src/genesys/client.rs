//! [`GenesysClient`]: the Genesys Cloud gateway over HTTPS, built once per container. Its two
//! collaborators have their own types: [`Transport`] (one exchange, bounded in time and size,
//! and the waits the retry policy allows) and [`Tokens`] (the client-credentials token, cached
//! and refreshed one caller at a time). The client decides what to retry.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use reqwest::Method;
use tokio::time::Instant;
use url::Url;

use super::error::GenesysError;
use super::meter::CallMeter;
use super::region::{GenesysConfigError, GenesysEndpoints};
use super::retry::RetryPolicy;
use super::token::{TokenSettings, TokenWanted, Tokens};
use super::transport::{Auth, Body, Repeat, Request, Transport};
use super::wire::{CreatedBody, api_error, parse};
use crate::payload::{GenesysId, InitiationBody, ParticipantAttributesBody};
use crate::ports::{
    Clock, CreatedConversation, GatewayError, GenesysGateway, SecretSource, SecretString,
};
use crate::telemetry::metrics::Operation;

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

/// One Platform API request.
pub(super) struct ApiCall<'a> {
    pub(super) operation: Operation,
    pub(super) method: Method,
    pub(super) url: Url,
    pub(super) json: &'a [u8],
    pub(super) repeat: Repeat,
}

/// The Genesys Cloud client. Build it once per container and share it (`Arc`): it pools
/// connections and caches the access token for every caller.
pub struct GenesysClient {
    endpoints: GenesysEndpoints,
    transport: Transport,
    tokens: Tokens,
}

impl fmt::Debug for GenesysClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GenesysClient")
            .field("api_base", &self.endpoints.api_base().as_str())
            .field("login_base", &self.endpoints.login_base().as_str())
            .field("credentials_secret_id", &self.tokens.secret_id())
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
        let tokens = TokenSettings {
            url: config.endpoints.token_url(),
            secret_id: config.credentials_secret_id,
            refresh_margin: config.token_refresh_margin,
            auth_failure_cooldown: config.auth_failure_cooldown,
        };
        Ok(Self {
            endpoints: config.endpoints,
            transport: Transport::new(http, config.request_timeout, config.retry),
            tokens: Tokens::new(tokens, secrets, clock),
        })
    }

    /// Fetches a token now (at cold start, so the first request does not pay for it).
    pub async fn warm_up(&self, deadline: Instant) -> Result<(), GenesysError> {
        self.tokens
            .access_token(&self.transport, TokenWanted::Any, deadline)
            .await
            .map(drop)
    }

    /// Where the client sends requests.
    pub fn endpoints(&self) -> &GenesysEndpoints {
        &self.endpoints
    }

    /// `POST /api/v2/webmessaging/widgets/{widgetId}/conversations` (the guide's endpoint).
    /// Never retried after the request may have been sent ([`GenesysError::OutcomeUnknown`]).
    #[tracing::instrument(name = "genesys.create_conversation", skip_all, fields(widget_id = %body.widget_id()))]
    pub async fn create_conversation(
        &self,
        body: &InitiationBody<'_>,
        deadline: Instant,
    ) -> Result<CreatedConversation, GenesysError> {
        let json = body.to_json();
        let call = ApiCall {
            operation: Operation::CreateConversation,
            method: Method::POST,
            url: self.endpoints.api_route(
                "api/v2/webmessaging/widgets/{}/conversations",
                &[&body.widget_id()],
            ),
            json: &json,
            repeat: Repeat::Never,
        };
        let answer = self.execute(&call, deadline).await?;
        let created: CreatedBody = parse("initiation response", &answer)?;
        let id = GenesysId::parse(created.conversation_id.trim(), "conversationId");
        let (Ok(id), false) = (id, created.token.is_empty()) else {
            return Err(GenesysError::Malformed(
                "initiation response: conversationId is not a uuid, or the token is empty"
                    .to_owned(),
            ));
        };
        tracing::info!(conversation_id = %id, "genesys cloud conversation created");
        Ok(CreatedConversation {
            conversation_id: id,
            token: SecretString::new(created.token),
        })
    }

    /// `PATCH /api/v2/conversations/messages/{conversationId}` with `{"state":
    /// "disconnected"}`: ends the conversation. Idempotent, so retried like a read.
    #[tracing::instrument(name = "genesys.disconnect_conversation", skip_all, fields(%conversation_id))]
    pub async fn disconnect_conversation(
        &self,
        conversation_id: &GenesysId,
        deadline: Instant,
    ) -> Result<(), GenesysError> {
        let call = ApiCall {
            operation: Operation::DisconnectConversation,
            method: Method::PATCH,
            url: self
                .endpoints
                .api_route("api/v2/conversations/messages/{}", &[conversation_id]),
            json: br#"{"state":"disconnected"}"#,
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

    /// `PATCH /api/v2/conversations/messages/{conversationId}/participants/{participantId}/attributes`.
    #[tracing::instrument(name = "genesys.update_participant_attributes", skip_all, fields(%conversation_id, %participant_id, count = body.attributes().len()))]
    pub async fn update_participant_attributes(
        &self,
        conversation_id: &GenesysId,
        participant_id: &GenesysId,
        body: &ParticipantAttributesBody,
        deadline: Instant,
    ) -> Result<(), GenesysError> {
        let json = body.to_json();
        let call = ApiCall {
            operation: Operation::UpdateParticipantAttributes,
            method: Method::PATCH,
            url: self.endpoints.api_route(
                "api/v2/conversations/messages/{}/participants/{}/attributes",
                &[conversation_id, participant_id],
            ),
            json: &json,
            repeat: Repeat::Safe,
        };
        self.execute(&call, deadline).await.map(drop)
    }

    /// Runs `call` until it succeeds, fails for good, or the deadline leaves no room: a 401
    /// replaces the token (the second also re-reads the credentials), 429 and 5xx wait as the
    /// transport allows, and a create that may have reached Genesys is never sent twice.
    pub(super) async fn execute(
        &self,
        call: &ApiCall<'_>,
        deadline: Instant,
    ) -> Result<Bytes, GenesysError> {
        let mut meter = CallMeter::start(call.operation);
        let result = self.execute_metered(call, &mut meter, deadline).await;
        meter.finish(&result);
        result
    }

    async fn execute_metered(
        &self,
        call: &ApiCall<'_>,
        meter: &mut CallMeter,
        deadline: Instant,
    ) -> Result<Bytes, GenesysError> {
        let mut wanted = TokenWanted::Any;
        let mut refusals = 0;
        loop {
            let token = self
                .tokens
                .access_token(&self.transport, wanted, deadline)
                .await?;
            let request = Request {
                method: call.method.clone(),
                url: &call.url,
                auth: Auth::Bearer(&token.value),
                body: Body::Json(call.json),
                repeat: call.repeat,
                what: "api call",
            };
            let Some(answer) = self.transport.attempt(&request, meter, deadline).await? else {
                continue;
            };
            match answer.status.as_u16() {
                200..=299 => return Ok(answer.body),
                401 => {
                    refusals += 1;
                    wanted = TokenWanted::after_refusal(refusals, token.generation)?;
                    tracing::warn!(
                        refusals,
                        "genesys cloud refused the access token; refreshing it"
                    );
                }
                status @ (502 | 504) if call.repeat == Repeat::Never => {
                    tracing::warn!(
                        status,
                        "a gateway failed a create it may have forwarded; its outcome is unknown"
                    );
                    return Err(GenesysError::OutcomeUnknown);
                }
                429 | 502..=504 => {
                    self.transport
                        .wait_throttled(&answer, meter, deadline)
                        .await?;
                }
                status => return Err(api_error(status, &answer.body)),
            }
        }
    }
}

/// The port: the same calls, their errors in the kinds the flows branch on (the adapter's
/// detail stays in the source chain for the log).
#[async_trait]
impl GenesysGateway for GenesysClient {
    async fn create_conversation(
        &self,
        body: &InitiationBody<'_>,
        deadline: Instant,
    ) -> Result<CreatedConversation, GatewayError> {
        Ok(GenesysClient::create_conversation(self, body, deadline).await?)
    }

    async fn disconnect_conversation(
        &self,
        conversation_id: &GenesysId,
        deadline: Instant,
    ) -> Result<(), GatewayError> {
        Ok(GenesysClient::disconnect_conversation(self, conversation_id, deadline).await?)
    }

    async fn find_conversations(
        &self,
        attribute: &str,
        value: &str,
        since_secs: i64,
        deadline: Instant,
    ) -> Result<Vec<GenesysId>, GatewayError> {
        Ok(GenesysClient::find_conversations(self, attribute, value, since_secs, deadline).await?)
    }

    async fn update_participant_attributes(
        &self,
        conversation_id: &GenesysId,
        participant_id: &GenesysId,
        body: &ParticipantAttributesBody,
        deadline: Instant,
    ) -> Result<(), GatewayError> {
        Ok(GenesysClient::update_participant_attributes(
            self,
            conversation_id,
            participant_id,
            body,
            deadline,
        )
        .await?)
    }
}
