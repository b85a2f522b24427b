//! Which identity provider the local stack trusts.
//!
//! With `JWKS_URL`, `JWT_ISSUER` or `JWT_AUDIENCE` in its environment, the site's own: the
//! `JWKS_URL` and `JWT_*` variables are read by the functions' own configuration code
//! (`secure_initiation::config::verifier_config`), so tokens are verified exactly as a
//! deployment verifies them, against that provider only (an `http://` `JWKS_URL` on a loopback
//! host included, for a provider running on the developer's machine).
//!
//! Otherwise the development provider the stack serves (`/dev/login`), under whatever other
//! `JWT_*` variables are set (`JWT_REQUIRE_NBF=true` refuses its tokens, as it would a real
//! provider's without `nbf`).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use genesys_sandbox::idp::DevIdp;
use secure_initiation::config::verifier_config;
use secure_initiation::ports::{Clock as _, OffsetClock};
use secure_initiation::session::{HttpJwksSource, SessionVerifier};

use crate::error::{StackError, build_err};

/// The variables that choose the site's own provider.
const SITE_VARIABLES: [&str; 3] = ["JWKS_URL", "JWT_ISSUER", "JWT_AUDIENCE"];

/// `JWKS_URL` and every `JWT_*` variable among `variables` (the process environment, for the
/// command): what [`crate::Options::identity`] takes.
pub fn identity_env(
    variables: impl IntoIterator<Item = (String, String)>,
) -> BTreeMap<String, String> {
    variables
        .into_iter()
        .filter(|(n, _)| n == "JWKS_URL" || n.starts_with("JWT_"))
        .collect()
}

/// The identity provider in force, as the banner names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentityInForce {
    /// The development provider served under `/dev`.
    Development,
    /// The site's provider.
    Site {
        /// Its `JWT_ISSUER` values.
        issuers: Vec<String>,
        /// Its `JWKS_URL`.
        jwks_url: String,
    },
}

/// The identity providers of the stack.
#[derive(Debug)]
pub(crate) struct Identity {
    /// The development provider, always served (`/dev/login`, the tests' crafted tokens).
    pub(crate) dev_idp: Arc<DevIdp>,
    /// Verifies the tokens of the provider in force.
    pub(crate) verifier: Arc<SessionVerifier>,
    /// Which provider that is.
    pub(crate) in_force: IdentityInForce,
}

/// The development provider and the verifier of the provider in force. The development
/// provider signs with the stack's clock, so `iat`/`exp` stay in step with the verifier after
/// `/dev/clock` moves it.
pub(crate) fn identity(
    base: &str,
    clock: &OffsetClock,
    variables: &BTreeMap<String, String>,
) -> Result<Identity, StackError> {
    let idp_clock = clock.clone();
    let idp = Arc::new(
        DevIdp::with_defaults()
            .map_err(build_err)?
            .with_clock(Arc::new(move || idp_clock.now_secs())),
    );
    let site = SITE_VARIABLES.iter().any(|v| variables.contains_key(*v));
    let mut env = variables.clone();
    if !site {
        env.insert("JWKS_URL".into(), format!("{base}/.well-known/jwks.json"));
        env.insert("JWT_ISSUER".into(), idp.issuer().to_owned());
        env.insert("JWT_AUDIENCE".into(), idp.audience().to_owned());
    }
    let config =
        verifier_config(&env).map_err(|e| StackError::Build(format!("identity provider: {e}")))?;
    let in_force = if site {
        IdentityInForce::Site {
            issuers: config.issuers.clone(),
            jwks_url: config.jwks_url.to_string(),
        }
    } else {
        IdentityInForce::Development
    };
    let verifier = SessionVerifier::new(
        config,
        Arc::new(HttpJwksSource::new(Duration::from_secs(2)).map_err(build_err)?),
        Arc::new(clock.clone()),
    )
    .map_err(build_err)?;
    Ok(Identity {
        dev_idp: idp,
        verifier: Arc::new(verifier),
        in_force,
    })
}
