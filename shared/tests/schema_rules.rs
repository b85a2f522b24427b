//! Every schema rule, broken one at a time: loading fails with the variant naming the
//! attribute and the rule.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use secure_initiation::attributes::{Schema, SchemaError};

const HASH_ATTR: &str = r#"
[[attribute]]
key = "session_hash"
entity = "participant"
type = "string"
source = { computed = "session_hash" }
max_len = 64
"#;

fn with(attr: &str) -> Result<Schema, SchemaError> {
    Schema::from_toml(&format!("{HASH_ATTR}\n[[attribute]]\n{attr}"))
}

fn err(attr: &str) -> SchemaError {
    with(attr).expect_err("the schema must be refused")
}

const BASE: &str = "entity = \"participant\"\ntype = \"string\"\nsource = { request = \"x\" }\nverify = \"ownership\"\nmax_len = 10";

#[test]
fn the_shipped_schema_loads() {
    let schema = Schema::default_schema().unwrap();
    assert_eq!(schema.session_hash_key(), "session_hash");
    assert!(schema.attributes().iter().all(|a| !a.key().is_empty()));
    assert_eq!(schema.request_fields().collect::<Vec<_>>(), vec!["orderId"]);
}

#[test]
fn a_contact_scoped_attribute_is_refused_with_the_contact_scope_trap_explained() {
    let e = err(
        "key = \"tier\"\nentity = \"contact\"\ntype = \"string\"\nsource = { claim = \"t\" }\nmax_len = 3",
    );
    assert_eq!(
        e,
        SchemaError::Entity {
            key: "tier".into(),
            entity: "contact".into()
        }
    );
    let message = e.to_string();
    assert!(
        message.contains("participant") && message.contains("Contact-scope trap"),
        "{message}"
    );
    assert!(matches!(
        err(
            "key = \"tier\"\nentity = \"user\"\ntype = \"string\"\nsource = { claim = \"t\" }\nmax_len = 3"
        ),
        SchemaError::Entity { .. }
    ));
}

#[test]
fn an_unknown_type_is_refused_naming_it() {
    let e = err(
        "key = \"tier\"\nentity = \"participant\"\ntype = \"number\"\nsource = { claim = \"t\" }",
    );
    assert_eq!(
        e,
        SchemaError::UnknownType {
            key: "tier".into(),
            found: "number".into()
        }
    );
}

#[test]
fn duplicate_and_badly_formed_and_reserved_keys_are_refused() {
    assert_eq!(
        Schema::from_toml(&format!("{HASH_ATTR}{HASH_ATTR}")).unwrap_err(),
        SchemaError::DuplicateKey {
            key: "session_hash".into()
        }
    );
    for bad in ["Tier", "1tier", "tier-x", "tier x", "", "t\u{e9}"] {
        assert!(
            matches!(err(&format!("key = \"{bad}\"\n{BASE}")), SchemaError::BadKey { ref key, .. } if key == bad),
            "{bad}"
        );
    }
    let long = "k".repeat(65);
    assert!(matches!(
        err(&format!("key = \"{long}\"\n{BASE}")),
        SchemaError::BadKey { .. }
    ));
    for reserved in ["valid", "reason", "participant_update"] {
        assert_eq!(
            err(&format!("key = \"{reserved}\"\n{BASE}")),
            SchemaError::ReservedKey {
                key: reserved.into()
            }
        );
    }
}

#[test]
fn contradictory_rules_are_refused_naming_the_rule() {
    let cases = [
        (
            "key = \"a\"\nentity = \"participant\"\ntype = \"integer\"\nsource = { claim = \"a\" }\npattern = \"[0-9]+\"",
            "pattern",
        ),
        (
            "key = \"a\"\nentity = \"participant\"\ntype = \"integer\"\nsource = { claim = \"a\" }\nmax_len = 3",
            "max_len",
        ),
        (
            "key = \"a\"\nentity = \"participant\"\ntype = \"string\"\nsource = { claim = \"a\" }\nmax_len = 3\nmin = 1",
            "range",
        ),
        (
            "key = \"a\"\nentity = \"participant\"\ntype = \"integer\"\nsource = { claim = \"a\" }\nmin = 5\nmax = 1",
            "range",
        ),
        (
            "key = \"a\"\nentity = \"participant\"\ntype = \"string\"\nsource = { claim = \"a\" }\nmax_len = 3\nenum = [\"long value\"]",
            "enum",
        ),
        (
            "key = \"a\"\nentity = \"participant\"\ntype = \"string\"\nsource = { claim = \"a\" }\npattern = \"[a-z]+\"\nenum = [\"ABC\"]",
            "enum",
        ),
        (
            "key = \"a\"\nentity = \"participant\"\ntype = \"integer\"\nsource = { claim = \"a\" }\nenum = [\"x\"]",
            "enum",
        ),
        (
            "key = \"a\"\nentity = \"participant\"\ntype = \"integer\"\nsource = { claim = \"a\" }\nenum = [1, 1]",
            "enum",
        ),
        (
            "key = \"a\"\nentity = \"participant\"\ntype = \"integer\"\nsource = { static = 9 }\nmax = 3",
            "static",
        ),
        (
            "key = \"a\"\nentity = \"participant\"\ntype = \"boolean\"\nsource = { static = \"yes\" }",
            "static",
        ),
        (
            "key = \"a\"\nentity = \"participant\"\ntype = \"string\"\nsource = { risk = \"score\" }\nmax_len = 3",
            "source",
        ),
        (
            "key = \"a\"\nentity = \"participant\"\ntype = \"string\"\nsource = { request = \"initialMessage\" }\nmax_len = 3",
            "request-field",
        ),
        (
            "key = \"a\"\nentity = \"participant\"\ntype = \"string\"\nsource = { claim = \"a\" }\nmax_len = 0",
            "max_len",
        ),
    ];
    for (attr, rule) in cases {
        match err(attr) {
            SchemaError::Contradiction { key, rule: r, .. } => {
                assert_eq!((key.as_str(), r), ("a", rule), "{attr}");
            }
            other => panic!("{attr}: expected a contradiction on `{rule}`, got {other:?}"),
        }
    }
}

#[test]
fn two_attributes_fed_by_one_request_field_are_refused() {
    let e = Schema::from_toml(&format!(
        "{HASH_ATTR}\n[[attribute]]\nkey = \"a\"\n{BASE}\n[[attribute]]\nkey = \"b\"\n{BASE}"
    ))
    .unwrap_err();
    assert!(
        matches!(e, SchemaError::Contradiction { ref key, rule: "request-field", .. } if key == "b"),
        "{e:?}"
    );
}

#[test]
fn sources_settings_and_patterns_are_checked() {
    let bad_source = |source: &str| {
        err(&format!(
            "key = \"a\"\nentity = \"participant\"\ntype = \"string\"\nmax_len = 3\nsource = {source}"
        ))
    };
    for source in [
        "\"tier\"",
        "{ claim = \"\" }",
        "{ cookie = \"x\" }",
        "{ claim = \"a\", request = \"b\" }",
        "{ computed = \"nonce\" }",
        "{ context = \"user_agent\" }",
        "{ request = \"bad field\" }",
    ] {
        assert!(
            matches!(bad_source(source), SchemaError::BadSource { ref key, .. } if key == "a"),
            "{source}"
        );
    }
    assert_eq!(
        err(
            "key = \"a\"\nentity = \"participant\"\ntype = \"string\"\nsource = { claim = \"a\" }\nmax_len = 3\nexpsoe = true"
        ),
        SchemaError::UnknownSetting {
            key: "a".into(),
            setting: "expsoe".into()
        }
    );
    assert!(matches!(
        err("key = \"a\"\nentity = \"participant\"\ntype = \"string\"\nsource = { claim = \"a\" }\npattern = \"[a-\"\nmax_len = 3"),
        SchemaError::BadPattern { ref key, .. } if key == "a"
    ));
    assert_eq!(
        err("key = \"a\"\nentity = \"participant\"\ntype = \"string\"\nsource = { claim = \"a\" }"),
        SchemaError::Unbounded { key: "a".into() }
    );
    assert_eq!(
        err("key = \"a\"\ntype = \"string\"\nsource = { claim = \"a\" }\nmax_len = 3"),
        SchemaError::MissingSetting {
            key: "a".into(),
            setting: "entity"
        }
    );
    assert!(matches!(
        err(
            "key = \"a\"\nentity = \"participant\"\ntype = \"string\"\nsource = { claim = \"a\" }\nmax_len = 3\nvisibility = \"secret\""
        ),
        SchemaError::BadVisibility { .. }
    ));
}

#[test]
fn the_session_hash_attribute_must_exist_exactly_once() {
    let no_hash = format!("[[attribute]]\nkey = \"a\"\n{BASE}");
    assert_eq!(
        Schema::from_toml(&no_hash).unwrap_err(),
        SchemaError::SessionHash { found: 0 }
    );
    assert_eq!(Schema::from_toml("").unwrap_err(), SchemaError::Empty);
}

#[test]
fn a_schema_that_could_exceed_the_byte_budget_is_refused_at_load() {
    let e = Schema::from_toml(&format!(
        "[limits]\nmax_custom_data_bytes = 100\n{HASH_ATTR}\n[[attribute]]\nkey = \"a\"\n{BASE}"
    ))
    .unwrap_err();
    // session_hash: 12 + 64*4; a: 1 + 10*4.
    assert_eq!(
        e,
        SchemaError::Budget {
            worst_case: 12 + 256 + 1 + 40,
            limit: 100
        }
    );
    assert!(matches!(
        Schema::from_toml(&format!("[limits]\nmax_custom_data_bytes = 0\n{HASH_ATTR}"))
            .unwrap_err(),
        SchemaError::BadLimit {
            setting: "max_custom_data_bytes",
            value: 0
        }
    ));
}

#[test]
fn malformed_toml_is_a_syntax_error() {
    assert!(matches!(
        Schema::from_toml("[[attribute]\nkey="),
        Err(SchemaError::Syntax { .. })
    ));
    assert!(matches!(
        Schema::from_toml("[[attribute]]\ntype = \"string\""),
        Err(SchemaError::Syntax { .. })
    ));
    assert!(matches!(
        Schema::from_toml("[surprise]\n"),
        Err(SchemaError::Syntax { .. })
    ));
}

const CLAIM: &str = "entity = \"participant\"\ntype = \"string\"\nsource = { request = \"orderRef\" }\nmax_len = 10";

#[test]
fn an_unverified_request_field_under_a_name_that_reads_as_a_fact_is_refused() {
    let e = err(&format!("key = \"order_ref\"\n{CLAIM}"));
    assert!(
        matches!(&e, SchemaError::Contradiction { key, rule: "verify", detail }
            if key == "order_ref" && detail.contains("customer_claimed_")),
        "{e}"
    );
}

#[test]
fn an_unverified_request_field_loads_under_a_name_that_reads_as_the_customer_s_claim() {
    let schema = with(&format!("key = \"customer_claimed_order_ref\"\n{CLAIM}")).unwrap();
    let claimed = schema.attribute_for_request_field("orderRef").unwrap();
    assert_eq!(claimed.key(), "customer_claimed_order_ref");
    assert_eq!(claimed.verify(), None);
}

#[test]
fn only_a_request_field_is_verified_and_ownership_is_the_one_check() {
    let on_a_claim = err(
        "key = \"tier\"\nentity = \"participant\"\ntype = \"string\"\nsource = { claim = \"t\" }\nverify = \"ownership\"\nmax_len = 3",
    );
    assert!(matches!(
        on_a_claim,
        SchemaError::Contradiction { rule: "verify", .. }
    ));
    let unknown = err(&format!(
        "key = \"order_ref\"\n{}",
        BASE.replace("ownership", "signature")
    ));
    assert!(
        matches!(&unknown, SchemaError::Contradiction { rule: "verify", detail, .. } if detail.contains("signature")),
        "{unknown}"
    );
}

#[test]
fn the_shipped_order_id_is_verified_by_ownership() {
    let schema = Schema::default_schema().unwrap();
    let order = schema.attribute_for_request_field("orderId").unwrap();
    assert_eq!(order.key(), "order_id");
    assert_eq!(
        order.verify(),
        Some(secure_initiation::attributes::Verify::Ownership)
    );
}
