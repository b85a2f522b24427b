//! A development identity provider: real ES256 (P-256) and RS256 (2048-bit) key pairs generated
//! at start, a JWKS endpoint and a `/dev/login` that signs session JWTs.
//!
//! Its tokens look like the common case of real providers (Cognito, Auth0, Okta, Keycloak,
//! Firebase, Google): `iss`, a string `aud`, `sub`, `iat` and `exp`, and **no `nbf`**, so the
//! suites run against what sites actually send (`docs/src/web/identity-providers.md`).
//!
//! **Development and tests only.** It signs a token for any `sub` it is asked for, and it hands
//! out its signing material ([`DevIdp::public_key_pem`], [`DevIdp::sign_raw`]) so attack tests can
//! forge exactly the tokens an attacker could. Never deploy it.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der};
use aws_lc_rs::rsa::{KeyPair as RsaKeyPair, KeySize};
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
pub use jsonwebtoken::Algorithm;
use jsonwebtoken::jwk::{Jwk, JwkSet, PublicKeyUse};
use jsonwebtoken::{EncodingKey, Header};
use serde_json::{Map, Value, json};

/// Default issuer of the dev IdP's tokens.
pub const DEV_ISSUER: &str = "https://idp.dev.invalid/";
/// Default audience of the dev IdP's tokens.
pub const DEV_AUDIENCE: &str = "secure-initiation-dev";
/// Default token lifetime in seconds.
pub const DEV_TOKEN_TTL_SECS: i64 = 300;

/// Why the dev IdP could not generate a key or sign.
#[derive(Debug, thiserror::Error)]
pub enum IdpError {
    /// aws-lc refused to generate or export a key.
    #[error("key generation failed")]
    Crypto(#[source] aws_lc_rs::error::Unspecified),
    /// The JWT library refused to sign.
    #[error("signing failed")]
    Jwt(#[source] jsonwebtoken::errors::Error),
    /// Only ES256 and RS256 keys exist here.
    #[error("no dev key for algorithm `{0:?}`")]
    NoKey(Algorithm),
    /// JSON encoding failed.
    #[error("claims or header are not serialisable")]
    Json(#[source] serde_json::Error),
}

/// One signing key with its published form.
#[derive(Debug, Clone)]
struct DevKey {
    kid: String,
    alg: Algorithm,
    encoding: EncodingKey,
    public_der: Vec<u8>,
    jwk: Jwk,
}

impl DevKey {
    fn generate(alg: Algorithm, kid: String) -> Result<Self, IdpError> {
        let (encoding, public_der) = match alg {
            Algorithm::ES256 => {
                let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING)
                    .map_err(IdpError::Crypto)?;
                let pkcs8 = pair.to_pkcs8v1().map_err(IdpError::Crypto)?;
                let public = pair.public_key().as_der().map_err(IdpError::Crypto)?;
                (
                    EncodingKey::from_ec_der(pkcs8.as_ref()),
                    public.as_ref().to_vec(),
                )
            }
            Algorithm::RS256 => {
                let pair = RsaKeyPair::generate(KeySize::Rsa2048).map_err(IdpError::Crypto)?;
                let pkcs8: Pkcs8V1Der<'_> = pair.as_der().map_err(IdpError::Crypto)?;
                let pem = pem("PRIVATE KEY", pkcs8.as_ref());
                let public = pair.public_key().as_der().map_err(IdpError::Crypto)?;
                (
                    EncodingKey::from_rsa_pem(pem.as_bytes()).map_err(IdpError::Jwt)?,
                    public.as_ref().to_vec(),
                )
            }
            other => return Err(IdpError::NoKey(other)),
        };
        let mut jwk = Jwk::from_encoding_key(&encoding, alg).map_err(IdpError::Jwt)?;
        jwk.common.key_id = Some(kid.clone());
        jwk.common.public_key_use = Some(PublicKeyUse::Signature);
        Ok(Self {
            kid,
            alg,
            encoding,
            public_der,
            jwk,
        })
    }
}

/// Where the dev IdP reads the time: Unix seconds. The local stack passes its movable clock, so
/// `iat`/`exp` agree with the verifier's clock after `/dev/clock` moves it.
pub type NowSecs = Arc<dyn Fn() -> i64 + Send + Sync>;

/// The dev identity provider. Share it as `Arc<DevIdp>`.
pub struct DevIdp {
    issuer: String,
    audience: String,
    token_ttl_secs: i64,
    now: NowSecs,
    /// All published keys; the last one of each algorithm signs.
    keys: RwLock<Vec<DevKey>>,
    generation: AtomicU64,
    jwks_fetches: AtomicU64,
    jwks_available: AtomicBool,
}

impl DevIdp {
    /// Generates one ES256 and one RS256 key pair.
    pub fn new(issuer: impl Into<String>, audience: impl Into<String>) -> Result<Self, IdpError> {
        let keys = vec![
            DevKey::generate(Algorithm::ES256, "dev-es256-1".to_owned())?,
            DevKey::generate(Algorithm::RS256, "dev-rs256-1".to_owned())?,
        ];
        Ok(Self {
            issuer: issuer.into(),
            audience: audience.into(),
            token_ttl_secs: DEV_TOKEN_TTL_SECS,
            now: Arc::new(system_now_secs),
            keys: RwLock::new(keys),
            generation: AtomicU64::new(1),
            jwks_fetches: AtomicU64::new(0),
            jwks_available: AtomicBool::new(true),
        })
    }

    /// With [`DEV_ISSUER`] and [`DEV_AUDIENCE`].
    pub fn with_defaults() -> Result<Self, IdpError> {
        Self::new(DEV_ISSUER, DEV_AUDIENCE)
    }

    /// Stamps `iat` and `exp` with `now` instead of the system clock.
    #[must_use]
    pub fn with_clock(mut self, now: NowSecs) -> Self {
        self.now = now;
        self
    }

    /// The `iss` of its tokens.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The `aud` of its tokens.
    pub fn audience(&self) -> &str {
        &self.audience
    }

    fn keys(&self) -> std::sync::RwLockReadGuard<'_, Vec<DevKey>> {
        self.keys.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn current(&self, alg: Algorithm) -> Result<DevKey, IdpError> {
        self.keys()
            .iter()
            .rev()
            .find(|k| k.alg == alg)
            .cloned()
            .ok_or(IdpError::NoKey(alg))
    }

    /// The key set as published.
    pub fn jwks(&self) -> JwkSet {
        JwkSet {
            keys: self.keys().iter().map(|k| k.jwk.clone()).collect(),
        }
    }

    /// The key set as JSON (`{"keys": [...]}`).
    pub fn jwks_json(&self) -> Value {
        serde_json::to_value(self.jwks()).unwrap_or_else(|_| json!({ "keys": [] }))
    }

    /// The `kid` that currently signs `alg`.
    pub fn kid(&self, alg: Algorithm) -> Result<String, IdpError> {
        Ok(self.current(alg)?.kid)
    }

    /// Adds a fresh key for `alg` (keeping the old one published, as a real rotation does) and
    /// signs with it from now on; returns its `kid`.
    pub fn rotate(&self, alg: Algorithm) -> Result<String, IdpError> {
        let n = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        let prefix = if alg == Algorithm::ES256 {
            "es256"
        } else {
            "rs256"
        };
        let key = DevKey::generate(alg, format!("dev-{prefix}-{n}"))?;
        let kid = key.kid.clone();
        self.keys
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .push(key);
        Ok(kid)
    }

    /// The current public key of `alg` as SubjectPublicKeyInfo DER (dev-only attack material).
    pub fn public_key_der(&self, alg: Algorithm) -> Result<Vec<u8>, IdpError> {
        Ok(self.current(alg)?.public_der)
    }

    /// The current public key of `alg` as PEM `PUBLIC KEY` (the classic HS256 key-confusion
    /// attack signs with exactly these bytes as the HMAC secret).
    pub fn public_key_pem(&self, alg: Algorithm) -> Result<String, IdpError> {
        Ok(pem("PUBLIC KEY", &self.current(alg)?.public_der))
    }

    /// Signs `claims` with the current key of `alg` and `kid` in the header. `iss`, `aud`,
    /// `iat` and `exp` are filled in where absent (now, now + TTL); a claim given as `null` is
    /// left out, so tests can build tokens missing any claim. No `nbf`, as most providers.
    pub fn sign(&self, claims: &Map<String, Value>, alg: Algorithm) -> Result<String, IdpError> {
        let key = self.current(alg)?;
        let now = (self.now)();
        let mut full = Map::new();
        full.insert("iss".into(), json!(self.issuer));
        full.insert("aud".into(), json!(self.audience));
        full.insert("iat".into(), json!(now));
        full.insert("exp".into(), json!(now + self.token_ttl_secs));
        for (name, value) in claims {
            full.insert(name.clone(), value.clone());
        }
        full.retain(|_, v| !v.is_null());
        let mut header = Header::new(alg);
        header.kid = Some(key.kid.clone());
        jsonwebtoken::encode(&header, &full, &key.encoding).map_err(IdpError::Jwt)
    }

    /// A session token as `/dev/login` issues it (ES256).
    pub fn login_token(
        &self,
        sub: &str,
        tier: Option<i64>,
        geo: Option<&str>,
    ) -> Result<String, IdpError> {
        let mut claims = Map::new();
        claims.insert("sub".into(), json!(sub));
        if let Some(tier) = tier {
            claims.insert("tier".into(), json!(tier));
        }
        if let Some(geo) = geo {
            claims.insert("geo".into(), json!(geo));
        }
        self.sign(&claims, Algorithm::ES256)
    }

    /// Signs an arbitrary header and claims, byte for byte as given, with the current key of
    /// `key_alg` using that algorithm, whatever the header says (dev-only: lets attack tests put
    /// a lying `alg`, a foreign `kid`, `jku` or `jwk` in the header).
    pub fn sign_raw(
        &self,
        header: &Value,
        claims: &Value,
        key_alg: Algorithm,
    ) -> Result<String, IdpError> {
        let key = self.current(key_alg)?;
        let message = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(header).map_err(IdpError::Json)?),
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).map_err(IdpError::Json)?)
        );
        let signature = jsonwebtoken::crypto::sign(message.as_bytes(), &key.encoding, key_alg)
            .map_err(IdpError::Jwt)?;
        Ok(format!("{message}.{signature}"))
    }

    /// Standard claims for `sub` as [`DevIdp::sign`] would fill them, for tests to edit.
    pub fn claims_for(&self, sub: &str) -> Map<String, Value> {
        let now = (self.now)();
        let mut claims = Map::new();
        claims.insert("sub".into(), json!(sub));
        claims.insert("iss".into(), json!(self.issuer));
        claims.insert("aud".into(), json!(self.audience));
        claims.insert("iat".into(), json!(now));
        claims.insert("exp".into(), json!(now + self.token_ttl_secs));
        claims
    }

    /// How many times the JWKS endpoint was called.
    pub fn jwks_fetch_count(&self) -> u64 {
        self.jwks_fetches.load(Ordering::SeqCst)
    }

    /// Makes the JWKS endpoint answer 503 (`false`) or serve keys again (`true`).
    pub fn set_jwks_available(&self, available: bool) {
        self.jwks_available.store(available, Ordering::SeqCst);
    }

    /// `GET /dev/login?sub=..&tier=..&geo=..` and `GET /.well-known/jwks.json`.
    pub fn router(self: &Arc<Self>) -> Router {
        Router::new()
            .route("/dev/login", get(login))
            .route("/.well-known/jwks.json", get(jwks))
            .with_state(Arc::clone(self))
    }
}

/// Serves the IdP's router on a free loopback port; returns its address.
pub async fn spawn(idp: Arc<DevIdp>) -> std::io::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let app = idp.router();
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, app).await {
            tracing::error!(%error, "dev idp stopped");
        }
    });
    Ok(address)
}

#[derive(Debug, serde::Deserialize)]
struct LoginQuery {
    sub: Option<String>,
    tier: Option<i64>,
    geo: Option<String>,
}

async fn login(State(idp): State<Arc<DevIdp>>, Query(q): Query<LoginQuery>) -> Response {
    let Some(sub) = q.sub.filter(|s| !s.trim().is_empty()) else {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({ "error": "`sub` is required" })),
        )
            .into_response();
    };
    match idp.login_token(&sub, q.tier, q.geo.as_deref()) {
        Ok(token) => (
            [(header::CACHE_CONTROL, "no-store")],
            axum::Json(json!({ "token": token })),
        )
            .into_response(),
        Err(error) => {
            tracing::error!(%error, "dev idp could not sign");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

async fn jwks(State(idp): State<Arc<DevIdp>>) -> Response {
    idp.jwks_fetches.fetch_add(1, Ordering::SeqCst);
    if !idp.jwks_available.load(Ordering::SeqCst) {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    axum::Json(idp.jwks_json()).into_response()
}

fn pem(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in body.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

fn system_now_secs() -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(now.as_secs()).unwrap_or(i64::MAX)
}

impl std::fmt::Debug for DevIdp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevIdp")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("token_ttl_secs", &self.token_ttl_secs)
            .field("keys", &self.keys().len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_stamped_with_the_clock_it_is_given() {
        let idp = DevIdp::with_defaults()
            .unwrap()
            .with_clock(Arc::new(|| 2_000_000_000));
        let token = idp.login_token("user-1", Some(2), None).unwrap();
        let claims: Map<String, Value> =
            jsonwebtoken::dangerous::insecure_decode_claims(&token).unwrap();
        assert_eq!(claims["iat"], 2_000_000_000);
        assert_eq!(claims["exp"], 2_000_000_000 + DEV_TOKEN_TTL_SECS);
        assert_eq!(idp.claims_for("user-1")["iat"], 2_000_000_000);
    }

    #[test]
    fn it_publishes_one_es256_and_one_rs256_signing_key() {
        let idp = DevIdp::with_defaults().unwrap();
        let jwks = idp.jwks_json();
        let keys = jwks["keys"].as_array().unwrap();
        assert_eq!(keys.len(), 2);
        assert_eq!(keys[0]["kty"], "EC");
        assert_eq!(keys[0]["crv"], "P-256");
        assert_eq!(keys[0]["alg"], "ES256");
        assert_eq!(keys[0]["use"], "sig");
        assert_eq!(keys[1]["kty"], "RSA");
        assert_eq!(keys[1]["alg"], "RS256");
        // 2048-bit modulus: 256 bytes, 342 base64url characters.
        assert_eq!(keys[1]["n"].as_str().unwrap().len(), 342);
        assert!(
            keys.iter().all(|k| k.get("d").is_none()),
            "no private parts"
        );
    }

    #[test]
    fn a_public_key_pem_is_spki() {
        let idp = DevIdp::with_defaults().unwrap();
        let pem = idp.public_key_pem(Algorithm::RS256).unwrap();
        assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----\n"));
        assert!(pem.ends_with("-----END PUBLIC KEY-----\n"));
    }

    #[test]
    fn signed_tokens_carry_kid_and_the_standard_claims() {
        let idp = DevIdp::with_defaults().unwrap();
        let token = idp.login_token("user-1", Some(2), Some("na-east")).unwrap();
        let header = jsonwebtoken::decode_header(&token).unwrap();
        assert_eq!(header.alg, Algorithm::ES256);
        assert_eq!(header.kid.as_deref(), Some("dev-es256-1"));
        let claims: Map<String, Value> =
            jsonwebtoken::dangerous::insecure_decode_claims(&token).unwrap();
        assert_eq!(claims["tier"], 2);
        assert_eq!(claims["geo"], "na-east");
        assert_eq!(claims["iss"], DEV_ISSUER);
        for name in ["aud", "iat", "exp"] {
            assert!(claims.contains_key(name), "{name}");
        }
        assert!(!claims.contains_key("nbf"), "no nbf, as most providers");
    }

    #[test]
    fn a_null_claim_is_left_out() {
        let idp = DevIdp::with_defaults().unwrap();
        let mut claims = idp.claims_for("user-1");
        claims.insert("exp".into(), Value::Null);
        let token = idp.sign(&claims, Algorithm::RS256).unwrap();
        let decoded: Map<String, Value> =
            jsonwebtoken::dangerous::insecure_decode_claims(&token).unwrap();
        assert!(!decoded.contains_key("exp"));
    }
}
