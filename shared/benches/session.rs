//! Micro-benchmarks of the session hot paths: verifying a session JWT (ES256 and RS256, keys
//! already cached, as on every warm invocation) and minting a session hash.
//!
//! `cargo bench -p secure-initiation --bench session`

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use genesys_sandbox::idp::{Algorithm, DevIdp};
use secure_initiation::ports::SystemClock;
use secure_initiation::session::{SessionKeys, SessionVerifier, StaticJwksSource, VerifierConfig};

fn session(c: &mut Criterion) {
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread().build() else {
        return;
    };
    let Ok(idp) = DevIdp::with_defaults() else {
        return;
    };
    let Ok(jwks_url) = url::Url::parse("https://idp.example.com/.well-known/jwks.json") else {
        return;
    };
    let config = VerifierConfig::new(jwks_url, idp.issuer(), idp.audience());
    let source = Arc::new(StaticJwksSource::new(idp.jwks()));
    let Ok(verifier) = SessionVerifier::new(config, source, Arc::new(SystemClock)) else {
        return;
    };
    let mut claims = idp.claims_for("user-1");
    claims.insert("tier".into(), 2.into());
    claims.insert("geo".into(), "na-east".into());

    for (name, alg) in [
        ("verify session JWT (ES256, keys cached)", Algorithm::ES256),
        ("verify session JWT (RS256, keys cached)", Algorithm::RS256),
    ] {
        let Ok(token) = idp.sign(&claims, alg) else {
            return;
        };
        // The first verification fetches the key set; every later one is what a warm
        // invocation pays.
        if runtime.block_on(verifier.verify(&token)).is_err() {
            return;
        }
        c.bench_function(name, |b| {
            b.iter(|| runtime.block_on(verifier.verify(black_box(&token))).is_ok());
        });
    }

    let Ok(keys) = SessionKeys::from_secret(&[7u8; 32]) else {
        return;
    };
    c.bench_function("mint a session hash", |b| b.iter(|| keys.mint()));
    c.bench_function("derive a subject key", |b| {
        b.iter(|| keys.subject_key(black_box("user-1")));
    });
}

criterion_group!(benches, session);
criterion_main!(benches);
