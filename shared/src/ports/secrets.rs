//! Secrets as a port: JSON secrets with named fields, cached per container.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;

/// How long a container caches a secret unless configured (seconds): rotation reaches every
/// container within this, and a cold start reads each secret once.
pub const DEFAULT_SECRETS_CACHE_TTL_SECS: u64 = 300;

/// A secret string that never prints: `Debug` and `Display` show `[redacted]`.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretString(String);

impl SecretString {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself; call only where it is sent or compared.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// The named fields of one JSON secret (`{"client_id": "..", "client_secret": ".."}`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SecretFields {
    fields: BTreeMap<String, SecretString>,
}

impl SecretFields {
    /// Builds from pairs.
    pub fn new(fields: BTreeMap<String, SecretString>) -> Self {
        Self { fields }
    }

    /// Parses a JSON object of string fields; non-string fields are refused.
    pub fn from_json(secret_id: &str, text: &str) -> Result<Self, SecretError> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|_| SecretError::NotJson {
                secret_id: secret_id.to_owned(),
            })?;
        let serde_json::Value::Object(map) = value else {
            return Err(SecretError::NotJson {
                secret_id: secret_id.to_owned(),
            });
        };
        let mut fields = BTreeMap::new();
        for (k, v) in map {
            let serde_json::Value::String(s) = v else {
                return Err(SecretError::FieldNotString {
                    secret_id: secret_id.to_owned(),
                    field: k,
                });
            };
            fields.insert(k, SecretString::new(s));
        }
        Ok(Self { fields })
    }

    /// A required field.
    pub fn get(&self, secret_id: &str, field: &str) -> Result<&SecretString, SecretError> {
        self.fields
            .get(field)
            .ok_or_else(|| SecretError::MissingField {
                secret_id: secret_id.to_owned(),
                field: field.to_owned(),
            })
    }
}

/// Why a secret could not be read. Never carries the secret's value.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// The store could not be reached or refused the read.
    #[error("secret `{secret_id}` could not be read")]
    Unavailable {
        /// The secret's name or ARN.
        secret_id: String,
        /// The underlying failure.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// No such secret (or no value yet).
    #[error("secret `{secret_id}` does not exist or has no value")]
    NotFound {
        /// The secret's name or ARN.
        secret_id: String,
    },
    /// The value is not a JSON object.
    #[error("secret `{secret_id}` is not a JSON object of string fields")]
    NotJson {
        /// The secret's name or ARN.
        secret_id: String,
    },
    /// A field is not a string.
    #[error("secret `{secret_id}`: field `{field}` is not a string")]
    FieldNotString { secret_id: String, field: String },
    /// A required field is absent.
    #[error("secret `{secret_id}` has no field `{field}`")]
    MissingField { secret_id: String, field: String },
}

/// Reads JSON secrets. Implementations cache per container with a TTL.
#[async_trait]
pub trait SecretSource: Send + Sync + fmt::Debug {
    /// The fields of `secret_id`, from cache when fresh.
    async fn fields(&self, secret_id: &str) -> Result<Arc<SecretFields>, SecretError>;

    /// Forgets the cached value so the next read goes to the store (rotation after a 401).
    async fn invalidate(&self, secret_id: &str);
}
