//! The OAuth client-credentials token: fetched with the client id and secret from the secret
//! source, cached until shortly before `expires_in`, refreshed by one caller at a time.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use reqwest::Method;
use tokio::time::Instant;
use url::Url;

use super::error::GenesysError;
use super::meter::CallMeter;
use super::transport::{Auth, Body, Repeat, Request, Transport};
use super::wire::{TokenResponse, api_error, parse};
use crate::ports::{Clock, SecretSource, SecretString};
use crate::telemetry::metrics::Operation;

/// The field of the credentials secret holding the OAuth client id.
pub const CLIENT_ID_FIELD: &str = "client_id";
/// The field of the credentials secret holding the OAuth client secret.
pub const CLIENT_SECRET_FIELD: &str = "client_secret";

/// A bearer token and when to stop using it.
pub(crate) struct CachedToken {
    pub(crate) value: SecretString,
    refresh_at_ms: i64,
    /// Which fetch produced it, so a caller whose call was refused replaces only that token.
    pub(crate) generation: u64,
}

/// What a caller needs from the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenWanted {
    /// Any fresh token.
    Any,
    /// A token other than `generation`, which the API refused; with `rotate_secret`, re-read the
    /// client credentials first (they may have been rotated).
    Replacing {
        generation: u64,
        rotate_secret: bool,
    },
}

impl TokenWanted {
    /// What to ask for after the API refused a token for the `refusals`-th time: first another
    /// token, then another after re-reading the credentials (they may have been rotated); a
    /// third refusal of a freshly issued token is final.
    pub(crate) fn after_refusal(refusals: u32, generation: u64) -> Result<Self, GenesysError> {
        match refusals {
            1 => Ok(Self::Replacing {
                generation,
                rotate_secret: false,
            }),
            2 => Ok(Self::Replacing {
                generation,
                rotate_secret: true,
            }),
            _ => {
                tracing::error!("genesys cloud refused a freshly issued token");
                Err(GenesysError::Auth)
            }
        }
    }
}

/// The cached token plus the lock that makes refreshes single-flight.
#[derive(Default)]
struct TokenCache {
    current: Mutex<Option<Arc<CachedToken>>>,
    refresh: tokio::sync::Mutex<Refresh>,
}

/// Where tokens come from and how they are kept.
pub(crate) struct TokenSettings {
    /// `https://login.{domain}/oauth/token`.
    pub(crate) url: Url,
    /// The secret with `client_id` and `client_secret`.
    pub(crate) secret_id: String,
    /// How long before `expires_in` a token is replaced (at most a tenth of its lifetime).
    pub(crate) refresh_margin: Duration,
    /// After refused credentials (even re-read), how long callers fail fast.
    pub(crate) auth_failure_cooldown: Duration,
}

/// The client-credentials token source: the settings, the secret holding the client, the clock
/// and the cache. The client asks it for a token before every call.
pub(crate) struct Tokens {
    settings: TokenSettings,
    secrets: Arc<dyn SecretSource>,
    clock: Arc<dyn Clock>,
    cache: TokenCache,
}

/// What the refresh lock guards.
#[derive(Debug, Default)]
struct Refresh {
    generation: u64,
    /// Until when (Unix ms) refused credentials fail fast instead of being tried again.
    refused_until_ms: Option<i64>,
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenCache { .. }")
    }
}

impl TokenCache {
    fn fresh(&self, now_ms: i64) -> Option<Arc<CachedToken>> {
        self.current
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .filter(|t| now_ms < t.refresh_at_ms)
            .cloned()
    }

    fn store(&self, token: Arc<CachedToken>) {
        *self.current.lock().unwrap_or_else(PoisonError::into_inner) = Some(token);
    }

    /// Drops the cached token if it is the refused one, so no other caller sends it again.
    fn discard(&self, generation: u64) {
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        if current.as_ref().is_some_and(|t| t.generation == generation) {
            *current = None;
        }
    }
}

impl Tokens {
    pub(crate) fn new(
        settings: TokenSettings,
        secrets: Arc<dyn SecretSource>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            settings,
            secrets,
            clock,
            cache: TokenCache::default(),
        }
    }

    /// The secret the client credentials come from.
    pub(crate) fn secret_id(&self) -> &str {
        &self.settings.secret_id
    }

    /// A usable bearer token. Concurrent callers that find none (or a refused one) wait for one
    /// refresh instead of each fetching their own. After Genesys refused the credentials (even
    /// once re-read), callers fail fast with [`GenesysError::Auth`] for
    /// [`GenesysClientConfig::auth_failure_cooldown`](super::GenesysClientConfig), so a broken
    /// secret does not cost a token request and a secret read per incoming request.
    pub(crate) async fn access_token(
        &self,
        transport: &Transport,
        wanted: TokenWanted,
        deadline: Instant,
    ) -> Result<Arc<CachedToken>, GenesysError> {
        if wanted == TokenWanted::Any
            && let Some(token) = self.cache.fresh(self.clock.now_ms())
        {
            return Ok(token);
        }
        let mut state = tokio::time::timeout_at(deadline, self.cache.refresh.lock())
            .await
            .map_err(|_| GenesysError::Timeout)?;
        if let Some(token) = self.fetched_meanwhile(wanted) {
            return Ok(token);
        }
        if let TokenWanted::Replacing { generation, .. } = wanted {
            self.cache.discard(generation);
        }
        if state
            .refused_until_ms
            .is_some_and(|until| self.clock.now_ms() < until)
        {
            return Err(GenesysError::Auth);
        }
        let rotate = matches!(
            wanted,
            TokenWanted::Replacing {
                rotate_secret: true,
                ..
            }
        );
        if rotate {
            tracing::warn!(
                secret_id = %self.settings.secret_id,
                "genesys cloud refused a fresh token; re-reading the client credentials"
            );
            self.secrets.invalidate(&self.settings.secret_id).await;
        }
        match self.fetch(transport, deadline, rotate).await {
            Ok((value, expires_in)) => Ok(self.keep(&mut state, value, expires_in)),
            Err(GenesysError::Auth) => {
                let cooldown = i64::try_from(self.settings.auth_failure_cooldown.as_millis())
                    .unwrap_or(i64::MAX);
                state.refused_until_ms = Some(self.clock.now_ms().saturating_add(cooldown));
                Err(GenesysError::Auth)
            }
            Err(other) => Err(other),
        }
    }

    /// A token another caller fetched while this one waited for the refresh lock, if it is what
    /// `wanted` asks for.
    fn fetched_meanwhile(&self, wanted: TokenWanted) -> Option<Arc<CachedToken>> {
        let token = self.cache.fresh(self.clock.now_ms())?;
        match wanted {
            TokenWanted::Any => Some(token),
            TokenWanted::Replacing {
                generation: refused,
                ..
            } => (token.generation != refused).then_some(token),
        }
    }

    /// Caches a fetched token as the next generation, to be replaced `refresh_margin` before
    /// it expires.
    fn keep(&self, state: &mut Refresh, value: SecretString, expires_in: u64) -> Arc<CachedToken> {
        state.refused_until_ms = None;
        state.generation += 1;
        let lifetime = Duration::from_secs(expires_in);
        let margin = self.settings.refresh_margin.min(lifetime / 10);
        let usable_ms = i64::try_from((lifetime - margin).as_millis()).unwrap_or(i64::MAX);
        let token = Arc::new(CachedToken {
            value,
            refresh_at_ms: self.clock.now_ms().saturating_add(usable_ms),
            generation: state.generation,
        });
        self.cache.store(Arc::clone(&token));
        tracing::info!(
            expires_in,
            generation = state.generation,
            "genesys cloud access token obtained"
        );
        token
    }

    /// `POST {login}/oauth/token` with Basic client authentication. Safe to retry (it creates
    /// nothing); a refusal re-reads the credentials once, in case they were rotated.
    async fn fetch(
        &self,
        transport: &Transport,
        deadline: Instant,
        already_rotated: bool,
    ) -> Result<(SecretString, u64), GenesysError> {
        let mut meter = CallMeter::start(Operation::Token);
        let result = self
            .fetch_metered(transport, &mut meter, deadline, already_rotated)
            .await;
        meter.finish(&result);
        result
    }

    async fn fetch_metered(
        &self,
        transport: &Transport,
        meter: &mut CallMeter,
        deadline: Instant,
        already_rotated: bool,
    ) -> Result<(SecretString, u64), GenesysError> {
        let secret_id = &self.settings.secret_id;
        let mut rotated = already_rotated;
        loop {
            let fields = tokio::time::timeout_at(deadline, self.secrets.fields(secret_id))
                .await
                .map_err(|_| GenesysError::Timeout)??;
            let request = Request {
                method: Method::POST,
                url: &self.settings.url,
                auth: Auth::Client {
                    id: fields.get(secret_id, CLIENT_ID_FIELD)?,
                    secret: fields.get(secret_id, CLIENT_SECRET_FIELD)?,
                },
                body: Body::Form(&[("grant_type", "client_credentials")]),
                repeat: Repeat::Safe,
                what: "token request",
            };
            let Some(answer) = transport.attempt(&request, meter, deadline).await? else {
                continue;
            };
            match answer.status.as_u16() {
                200..=299 => return token_from(&answer.body),
                status @ (400 | 401) if !rotated => {
                    tracing::warn!(
                        status,
                        %secret_id,
                        "genesys cloud refused the client credentials; re-reading them once"
                    );
                    self.secrets.invalidate(secret_id).await;
                    rotated = true;
                }
                status @ (400 | 401) => {
                    tracing::error!(status, %secret_id, "genesys cloud refused the client credentials");
                    return Err(GenesysError::Auth);
                }
                429 | 502..=504 => {
                    transport.wait_throttled(&answer, meter, deadline).await?;
                }
                status => return Err(api_error(status, &answer.body)),
            }
        }
    }
}

fn token_from(body: &[u8]) -> Result<(SecretString, u64), GenesysError> {
    let parsed: TokenResponse = parse("token response", body)?;
    if !parsed.token_type.eq_ignore_ascii_case("bearer") {
        return Err(GenesysError::Malformed(
            "token response: token_type is not bearer".to_owned(),
        ));
    }
    if parsed.access_token.is_empty() || parsed.expires_in == 0 {
        return Err(GenesysError::Malformed(
            "token response: empty access_token or zero expires_in".to_owned(),
        ));
    }
    Ok((SecretString::new(parsed.access_token), parsed.expires_in))
}
