//! A dev identity provider on loopback HTTP and a verifier pointed at it, for the verifier suites.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use genesys_sandbox::idp::{self, Algorithm, DevIdp};
use secure_initiation::ports::{Clock, ManualClock};
use secure_initiation::session::{AuthError, HttpJwksSource, SessionVerifier, VerifierConfig};
use serde_json::{Value, json};
use url::Url;

pub struct Fixture {
    pub idp: Arc<DevIdp>,
    pub clock: ManualClock,
    pub jwks_url: Url,
}

impl Fixture {
    pub async fn start() -> Self {
        let idp = Arc::new(DevIdp::with_defaults().unwrap());
        let address = idp::spawn(Arc::clone(&idp)).await.unwrap();
        let jwks_url = Url::parse(&format!("http://{address}/.well-known/jwks.json")).unwrap();
        Self {
            idp,
            clock: ManualClock::from_system(),
            jwks_url,
        }
    }

    /// The dev provider's settings; its JWKS is plain HTTP on loopback, which only the local
    /// stack's verifier accepts.
    pub fn config(&self) -> VerifierConfig {
        let mut config = VerifierConfig::new(
            self.jwks_url.clone(),
            self.idp.issuer(),
            self.idp.audience(),
        );
        config.allow_loopback_http_jwks = true;
        config
    }

    pub fn verifier_with(&self, config: VerifierConfig) -> SessionVerifier {
        let source = Arc::new(HttpJwksSource::new(Duration::from_secs(5)).unwrap());
        SessionVerifier::new(config, source, Arc::new(self.clock.clone())).unwrap()
    }

    pub fn verifier(&self) -> SessionVerifier {
        self.verifier_with(self.config())
    }

    pub fn now(&self) -> i64 {
        self.clock.now_secs()
    }

    pub fn token(&self, edits: Value, alg: Algorithm) -> String {
        let Value::Object(mut claims) = json!({ "sub": "user-1" }) else {
            unreachable!()
        };
        if let Value::Object(edits) = edits {
            claims.extend(edits);
        }
        self.idp.sign(&claims, alg).unwrap()
    }
}

/// Asserts `token` is refused and that the error never shows the token.
pub async fn refused(verifier: &SessionVerifier, token: &str) -> AuthError {
    let err = verifier
        .verify(token)
        .await
        .expect_err("token must be refused");
    assert!(!err.to_string().contains(token));
    assert!(!format!("{err:?}").contains(token));
    err
}

pub fn segments(token: &str) -> (String, String, String) {
    let mut parts = token.split('.').map(str::to_owned);
    (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    )
}

pub fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap())
}
