//! The browser's initiation body through `InitiationRequest::parse` and then
//! `AttributeSet::build`, as the initiate handler runs them, with fuzzed claims too.
//!
//! Input: `<claims JSON>\n<body>`; without a newline the whole input is the body and the
//! claims are a genuine login's. Beyond "no panic", it checks what the handler relies on: a
//! built set fits the schema's byte budget and survives the canonical round trip the store
//! and validate-session use.
#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use secure_initiation::attributes::{AttributeInputs, AttributeSet, Schema};
use secure_initiation::request::InitiationRequest;
use serde_json::{Map, Value, json};

fn schema() -> &'static Schema {
    static SCHEMA: std::sync::OnceLock<Schema> = std::sync::OnceLock::new();
    SCHEMA.get_or_init(|| Schema::default_schema().expect("the embedded schema loads"))
}

fuzz_target!(|data: &[u8]| {
    let schema = schema();
    let (claims, body) = match data.iter().position(|b| *b == b'\n') {
        Some(i) => {
            let claims = serde_json::from_slice::<Map<String, Value>>(&data[..i]).ok();
            (claims, &data[i + 1..])
        }
        None => (None, data),
    };
    let claims = claims.unwrap_or_else(|| {
        json!({"sub": "fuzz", "tier": 2, "geo": "na-east"})
            .as_object()
            .cloned()
            .unwrap_or_default()
    });
    let Ok(request) = InitiationRequest::parse(schema, body) else {
        return;
    };
    let risk = i64::from(data.first().copied().unwrap_or(0)) - 100;
    let inputs = AttributeInputs {
        claims: &claims,
        request: request.fields(),
        session_hash: "c2Vzc2lvbi1oYXNoLWZvci1mdXp6aW5nLTAx",
        client_ip: Some("203.0.113.7"),
        risk_score: Some(risk),
    };
    if let Ok(set) = AttributeSet::build(schema, &inputs) {
        assert!(set.total_bytes() <= schema.limits().max_custom_data_bytes);
        let canonical: BTreeMap<String, String> = set.to_canonical_map();
        let back = AttributeSet::from_canonical(schema, &canonical)
            .expect("a built set reads back from its canonical strings");
        assert_eq!(back, set);
    }
});
