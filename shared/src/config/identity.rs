//! The identity provider: `JWKS_URL` and the `JWT_*` variables into a [`VerifierConfig`]. The
//! browser functions and the local stack read them with the same code, so the local stack
//! verifies exactly as a deployment does.
//!
//! `JWKS_URL` is `https`, or plain `http` on a loopback host, the rule of every outbound URL of
//! the functions (`GENESYS_*`, `RISK_SCORER_URL`, `OWNERSHIP_CHECK_URL`). Loopback traffic never
//! leaves the machine or the Lambda execution environment, so TLS would protect nothing there:
//! the only listeners on a Lambda's loopback are the Runtime API and the extensions its deployer
//! added, and whoever can start another one already runs code inside the function. It is what a
//! developer needs to run the functions against a provider on their own machine (the local
//! stack's development provider under `cargo lambda watch`, a Keycloak in a container).

use jsonwebtoken::Algorithm;
use url::Url;

use super::error::ConfigError;
use super::reader::{Reader, invalid};
use super::vars::{self, ALLOWED_ALGORITHMS, Variable};
use crate::env::EnvSource;
use crate::session::{
    DEFAULT_ALGORITHMS, VerifierConfig, VerifierConfigError, is_loopback, normalize_type,
};

/// Reads and checks the identity-provider variables; a value they refuse names its variable.
pub fn verifier_config(env: &(impl EnvSource + ?Sized)) -> Result<VerifierConfig, ConfigError> {
    let r = Reader { env };
    let mut config = VerifierConfig::new(jwks_url(&r)?, "", "");
    config.allow_loopback_http_jwks = true;
    config.issuers = list(&r, &vars::JWT_ISSUER)?;
    config.audiences = list(&r, &vars::JWT_AUDIENCE)?;
    config.tenants = tenants(&r)?;
    config.algorithms = algorithms(&r)?;
    config.leeway_secs = r.secs(&vars::JWT_LEEWAY_SECS)?.as_secs();
    config.require_nbf = r.flag(&vars::JWT_REQUIRE_NBF)?;
    let max = r.count(&vars::JWT_MAX_TOKEN_BYTES)?;
    config.max_token_bytes = usize::try_from(max).unwrap_or(usize::MAX);
    config.token_types = token_types(&r)?;
    config.required_claims = required_claims(&r)?;
    config.check().map_err(|e| refused(&r, &e))?;
    Ok(config)
}

fn jwks_url<E: EnvSource + ?Sized>(r: &Reader<'_, E>) -> Result<Url, ConfigError> {
    let var = &vars::JWKS_URL;
    let value = r.required(var)?;
    let url = Url::parse(&value).map_err(|_| invalid(var, &value))?;
    let loopback_http = url.scheme() == "http" && is_loopback(&url);
    if url.scheme() == "https" || loopback_http {
        Ok(url)
    } else {
        Err(invalid(var, &value))
    }
}

/// A required comma-separated list: trimmed, blanks dropped, duplicates dropped, not empty.
fn list<E: EnvSource + ?Sized>(
    r: &Reader<'_, E>,
    var: &Variable,
) -> Result<Vec<String>, ConfigError> {
    let value = r.required(var)?;
    let items = split(&value);
    if items.is_empty() {
        return Err(invalid(var, &value));
    }
    Ok(items)
}

fn split(value: &str) -> Vec<String> {
    let mut items: Vec<String> = Vec::new();
    for item in value.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        if !items.iter().any(|i| i == item) {
            items.push(item.to_owned());
        }
    }
    items
}

/// Tenant ids, lowercased (Entra writes them so in `tid` and `iss`).
fn tenants<E: EnvSource + ?Sized>(r: &Reader<'_, E>) -> Result<Vec<String>, ConfigError> {
    Ok(r.optional(&vars::JWT_ALLOWED_TENANTS)
        .map(|v| split(&v.to_ascii_lowercase()))
        .unwrap_or_default())
}

fn algorithms<E: EnvSource + ?Sized>(r: &Reader<'_, E>) -> Result<Vec<Algorithm>, ConfigError> {
    let var = &vars::JWT_ALGORITHMS;
    let Some(value) = r.optional(var) else {
        return Ok(DEFAULT_ALGORITHMS.to_vec());
    };
    let mut out = Vec::new();
    for name in value.split(',').map(str::trim) {
        // Only the allowed names, so `none` and HS* cannot be named even if the JWT library
        // knows them.
        if !ALLOWED_ALGORITHMS.contains(&name) {
            return Err(invalid(var, &value));
        }
        let alg: Algorithm = name.parse().map_err(|_| invalid(var, &value))?;
        if !out.contains(&alg) {
            out.push(alg);
        }
    }
    Ok(out)
}

fn token_types<E: EnvSource + ?Sized>(r: &Reader<'_, E>) -> Result<Vec<String>, ConfigError> {
    let var = &vars::JWT_TYP;
    let Some(value) = r.optional(var) else {
        return Ok(Vec::new());
    };
    let types: Vec<String> = split(&value).iter().map(|t| normalize_type(t)).collect();
    if types.is_empty() || types.iter().any(|t| t.contains(char::is_whitespace)) {
        return Err(invalid(var, &value));
    }
    Ok(types)
}

fn required_claims<E: EnvSource + ?Sized>(
    r: &Reader<'_, E>,
) -> Result<Vec<(String, String)>, ConfigError> {
    let var = &vars::JWT_REQUIRED_CLAIMS;
    let Some(value) = r.optional(var) else {
        return Ok(Vec::new());
    };
    let mut pins = Vec::new();
    for item in split(&value) {
        match item.split_once('=') {
            Some((name, claim_value))
                if !name.trim().is_empty() && !claim_value.trim().is_empty() =>
            {
                pins.push((name.trim().to_owned(), claim_value.trim().to_owned()));
            }
            _ => return Err(invalid(var, &value)),
        }
    }
    if pins.is_empty() {
        return Err(invalid(var, &value));
    }
    Ok(pins)
}

/// A refusal of the assembled configuration, naming the variable at fault.
fn refused<E: EnvSource + ?Sized>(r: &Reader<'_, E>, e: &VerifierConfigError) -> ConfigError {
    let value = |var: &Variable| r.optional(var).unwrap_or_default();
    let var = match e {
        VerifierConfigError::TenantsMissing(_) => {
            return ConfigError::Missing {
                variable: vars::JWT_ALLOWED_TENANTS.name,
                accepted: vars::JWT_ALLOWED_TENANTS.accepts(),
            };
        }
        VerifierConfigError::TenantsUnused | VerifierConfigError::BadTenant(_) => {
            &vars::JWT_ALLOWED_TENANTS
        }
        VerifierConfigError::BadTemplate(_) | VerifierConfigError::Empty("issuer") => {
            &vars::JWT_ISSUER
        }
        VerifierConfigError::Empty(_) => &vars::JWT_AUDIENCE,
        VerifierConfigError::InsecureJwksUrl(_) => &vars::JWKS_URL,
        VerifierConfigError::TokenLimit(_) => &vars::JWT_MAX_TOKEN_BYTES,
        VerifierConfigError::LeewayTooLarge(_) => &vars::JWT_LEEWAY_SECS,
        VerifierConfigError::EmptyPin("token types") => &vars::JWT_TYP,
        VerifierConfigError::EmptyPin(_) => &vars::JWT_REQUIRED_CLAIMS,
        VerifierConfigError::NoAlgorithms | VerifierConfigError::SymmetricAlgorithm(_) => {
            &vars::JWT_ALGORITHMS
        }
    };
    invalid(var, &value(var))
}
