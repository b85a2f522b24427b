//! Which certificate authorities each HTTPS client trusts, decided once here.
//!
//! Left to their defaults, the AWS SDK's client and every `reqwest` client parse the platform's
//! whole root store when they are built: every file of `/etc/ssl/certs` (on Amazon Linux, the
//! PEM bundles) read and decoded again for each client. `lambda-bench` measured that at half of
//! the init CPU of validate-session and initiate (docs/src/project/tuning.md), i.e. tens of
//! milliseconds of a 128 MB function's cold start. So the roots are compiled in, already
//! parsed:
//!
//! - **AWS SDK** (Secrets Manager, DynamoDB; [`crate::adapters::aws_http`]): the five Amazon
//!   Trust Services roots, to which every AWS service endpoint's certificate chains;
//!   `AWS_CA_BUNDLE` (the variable the other AWS SDKs and the CLI read) replaces them.
//! - **Everything else** (the identity provider's JWKS, Genesys Cloud, the risk scorer;
//!   [`http_client_builder`]): Mozilla's root program (`webpki-roots`), the same authorities
//!   the platform bundles are built from; `SSL_CERT_FILE` (OpenSSL's variable) replaces them,
//!   e.g. for an identity provider behind a private certificate authority.
//!
//! A bundle named by either variable is checked at init: a bad one fails the cold start with a
//! message naming the variable and path (never the content), not a later request.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject as _;

use crate::env::{EnvSource, ProcessEnv};

/// OpenSSL's variable: a PEM bundle replacing the compiled-in roots of the non-AWS clients.
pub const SSL_CERT_FILE_VAR: &str = "SSL_CERT_FILE";

/// Why a root bundle cannot be used. Names the variable and path, never the content.
#[derive(Debug, Clone, thiserror::Error)]
pub enum TlsRootsError {
    /// The bundle could not be read.
    #[error("`{var}` = `{path}`: cannot read it: {reason}")]
    Read {
        /// The variable that named it.
        var: &'static str,
        path: PathBuf,
        /// Why (the operating system's message).
        reason: String,
    },
    /// The bundle is not PEM certificates a TLS client can trust.
    #[error("`{var}` = `{path}`: {reason}")]
    Invalid {
        /// The variable that named it (`compiled-in` for the embedded roots).
        var: &'static str,
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The TLS context could not be built.
    #[error("TLS context: {0}")]
    Context(String),
}

/// The PEM bundle named by `var`, if it is set and not blank.
pub(crate) fn bundle_from_env(
    env: &(impl EnvSource + ?Sized),
    var: &'static str,
) -> Result<Option<(Vec<u8>, PathBuf)>, TlsRootsError> {
    match env.var(var).filter(|v| !v.trim().is_empty()) {
        None => Ok(None),
        Some(path) => {
            let path = PathBuf::from(path);
            let pem = std::fs::read(&path).map_err(|e| TlsRootsError::Read {
                var,
                path: path.clone(),
                reason: e.to_string(),
            })?;
            Ok(Some((pem, path)))
        }
    }
}

/// Parses a PEM bundle into trust anchors; every certificate must be usable as one, and there
/// must be at least one.
pub(crate) fn parse_bundle(
    pem: &[u8],
    var: &'static str,
    path: &Path,
) -> Result<rustls::RootCertStore, TlsRootsError> {
    let invalid = |reason: String| TlsRootsError::Invalid {
        var,
        path: path.to_owned(),
        reason,
    };
    let mut store = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(pem) {
        let cert = cert.map_err(|e| invalid(format!("not PEM certificates: {e}")))?;
        store
            .add(cert)
            .map_err(|e| invalid(format!("a certificate cannot be a root: {e}")))?;
    }
    if store.is_empty() {
        return Err(invalid("no certificate in it".to_owned()));
    }
    Ok(store)
}

/// The roots of the non-AWS HTTPS clients.
#[derive(Debug, Clone)]
pub struct WebRoots {
    store: Arc<rustls::RootCertStore>,
}

impl WebRoots {
    /// Mozilla's root program, compiled in (no parsing at run time).
    pub fn mozilla() -> Self {
        Self {
            store: Arc::new(rustls::RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            }),
        }
    }

    /// The bundle at `SSL_CERT_FILE` when set (and not blank), else [`WebRoots::mozilla`].
    pub fn from_env(env: &(impl EnvSource + ?Sized)) -> Result<Self, TlsRootsError> {
        match bundle_from_env(env, SSL_CERT_FILE_VAR)? {
            None => Ok(Self::mozilla()),
            Some((pem, path)) => Self::from_pem(&pem, &path),
        }
    }

    /// Exactly the certificates of a PEM bundle (`path` only names it in errors).
    pub fn from_pem(pem: &[u8], path: &Path) -> Result<Self, TlsRootsError> {
        Ok(Self {
            store: Arc::new(parse_bundle(pem, SSL_CERT_FILE_VAR, path)?),
        })
    }

    /// How many roots.
    pub fn len(&self) -> usize {
        self.store.len()
    }

    /// Never true: an empty bundle is refused.
    pub fn is_empty(&self) -> bool {
        self.store.is_empty()
    }

    /// A client configuration trusting these roots: rustls on aws-lc-rs, its safe default
    /// protocol versions, no client certificate.
    pub fn client_config(&self) -> Result<rustls::ClientConfig, TlsRootsError> {
        Ok(rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsRootsError::Context(e.to_string()))?
        .with_root_certificates(self.store.clone())
        .with_no_client_auth())
    }

    /// A `reqwest` builder whose TLS trusts these roots.
    pub fn client_builder(&self) -> Result<reqwest::ClientBuilder, TlsRootsError> {
        Ok(reqwest::Client::builder().tls_backend_preconfigured(self.client_config()?))
    }
}

/// A `reqwest` builder trusting this process's [`WebRoots`] (`SSL_CERT_FILE` or Mozilla's),
/// decided once per process: every non-AWS client of a container shares one parsed root store.
pub fn http_client_builder() -> Result<reqwest::ClientBuilder, TlsRootsError> {
    static ROOTS: OnceLock<Result<WebRoots, TlsRootsError>> = OnceLock::new();
    ROOTS
        .get_or_init(|| WebRoots::from_env(&ProcessEnv))
        .clone()?
        .client_builder()
}

/// A client for one of the site's own endpoints (the risk scorer, the ownership check): this
/// process's roots, every request cut at `deadline`, no redirect followed.
pub fn site_client(
    deadline: std::time::Duration,
) -> Result<reqwest::Client, Box<dyn std::error::Error + Send + Sync>> {
    Ok(http_client_builder()?
        .timeout(deadline)
        .redirect(reqwest::redirect::Policy::none())
        .build()?)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    const ONE_ROOT: &str = include_str!("../certs/amazon-trust-services.pem");

    fn env(var: &str, value: &str) -> BTreeMap<String, String> {
        BTreeMap::from([(var.to_owned(), value.to_owned())])
    }

    #[test]
    fn the_default_is_mozillas_root_program() {
        let roots = WebRoots::from_env(&BTreeMap::<String, String>::new()).unwrap();
        assert!(roots.len() > 100, "{}", roots.len());
        assert_eq!(
            WebRoots::from_env(&env(SSL_CERT_FILE_VAR, "  "))
                .unwrap()
                .len(),
            roots.len()
        );
        roots.client_builder().unwrap().build().unwrap();
    }

    #[test]
    fn ssl_cert_file_replaces_the_compiled_in_roots() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bundle.pem");
        std::fs::write(&path, ONE_ROOT).unwrap();
        let roots = WebRoots::from_env(&env(SSL_CERT_FILE_VAR, &path.display().to_string()));
        assert_eq!(roots.unwrap().len(), 5);
    }

    #[test]
    fn a_bad_ssl_cert_file_fails_with_its_name_and_without_its_content() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.pem");
        let e = WebRoots::from_env(&env(SSL_CERT_FILE_VAR, &missing.display().to_string()))
            .unwrap_err();
        assert!(matches!(e, TlsRootsError::Read { .. }), "{e}");
        assert!(e.to_string().contains("SSL_CERT_FILE"), "{e}");
        assert!(e.to_string().contains("missing.pem"), "{e}");

        let path = dir.path().join("text.pem");
        std::fs::write(&path, "secret-looking text\n").unwrap();
        let e =
            WebRoots::from_env(&env(SSL_CERT_FILE_VAR, &path.display().to_string())).unwrap_err();
        assert!(matches!(e, TlsRootsError::Invalid { .. }), "{e}");
        assert!(!e.to_string().contains("secret-looking"), "{e}");
    }
}
