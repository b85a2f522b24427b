//! The AWS SDK's HTTPS client, with the roots it trusts chosen here.
//!
//! By default the SDK's client loads the platform's whole root store at every cold start: every
//! file of `/etc/ssl/certs` (or Amazon Linux's bundles) read and PEM-decoded, which the bench
//! measured at half of validate-session's and initiate's init CPU (`lambda-bench`,
//! docs/src/project/tuning.md). These functions' SDK clients only ever talk to AWS service endpoints
//! (Secrets Manager, DynamoDB), whose certificates all chain to the Amazon Trust Services roots,
//! so the client trusts exactly those, compiled in (`shared/certs/amazon-trust-services.pem`,
//! five certificates): less work at every cold start and a narrower trust than the 140-odd roots
//! of the platform.
//!
//! `AWS_CA_BUNDLE` (the name the other AWS SDKs and the CLI use) replaces them with the PEM
//! bundle at that path: for an HTTPS endpoint of another issuer set with `AWS_ENDPOINT_URL` (a
//! local emulator), or a TLS-inspecting proxy. The bundle is checked at init, so a bad one fails
//! the cold start with a message naming the path, never later inside the SDK. See [`crate::tls`]
//! for the other clients' roots.
//!
//! Everything else is the SDK's default client: rustls on aws-lc-rs, the SDK's connector
//! settings and sleep, proxy settings from the environment.

use std::path::Path;

use aws_smithy_http_client::tls::rustls_provider::CryptoMode;
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore};
use aws_smithy_http_client::{ConnectorBuilder, proxy::ProxyConfig};
use aws_smithy_runtime_api::client::http::SharedHttpClient;

use crate::env::EnvSource;
pub use crate::tls::TlsRootsError;
use crate::tls::{bundle_from_env, parse_bundle};

/// The Amazon Trust Services roots (Amazon Root CA 1–4, Starfield Services Root CA G2).
pub const AMAZON_TRUST_SERVICES_PEM: &str = include_str!("../../certs/amazon-trust-services.pem");

/// Environment variable naming a PEM bundle that replaces the compiled-in roots.
pub const CA_BUNDLE_VAR: &str = "AWS_CA_BUNDLE";

/// The roots the SDK's client trusts.
#[derive(Debug, Clone)]
pub struct AwsRoots {
    pem: Vec<u8>,
    count: usize,
}

impl AwsRoots {
    /// The compiled-in Amazon Trust Services roots.
    pub fn amazon_trust_services() -> Result<Self, TlsRootsError> {
        Self::from_pem(
            AMAZON_TRUST_SERVICES_PEM.as_bytes().to_vec(),
            "compiled-in",
            Path::new("shared/certs/amazon-trust-services.pem"),
        )
    }

    /// `AWS_CA_BUNDLE` when set (and not blank), else the compiled-in roots.
    pub fn from_env(env: &(impl EnvSource + ?Sized)) -> Result<Self, TlsRootsError> {
        match bundle_from_env(env, CA_BUNDLE_VAR)? {
            Some((pem, path)) => Self::from_pem(pem, CA_BUNDLE_VAR, &path),
            None => Self::amazon_trust_services(),
        }
    }

    /// Checks every certificate the way the SDK's client will use it (the client panics on a
    /// certificate it cannot parse, so nothing unparsed may reach it).
    fn from_pem(pem: Vec<u8>, var: &'static str, path: &Path) -> Result<Self, TlsRootsError> {
        let count = parse_bundle(&pem, var, path)?.len();
        Ok(Self { pem, count })
    }

    /// How many roots.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Never true: an empty bundle is refused.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The SDK's default HTTPS client (rustls on aws-lc-rs, proxy settings from the
    /// environment), trusting only these roots.
    pub fn https_client(&self) -> Result<SharedHttpClient, TlsRootsError> {
        let context = TlsContext::builder()
            .with_trust_store(
                TrustStore::empty()
                    .with_native_roots(false)
                    .with_pem_certificate(self.pem.clone()),
            )
            .build()
            .map_err(|e| TlsRootsError::Context(e.to_string()))?;
        Ok(
            aws_smithy_http_client::Builder::new().build_with_connector_fn(
                move |settings, components| {
                    let mut builder = ConnectorBuilder::default()
                        .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc))
                        .tls_context(context.clone());
                    builder.set_connector_settings(settings.cloned());
                    if let Some(components) = components {
                        builder.set_sleep_impl(components.sleep_impl());
                    }
                    builder.set_proxy_config(Some(ProxyConfig::from_env()));
                    builder.build()
                },
            ),
        )
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn the_compiled_in_roots_are_the_five_amazon_trust_services_roots() {
        let roots = AwsRoots::amazon_trust_services().unwrap();
        assert_eq!(roots.len(), 5);
        for name in [
            "Amazon Root CA 1",
            "Amazon Root CA 2",
            "Amazon Root CA 3",
            "Amazon Root CA 4",
            "Starfield Services Root Certificate Authority - G2",
        ] {
            assert!(AMAZON_TRUST_SERVICES_PEM.contains(name), "{name}");
        }
    }

    #[test]
    fn without_a_bundle_the_compiled_in_roots_are_used() {
        let env = BTreeMap::from([(CA_BUNDLE_VAR.to_owned(), " ".to_owned())]);
        assert_eq!(AwsRoots::from_env(&env).unwrap().len(), 5);
        assert_eq!(
            AwsRoots::from_env(&BTreeMap::<String, String>::new())
                .unwrap()
                .len(),
            5
        );
    }

    #[test]
    fn a_bundle_replaces_the_compiled_in_roots() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bundle.pem");
        let one = AMAZON_TRUST_SERVICES_PEM
            .split_inclusive("-----END CERTIFICATE-----\n")
            .next()
            .unwrap();
        std::fs::write(&path, one).unwrap();
        let env = BTreeMap::from([(CA_BUNDLE_VAR.to_owned(), path.display().to_string())]);
        assert_eq!(AwsRoots::from_env(&env).unwrap().len(), 1);
    }

    #[test]
    fn a_bad_bundle_fails_with_its_path_and_without_its_content() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.pem");
        let env = BTreeMap::from([(CA_BUNDLE_VAR.to_owned(), missing.display().to_string())]);
        let e = AwsRoots::from_env(&env).unwrap_err();
        assert!(matches!(e, TlsRootsError::Read { .. }));
        assert!(e.to_string().contains("missing.pem"), "{e}");
        assert!(e.to_string().contains(CA_BUNDLE_VAR), "{e}");

        for (name, content) in [
            ("empty.pem", "".to_owned()),
            (
                "text.pem",
                "secret-looking text, not a certificate\n".to_owned(),
            ),
            (
                "broken.pem",
                "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n"
                    .to_owned(),
            ),
        ] {
            let path = dir.path().join(name);
            std::fs::write(&path, &content).unwrap();
            let env = BTreeMap::from([(CA_BUNDLE_VAR.to_owned(), path.display().to_string())]);
            let e = AwsRoots::from_env(&env).unwrap_err();
            assert!(matches!(e, TlsRootsError::Invalid { .. }), "{name}: {e}");
            assert!(e.to_string().contains(name), "{e}");
            assert!(!e.to_string().contains("secret-looking"), "{e}");
        }
    }
}
