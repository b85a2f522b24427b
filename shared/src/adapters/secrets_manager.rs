//! [`SecretSource`] over AWS Secrets Manager (`GetSecretValue`), cached per container.
//!
//! Each secret is read once and cached for a TTL (default 5 min). Concurrent first reads of the
//! same secret share one `GetSecretValue` call. [`SecretSource::invalidate`] (called after
//! Genesys Cloud refuses the credentials) makes the next read go to the store, so a rotated
//! secret is picked up at once.
//!
//! **Outages:** if the store cannot be reached (timeouts, connection failures, throttling, 5xx)
//! while a value is cached, the cached value keeps being served until its TTL runs out, even
//! after `invalidate`; past the TTL the read fails with [`SecretError::Unavailable`]. A definite
//! answer (the secret was deleted, access denied) is never papered over.
//!
//! The AWS `aws_secretsmanager_caching` crate was considered and not used: it does not coalesce
//! concurrent misses, its errors are not `Send`, it pulls `aws-config` with its default (legacy
//! TLS) features and `log`, and on expiry it calls `DescribeSecret` as well (an extra permission
//! and an extra call).

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_secretsmanager::error::{ProvideErrorMetadata, SdkError};

use crate::ports::{Clock, SecretError, SecretFields, SecretSource};

/// How long secrets are cached, and how long one read may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecretsManagerConfig {
    /// How long a read value is served from memory (default 5 min).
    pub ttl: Duration,
    /// Ceiling on one `GetSecretValue` including the SDK's retries (default 3 s), applied by
    /// [`SecretsManagerSource::from_sdk_config`].
    pub operation_timeout: Duration,
}

impl Default for SecretsManagerConfig {
    fn default() -> Self {
        Self {
            ttl: Duration::from_secs(crate::ports::DEFAULT_SECRETS_CACHE_TTL_SECS),
            operation_timeout: Duration::from_secs(3),
        }
    }
}

#[derive(Clone)]
struct Cached {
    fields: Arc<SecretFields>,
    read_at_ms: i64,
    invalidated: bool,
}

#[derive(Default)]
struct Slot {
    cached: Mutex<Option<Cached>>,
    refresh: tokio::sync::Mutex<()>,
}

impl Slot {
    fn get(&self) -> Option<Cached> {
        self.cached
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn set(&self, value: Option<Cached>) {
        *self.cached.lock().unwrap_or_else(PoisonError::into_inner) = value;
    }
}

/// Secrets Manager with a per-container cache. Build once per container and share.
pub struct SecretsManagerSource {
    client: aws_sdk_secretsmanager::Client,
    ttl_ms: i64,
    clock: Arc<dyn Clock>,
    slots: Mutex<HashMap<String, Arc<Slot>>>,
    reads: AtomicU64,
}

impl fmt::Debug for SecretsManagerSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretsManagerSource")
            .field("ttl_ms", &self.ttl_ms)
            .field("reads", &self.reads())
            .finish_non_exhaustive()
    }
}

impl SecretsManagerSource {
    /// Over a client built by the caller (tests add interceptors this way).
    pub fn new(
        client: aws_sdk_secretsmanager::Client,
        config: SecretsManagerConfig,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            client,
            ttl_ms: i64::try_from(config.ttl.as_millis()).unwrap_or(i64::MAX),
            clock,
            slots: Mutex::new(HashMap::new()),
            reads: AtomicU64::new(0),
        }
    }

    /// Builds the client from the shared AWS configuration with the operation timeout set.
    pub fn from_sdk_config(
        sdk: &aws_config::SdkConfig,
        config: SecretsManagerConfig,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let timeouts = aws_sdk_secretsmanager::config::timeout::TimeoutConfig::builder()
            .operation_timeout(config.operation_timeout)
            .build();
        let conf = aws_sdk_secretsmanager::config::Builder::from(sdk)
            .timeout_config(timeouts)
            .build();
        Self::new(
            aws_sdk_secretsmanager::Client::from_conf(conf),
            config,
            clock,
        )
    }

    /// How many `GetSecretValue` calls this source has made (for tests and metrics).
    pub fn reads(&self) -> u64 {
        self.reads.load(Ordering::Relaxed)
    }

    fn slot(&self, secret_id: &str) -> Arc<Slot> {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(slots.entry(secret_id.to_owned()).or_default())
    }

    fn usable(&self, cached: Option<&Cached>, now_ms: i64) -> Option<Arc<SecretFields>> {
        cached
            .filter(|c| !c.invalidated && self.within_ttl(c, now_ms))
            .map(|c| Arc::clone(&c.fields))
    }

    fn within_ttl(&self, cached: &Cached, now_ms: i64) -> bool {
        now_ms < cached.read_at_ms.saturating_add(self.ttl_ms)
    }

    #[tracing::instrument(name = "secrets.get_secret_value", skip(self))]
    async fn read(&self, secret_id: &str) -> Result<Arc<SecretFields>, ReadFailure> {
        self.reads.fetch_add(1, Ordering::Relaxed);
        let output = self
            .client
            .get_secret_value()
            .secret_id(secret_id)
            .send()
            .await
            .map_err(|e| classify(secret_id, e))?;
        let text = output.secret_string().ok_or_else(|| ReadFailure {
            transient: false,
            error: SecretError::NotJson {
                secret_id: secret_id.to_owned(),
            },
        })?;
        SecretFields::from_json(secret_id, text)
            .map(Arc::new)
            .map_err(|error| ReadFailure {
                transient: false,
                error,
            })
    }
}

struct ReadFailure {
    transient: bool,
    error: SecretError,
}

fn classify(
    secret_id: &str,
    error: SdkError<aws_sdk_secretsmanager::operation::get_secret_value::GetSecretValueError>,
) -> ReadFailure {
    let transient = match &error {
        SdkError::ServiceError(service) => {
            let e = service.err();
            if e.is_resource_not_found_exception() {
                return ReadFailure {
                    transient: false,
                    error: SecretError::NotFound {
                        secret_id: secret_id.to_owned(),
                    },
                };
            }
            e.is_internal_service_error()
                || service.raw().status().as_u16() >= 500
                || matches!(
                    e.code(),
                    Some("ThrottlingException" | "TooManyRequestsException")
                )
        }
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            true
        }
        _ => false,
    };
    ReadFailure {
        transient,
        error: SecretError::Unavailable {
            secret_id: secret_id.to_owned(),
            source: Box::new(error),
        },
    }
}

#[async_trait]
impl SecretSource for SecretsManagerSource {
    async fn fields(&self, secret_id: &str) -> Result<Arc<SecretFields>, SecretError> {
        let slot = self.slot(secret_id);
        if let Some(fields) = self.usable(slot.get().as_ref(), self.clock.now_ms()) {
            return Ok(fields);
        }
        let _one_reader = slot.refresh.lock().await;
        let cached = slot.get();
        if let Some(fields) = self.usable(cached.as_ref(), self.clock.now_ms()) {
            return Ok(fields);
        }
        match self.read(secret_id).await {
            Ok(fields) => {
                slot.set(Some(Cached {
                    fields: Arc::clone(&fields),
                    read_at_ms: self.clock.now_ms(),
                    invalidated: false,
                }));
                tracing::debug!(%secret_id, "secret read from secrets manager");
                Ok(fields)
            }
            Err(ReadFailure {
                transient: true,
                error,
            }) => match cached.filter(|c| self.within_ttl(c, self.clock.now_ms())) {
                Some(c) => {
                    tracing::warn!(
                        %secret_id,
                        error = %error,
                        "secrets manager unreachable; serving the cached value until its ttl"
                    );
                    slot.set(Some(Cached {
                        invalidated: false,
                        ..c.clone()
                    }));
                    Ok(c.fields)
                }
                None => Err(error),
            },
            Err(ReadFailure { error, .. }) => Err(error),
        }
    }

    async fn invalidate(&self, secret_id: &str) {
        let slot = self.slot(secret_id);
        let mut cached = slot.cached.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(c) = cached.as_mut() {
            c.invalidated = true;
        }
    }
}
