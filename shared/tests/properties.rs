//! Property tests: no input makes schema loading, request parsing or validation panic; whatever
//! is accepted fits the byte budget and re-validates to the same value.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;

use proptest::prelude::*;
use secure_initiation::attributes::{AttributeInputs, AttributeSet, DEFAULT_SCHEMA_TOML, Schema};
use secure_initiation::request::{InitiationRequest, ValidationRequest};
use serde_json::{Map, Value};

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,40}".prop_map(Value::from),
        "[0-9]{1,14}".prop_map(Value::from),
        prop_oneof![
            Just("na-east"),
            Just("emea"),
            Just("1|order_id:2"),
            Just("2"),
            Just("true")
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-zA-Z]{1,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Mutations of the shipped schema reach deeper into the loader than random text alone.
fn arb_schema_text() -> impl Strategy<Value = String> {
    let lines: Vec<String> = DEFAULT_SCHEMA_TOML.lines().map(str::to_owned).collect();
    let n = lines.len();
    prop_oneof![
        ".{0,300}",
        (
            prop::collection::vec(0..n, 0..6),
            prop::collection::vec((0..n, ".{0,30}"), 0..4)
        )
            .prop_map(move |(drop, replace)| {
                let mut out = lines.clone();
                for (i, text) in replace {
                    out[i] = text;
                }
                out.into_iter()
                    .enumerate()
                    .filter(|(i, _)| !drop.contains(i))
                    .map(|(_, l)| l)
                    .collect::<Vec<_>>()
                    .join("\n")
            }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn schema_loading_never_panics(text in arb_schema_text()) {
        let _ = Schema::from_toml(&text);
    }

    #[test]
    fn request_parsing_never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let schema = Schema::default_schema().unwrap();
        let _ = InitiationRequest::parse(&schema, &bytes);
        let _ = ValidationRequest::parse(&bytes);
    }

    #[test]
    fn accepted_attributes_fit_the_budget_and_revalidate_to_the_same_value(
        tier in prop_oneof![3 => (1i64..=3).prop_map(Value::from), 1 => arb_json()],
        geo in prop_oneof![3 => prop::sample::select(vec!["na-east", "emea", "apac"]).prop_map(Value::from), 1 => arb_json()],
        extra in prop::collection::btree_map("[a-z]{1,5}", arb_json(), 0..3),
        order in prop_oneof![2 => "[0-9]{1,12}".prop_map(Value::from), 1 => arb_json()],
        client_ip in proptest::option::of(".{0,50}"),
        risk in proptest::option::of(prop_oneof![3 => 0i64..=100, 1 => any::<i64>()]),
        hash in "[A-Za-z0-9_-]{20,70}",
    ) {
        let schema = Schema::default_schema().unwrap();
        let mut claims: Map<String, Value> = extra.into_iter().collect();
        claims.insert("tier".into(), tier);
        claims.insert("geo".into(), geo);
        let body = serde_json::json!({ "orderId": order }).to_string();
        let request = InitiationRequest::parse(&schema, body.as_bytes());
        let empty = BTreeMap::new();
        let fields = request.as_ref().map_or(&empty, |r| r.fields());
        let inputs = AttributeInputs {
            claims: &claims,
            request: fields,
            session_hash: &hash,
            client_ip: client_ip.as_deref(),
            risk_score: risk,
        };
        if let Ok(set) = AttributeSet::build(&schema, &inputs) {
            prop_assert!(set.total_bytes() <= schema.limits().max_custom_data_bytes);
            let stored = set.to_canonical_map();
            let again = AttributeSet::from_canonical(&schema, &stored);
            prop_assert_eq!(again, Ok(set));
        }
    }

    #[test]
    fn any_scalar_accepted_for_an_attribute_round_trips_through_its_canonical_string(raw in arb_json()) {
        let schema = Schema::default_schema().unwrap();
        for def in schema.attributes() {
            if let Ok(value) = def.parse_json(&raw, &schema) {
                let canonical = value.canonical().into_owned();
                prop_assert!(!canonical.chars().any(char::is_control));
                prop_assert_eq!(def.parse_canonical(&canonical, &schema), Ok(value));
            }
        }
    }
}
