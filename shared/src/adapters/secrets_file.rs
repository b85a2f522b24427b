//! Local [`SecretSource`]s: a JSON file for development (`functions/local`) and an in-memory one
//! for tests and the local stack.
//!
//! The file holds every secret by id, each a flat object of string fields:
//! `{ "genesys-client": { "client_id": "..", "client_secret": ".." } }`.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use async_trait::async_trait;
use serde_json::Value;

use crate::ports::{SecretError, SecretFields, SecretSource, SecretString};

/// Why a secrets file could not be loaded. Names ids and fields, never values.
#[derive(Debug, thiserror::Error)]
pub enum SecretsFileError {
    /// The file could not be read.
    #[error("could not read secrets file `{path}`")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Not JSON.
    #[error("secrets file `{path}` is not valid json (line {line}, column {column})")]
    Json {
        path: PathBuf,
        /// Where the parser stopped: line and column, both 1-based.
        line: usize,
        column: usize,
    },
    /// JSON of the wrong shape.
    #[error("secrets file `{path}`: {problem}")]
    Shape {
        path: PathBuf,
        /// What is wrong (ids and field names only).
        problem: String,
    },
}

type Secrets = HashMap<String, Arc<SecretFields>>;

fn lookup(secrets: &Secrets, secret_id: &str) -> Result<Arc<SecretFields>, SecretError> {
    secrets
        .get(secret_id)
        .cloned()
        .ok_or_else(|| SecretError::NotFound {
            secret_id: secret_id.to_owned(),
        })
}

/// Secrets from a JSON file, read at start; `invalidate` re-reads the file, so a developer can
/// rotate a secret by editing it. Reads are synchronous: the file is small and this is for
/// development only.
#[derive(Debug)]
pub struct FileSecrets {
    path: PathBuf,
    secrets: RwLock<Secrets>,
}

impl FileSecrets {
    /// Loads `path`; fails if it is missing or malformed.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, SecretsFileError> {
        let path = path.as_ref().to_path_buf();
        let secrets = load(&path)?;
        Ok(Self {
            path,
            secrets: RwLock::new(secrets),
        })
    }

    /// The ids in the file.
    pub fn ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .secrets
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .keys()
            .cloned()
            .collect();
        ids.sort();
        ids
    }
}

fn load(path: &Path) -> Result<Secrets, SecretsFileError> {
    let text = std::fs::read_to_string(path).map_err(|source| SecretsFileError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let value: Value = serde_json::from_str(&text).map_err(|e| SecretsFileError::Json {
        path: path.to_path_buf(),
        line: e.line(),
        column: e.column(),
    })?;
    let shape = |problem: String| SecretsFileError::Shape {
        path: path.to_path_buf(),
        problem,
    };
    let Value::Object(secrets) = value else {
        return Err(shape(
            "the top level must be an object of secrets by id".to_owned(),
        ));
    };
    let mut out = HashMap::new();
    for (id, fields) in secrets {
        let Value::Object(fields) = fields else {
            return Err(shape(format!(
                "secret `{id}` must be an object of string fields"
            )));
        };
        let mut map = BTreeMap::new();
        for (field, value) in fields {
            let Value::String(value) = value else {
                return Err(shape(format!(
                    "secret `{id}`: field `{field}` is not a string"
                )));
            };
            map.insert(field, SecretString::new(value));
        }
        out.insert(id, Arc::new(SecretFields::new(map)));
    }
    Ok(out)
}

#[async_trait]
impl SecretSource for FileSecrets {
    async fn fields(&self, secret_id: &str) -> Result<Arc<SecretFields>, SecretError> {
        lookup(
            &self.secrets.read().unwrap_or_else(PoisonError::into_inner),
            secret_id,
        )
    }

    async fn invalidate(&self, secret_id: &str) {
        match load(&self.path) {
            Ok(secrets) => {
                *self.secrets.write().unwrap_or_else(PoisonError::into_inner) = secrets;
                tracing::info!(%secret_id, path = %self.path.display(), "secrets file re-read");
            }
            Err(error) => {
                tracing::warn!(%secret_id, %error, "secrets file could not be re-read; keeping the loaded values");
            }
        }
    }
}

/// In-memory secrets for tests and the local stack, with read and invalidation counters.
#[derive(Debug, Default)]
pub struct StaticSecrets {
    secrets: Mutex<Secrets>,
    reads: AtomicU64,
    invalidations: AtomicU64,
}

impl StaticSecrets {
    /// No secrets.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a secret; builder style.
    #[must_use]
    pub fn with(self, secret_id: &str, fields: &[(&str, &str)]) -> Self {
        self.set(secret_id, fields);
        self
    }

    /// Adds or replaces a secret (rotation).
    pub fn set(&self, secret_id: &str, fields: &[(&str, &str)]) {
        let map = fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), SecretString::new(*v)))
            .collect();
        self.secrets
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(secret_id.to_owned(), Arc::new(SecretFields::new(map)));
    }

    /// Removes a secret.
    pub fn remove(&self, secret_id: &str) {
        self.secrets
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(secret_id);
    }

    /// How many times `fields` was called.
    pub fn reads(&self) -> u64 {
        self.reads.load(Ordering::Relaxed)
    }

    /// How many times `invalidate` was called.
    pub fn invalidations(&self) -> u64 {
        self.invalidations.load(Ordering::Relaxed)
    }
}

#[async_trait]
impl SecretSource for StaticSecrets {
    async fn fields(&self, secret_id: &str) -> Result<Arc<SecretFields>, SecretError> {
        self.reads.fetch_add(1, Ordering::Relaxed);
        lookup(
            &self.secrets.lock().unwrap_or_else(PoisonError::into_inner),
            secret_id,
        )
    }

    async fn invalidate(&self, _secret_id: &str) {
        self.invalidations.fetch_add(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn write(dir: &tempfile::TempDir, text: &str) -> PathBuf {
        let path = dir.path().join("secrets.json");
        std::fs::write(&path, text).unwrap();
        path
    }

    #[tokio::test]
    async fn a_secrets_file_serves_fields_and_invalidate_picks_up_edits() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            &dir,
            r#"{"genesys": {"client_id": "a", "client_secret": "one"}}"#,
        );
        let secrets = FileSecrets::open(&path).unwrap();
        let fields = secrets.fields("genesys").await.unwrap();
        assert_eq!(
            fields.get("genesys", "client_secret").unwrap().expose(),
            "one"
        );
        assert!(matches!(
            secrets.fields("other").await,
            Err(SecretError::NotFound { .. })
        ));

        write(
            &dir,
            r#"{"genesys": {"client_id": "a", "client_secret": "two"}}"#,
        );
        secrets.invalidate("genesys").await;
        let fields = secrets.fields("genesys").await.unwrap();
        assert_eq!(
            fields.get("genesys", "client_secret").unwrap().expose(),
            "two"
        );
    }

    #[test]
    fn a_malformed_secrets_file_is_refused_without_quoting_values() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir, r#"{"genesys": {"client_secret": 12345678}}"#);
        let text = FileSecrets::open(&path).unwrap_err().to_string();
        assert!(
            text.contains("field `client_secret` is not a string"),
            "{text}"
        );
        assert!(!text.contains("12345678"), "{text}");

        let path = write(&dir, r#"{"genesys": "hunter2"}"#);
        let text = FileSecrets::open(&path).unwrap_err().to_string();
        assert!(!text.contains("hunter2"), "{text}");

        let path = write(&dir, r#"{"genesys": {"client_secret": "hunter2""#);
        let text = FileSecrets::open(&path).unwrap_err().to_string();
        assert!(text.contains("not valid json"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
    }

    #[tokio::test]
    async fn static_secrets_count_reads_and_invalidations() {
        let secrets = StaticSecrets::new().with("s", &[("k", "v")]);
        assert_eq!(
            secrets
                .fields("s")
                .await
                .unwrap()
                .get("s", "k")
                .unwrap()
                .expose(),
            "v"
        );
        secrets.invalidate("s").await;
        assert_eq!((secrets.reads(), secrets.invalidations()), (1, 1));
        assert!(!format!("{secrets:?}").contains("\"v\""));
    }
}
