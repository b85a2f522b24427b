//! Where the identity provider's public keys come from: a [`JwksSource`] port (HTTP in
//! production, in memory in tests), and which key may verify which algorithm. The per-container
//! cache in front of the source is `key_cache`.

use std::fmt::Debug;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use jsonwebtoken::Algorithm;
use jsonwebtoken::jwk::{
    AlgorithmParameters, EllipticCurve, Jwk, JwkSet, KeyOperations, PublicKeyUse,
};
use url::Url;

use super::error::JwksError;
use crate::tls::WebRoots;

/// The largest JWKS document accepted; real ones are a few KiB.
pub const MAX_JWKS_BYTES: usize = 64 * 1024;

/// A fetched key set: each key with the issuer it is scoped to, when the key set names one
/// (Microsoft Entra's keys documents give every key an `issuer`, possibly with `{tenantid}`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KeySet {
    keys: Vec<(Jwk, Option<String>)>,
}

impl KeySet {
    /// The keys, in published order.
    pub fn keys(&self) -> impl Iterator<Item = &Jwk> {
        self.keys.iter().map(|(k, _)| k)
    }

    /// The keys with the issuer each is scoped to.
    pub(crate) fn scoped(&self) -> impl Iterator<Item = (&Jwk, Option<&str>)> {
        self.keys.iter().map(|(k, i)| (k, i.as_deref()))
    }

    /// How many keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

impl From<JwkSet> for KeySet {
    fn from(set: JwkSet) -> Self {
        Self {
            keys: set.keys.into_iter().map(|k| (k, None)).collect(),
        }
    }
}

/// Fetches the identity provider's key set.
#[async_trait]
pub trait JwksSource: Send + Sync + Debug {
    /// The current key set at `url`.
    async fn fetch(&self, url: &Url) -> Result<KeySet, JwksError>;
}

/// Parses a JWKS document, dropping keys this library cannot represent instead of refusing the
/// whole set (an IdP may publish encryption keys or newer key types beside its signing keys).
/// A key's `issuer` member is kept when it is a string.
pub fn parse_jwks(body: &[u8]) -> Result<KeySet, JwksError> {
    #[derive(serde::Deserialize)]
    struct RawSet {
        keys: Vec<serde_json::Value>,
    }
    let raw: RawSet = serde_json::from_slice(body).map_err(JwksError::Json)?;
    let keys = raw
        .keys
        .into_iter()
        .filter_map(|k| {
            let issuer = k.get("issuer").and_then(|i| i.as_str()).map(str::to_owned);
            serde_json::from_value::<Jwk>(k)
                .ok()
                .map(|jwk| (jwk, issuer))
        })
        .collect();
    Ok(KeySet { keys })
}

/// Fetches the key set over HTTPS with reqwest: bounded time, bounded size, no redirects.
#[derive(Debug, Clone)]
pub struct HttpJwksSource {
    client: reqwest::Client,
}

impl HttpJwksSource {
    /// Builds its own client with a `timeout` for the whole request, trusting this process's
    /// roots ([`crate::tls::http_client_builder`]).
    pub fn new(timeout: Duration) -> Result<Self, JwksError> {
        Self::from_builder(crate::tls::http_client_builder(), timeout)
    }

    /// Builds its own client with a `timeout`, trusting exactly `roots` (the cold start passes
    /// the roots its environment names, so a test environment can name its own authority).
    pub fn with_roots(roots: &WebRoots, timeout: Duration) -> Result<Self, JwksError> {
        Self::from_builder(roots.client_builder(), timeout)
    }

    fn from_builder(
        builder: Result<reqwest::ClientBuilder, crate::tls::TlsRootsError>,
        timeout: Duration,
    ) -> Result<Self, JwksError> {
        let client = builder
            .map_err(JwksError::Tls)?
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(JwksError::Http)?;
        Ok(Self { client })
    }

    /// Uses a shared client (its timeouts and redirect policy apply).
    pub fn with_client(client: reqwest::Client) -> Self {
        Self { client }
    }
}

#[async_trait]
impl JwksSource for HttpJwksSource {
    #[tracing::instrument(name = "jwks_fetch", skip_all, fields(url = %url))]
    async fn fetch(&self, url: &Url) -> Result<KeySet, JwksError> {
        let mut response = self
            .client
            .get(url.clone())
            .header(http::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(JwksError::Http)?;
        if !response.status().is_success() {
            return Err(JwksError::Status(response.status().as_u16()));
        }
        if response
            .content_length()
            .is_some_and(|len| len > MAX_JWKS_BYTES as u64)
        {
            return Err(JwksError::TooLarge {
                max: MAX_JWKS_BYTES,
            });
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(JwksError::Http)? {
            if body.len() + chunk.len() > MAX_JWKS_BYTES {
                return Err(JwksError::TooLarge {
                    max: MAX_JWKS_BYTES,
                });
            }
            body.extend_from_slice(&chunk);
        }
        parse_jwks(&body)
    }
}

/// An in-memory key set for tests and the local stack; counts fetches and can be made to fail.
#[derive(Debug, Default)]
pub struct StaticJwksSource {
    state: Mutex<(Option<KeySet>, u64)>,
}

impl StaticJwksSource {
    /// Serves `keys`.
    pub fn new(keys: impl Into<KeySet>) -> Self {
        Self {
            state: Mutex::new((Some(keys.into()), 0)),
        }
    }

    /// Replaces the served key set (`None`: every fetch fails).
    pub fn set(&self, keys: Option<JwkSet>) {
        self.lock().0 = keys.map(KeySet::from);
    }

    /// How many fetches were made.
    pub fn fetch_count(&self) -> u64 {
        self.lock().1
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (Option<KeySet>, u64)> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl JwksSource for StaticJwksSource {
    async fn fetch(&self, _url: &Url) -> Result<KeySet, JwksError> {
        let mut state = self.lock();
        state.1 += 1;
        state.0.clone().ok_or(JwksError::Unavailable)
    }
}

/// Whether `jwk` may verify a signature made with `alg`: the key's type and curve must fit the
/// algorithm, and its optional `alg`, `use` and `key_ops` must not say otherwise.
pub fn key_usable(jwk: &Jwk, alg: Algorithm) -> bool {
    if let Some(key_alg) = jwk.common.key_algorithm
        && key_alg != alg.into()
    {
        return false;
    }
    if let Some(usage) = &jwk.common.public_key_use
        && *usage != PublicKeyUse::Signature
    {
        return false;
    }
    if let Some(ops) = &jwk.common.key_operations
        && !ops.contains(&KeyOperations::Verify)
    {
        return false;
    }
    match (&jwk.algorithm, alg) {
        (
            AlgorithmParameters::RSA(rsa),
            Algorithm::RS256
            | Algorithm::RS384
            | Algorithm::RS512
            | Algorithm::PS256
            | Algorithm::PS384
            | Algorithm::PS512,
        ) => rsa_modulus_bits(&rsa.n).is_some_and(|bits| bits >= 2048),
        (AlgorithmParameters::EllipticCurve(ec), Algorithm::ES256) => {
            ec.curve == EllipticCurve::P256
        }
        (AlgorithmParameters::EllipticCurve(ec), Algorithm::ES384) => {
            ec.curve == EllipticCurve::P384
        }
        (AlgorithmParameters::OctetKeyPair(okp), Algorithm::EdDSA) => {
            okp.curve == EllipticCurve::Ed25519
        }
        _ => false,
    }
}

fn rsa_modulus_bits(n: &str) -> Option<usize> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(n.trim_end_matches('='))
        .ok()?;
    let first = bytes.iter().position(|b| *b != 0)?;
    let lead = bytes[first];
    Some((bytes.len() - first - 1) * 8 + (8 - lead.leading_zeros() as usize))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn rsa_modulus_bits_counts_significant_bits() {
        use base64::Engine;
        let enc = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
        let mut n = vec![0x80u8];
        n.extend(std::iter::repeat_n(0xff, 255));
        assert_eq!(rsa_modulus_bits(&enc(&n)), Some(2048));
        let mut short = vec![0x00u8, 0x7f];
        short.extend(std::iter::repeat_n(0xff, 255));
        assert_eq!(rsa_modulus_bits(&enc(&short)), Some(2047));
    }

    #[test]
    fn a_jwks_with_an_unparsable_key_keeps_the_others() {
        let body = br#"{"keys":[
            {"kty":"EC","crv":"P-256","kid":"a","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"},
            {"kty":"EC","kid":7},
            "junk",
            {"kty":"EC","crv":17}
        ]}"#;
        let set = parse_jwks(body).unwrap();
        let keys: Vec<&Jwk> = set.keys().collect();
        // The key with a numeric `kid` and the string are dropped; the odd EC key is kept as an
        // unknown key type, which no algorithm may use.
        assert_eq!(keys.len(), 2);
        assert!(!key_usable(keys[1], Algorithm::ES256));
        assert!(key_usable(keys[0], Algorithm::ES256));
        assert!(!key_usable(keys[0], Algorithm::RS256));
        assert!(!key_usable(keys[0], Algorithm::ES384));
        assert!(!key_usable(keys[0], Algorithm::HS256));
    }

    #[test]
    fn a_keys_issuer_is_kept_when_it_is_a_string() {
        let body = br#"{"keys":[
            {"kty":"EC","crv":"P-256","kid":"a","issuer":"https://login.microsoftonline.com/{tenantid}/v2.0","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"},
            {"kty":"EC","crv":"P-256","kid":"b","issuer":7,"x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}
        ]}"#;
        let set = parse_jwks(body).unwrap();
        let issuers: Vec<Option<&str>> = set.scoped().map(|(_, i)| i).collect();
        assert_eq!(
            issuers,
            [
                Some("https://login.microsoftonline.com/{tenantid}/v2.0"),
                None
            ]
        );
    }

    #[test]
    fn a_key_whose_alg_or_use_disagrees_is_not_usable() {
        let jwk = |extra: &str| -> Jwk {
            serde_json::from_str(&format!(
                r#"{{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"{extra}}}"#
            ))
            .unwrap()
        };
        assert!(key_usable(
            &jwk(r#","alg":"ES256","use":"sig""#),
            Algorithm::ES256
        ));
        assert!(!key_usable(&jwk(r#","alg":"ES384""#), Algorithm::ES256));
        assert!(!key_usable(&jwk(r#","use":"enc""#), Algorithm::ES256));
        assert!(!key_usable(
            &jwk(r#","key_ops":["sign"]"#),
            Algorithm::ES256
        ));
        assert!(key_usable(
            &jwk(r#","key_ops":["verify"]"#),
            Algorithm::ES256
        ));
    }
}
