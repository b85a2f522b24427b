//! Micro-benchmarks of the contract's hot paths.
//!
//! `cargo bench -p secure-initiation --bench contract`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use secure_initiation::attributes::{AttributeInputs, AttributeSet, Schema};
use secure_initiation::payload::{
    DataActionOutput, GenesysId, InitiationBody, ParticipantUpdate, RoutingTarget, SkillRequirement,
};
use secure_initiation::request::InitiationRequest;

const BODY: &[u8] =
    br#"{"orderId":"88472","initialMessage":"I need assistance with order 88472."}"#;
const HASH: &str = "Xq3vN8pL2aB7cD9eF1gH4iJ6kM0nO5rS7tU9wY2zA1b";

fn target() -> Option<RoutingTarget> {
    Some(RoutingTarget {
        widget_id: GenesysId::parse("8f3d2a64-5b1c-4e7a-9d0f-2c6b8e1a4f37", "widgetId").ok()?,
        queue_id: GenesysId::parse("3c9e7b12-0a4d-4f6e-8b2c-5d1e9f7a6c40", "queueId").ok()?,
        skills: vec![
            SkillRequirement::new(
                GenesysId::parse("b7e4c1d9-2f6a-4e3b-a8d5-0c9f1e2b3a74", "skillId").ok()?,
                1,
            )
            .ok()?,
        ],
    })
}

fn contract(c: &mut Criterion) {
    let Ok(schema) = Schema::default_schema() else {
        return;
    };
    let Some(target) = target() else { return };
    let claims = serde_json::json!({"sub": "user-1", "tier": 2, "geo": "na-east"});
    let Some(claims) = claims.as_object() else {
        return;
    };

    c.bench_function("validate request + build initiation body", |b| {
        b.iter(|| {
            let Ok(request) = InitiationRequest::parse(&schema, black_box(BODY)) else {
                return 0;
            };
            let inputs = AttributeInputs {
                claims,
                request: request.fields(),
                session_hash: HASH,
                client_ip: Some("192.168.10.45"),
                risk_score: Some(12),
            };
            let Ok(set) = AttributeSet::build(&schema, &inputs) else {
                return 0;
            };
            InitiationBody::new(&target, &set, request.initial_message())
                .to_json()
                .len()
        });
    });

    let Ok(request) = InitiationRequest::parse(&schema, BODY) else {
        return;
    };
    let inputs = AttributeInputs {
        claims,
        request: request.fields(),
        session_hash: HASH,
        client_ip: Some("192.168.10.45"),
        risk_score: Some(12),
    };
    let Ok(set) = AttributeSet::build(&schema, &inputs) else {
        return;
    };
    let stored = set.to_canonical_map();
    c.bench_function(
        "revalidate stored snapshot + build data-action output",
        |b| {
            b.iter(|| {
                let Ok(set) = AttributeSet::from_canonical(&schema, black_box(&stored)) else {
                    return 0;
                };
                DataActionOutput::valid(&schema, &set, ParticipantUpdate::Skipped)
                    .to_json()
                    .len()
            });
        },
    );

    c.bench_function("load the default schema", |b| {
        b.iter(|| Schema::default_schema().is_ok())
    });
}

criterion_group!(benches, contract);
criterion_main!(benches);
