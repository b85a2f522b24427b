//! One test per token a site's browser holds, for each identity provider web teams use: the
//! token, its header and the provider's key set shaped as the provider documents them (cited
//! beside each test), the site configured with the variables the provider guide
//! (`docs/src/web/identity-providers.md`) gives for it, and the tier and segment Architect gets
//! back from validate-session.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use identity_provider_tests::{
    Deployment, SigningKey, Site, encryption_jwk, key_set, now, schema_with_sources,
};
use serde_json::{Value, json};

/// Architect's view: `valid` and the two routing attributes.
fn routed(answer: &Value) -> (bool, &str, &str) {
    (
        answer["valid"].as_bool().unwrap_or(false),
        answer["priority_tier"].as_str().unwrap_or_default(),
        answer["geo_segment"].as_str().unwrap_or_default(),
    )
}

mod auth0;
mod cognito;
mod entra;
mod firebase;
mod google;
mod keycloak;
mod okta;
mod pingone;
