//! The routing rules (`config/routing.toml`): which verified attributes send a conversation
//! to which queue. The generated inbound message flow evaluates them in order, first match
//! wins, on the validate-session outputs only; every conversation that matches none, and every
//! one that is not validated, goes to the default queue.
//!
//! The rules are checked against the attribute schema when they are loaded: a rule may only
//! compare an attribute the schema marks `routing` and `expose` (so the data action returns
//! it), with a value of the attribute's type that the schema allows (its `enum`, its
//! `min..=max`). A range on an integer attribute needs it `required`: the flow converts it with
//! `ToInt`, which fails on an empty value.

mod condition;
mod load;
mod model;

pub use model::*;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use secure_initiation::attributes::Schema;

    fn schema() -> Schema {
        Schema::default_schema().unwrap()
    }

    fn with_rule(when: &str) -> Result<Routing, RoutingError> {
        Routing::from_toml(
            &format!(
                "default_queue = \"general\"\n[queues]\ngeneral = {{ name = \"General\" }}\nvip = {{ name = \"VIP\" }}\n\n[[rule]]\nname = \"the rule\"\nqueue = \"vip\"\nwhen = [{when}]\n"
            ),
            &schema(),
        )
    }

    #[test]
    fn the_committed_rules_pass_the_committed_schema() {
        let routing = Routing::default_routing(&schema()).unwrap();
        assert!(!routing.rules.is_empty());
        assert!(routing.queues.contains(&routing.default_queue));
    }

    #[test]
    fn an_integer_attribute_compared_with_a_string_names_the_rule() {
        let err =
            with_rule(r#"{ attribute = "priority_tier", op = "==", value = "3" }"#).unwrap_err();
        assert_eq!(
            err.to_string(),
            "rule `the rule`: `priority_tier` is an integer attribute, compared with the string \"3\""
        );
    }

    #[test]
    fn keys_the_schema_does_not_expose_or_route_on_are_errors() {
        let unknown = with_rule(r#"{ attribute = "vip", op = "==", value = "yes" }"#).unwrap_err();
        assert!(
            unknown.to_string().contains("`vip` is not an attribute"),
            "{unknown}"
        );
        let not_routing =
            with_rule(r#"{ attribute = "order_id", op = "==", value = "1" }"#).unwrap_err();
        assert!(
            not_routing.to_string().contains("not a routing attribute"),
            "{not_routing}"
        );
        let hidden =
            with_rule(r#"{ attribute = "session_hash", op = "==", value = "x" }"#).unwrap_err();
        assert!(
            hidden.to_string().starts_with("rule `the rule`"),
            "{hidden}"
        );
    }

    #[test]
    fn enums_and_ranges_of_the_schema_bound_the_values() {
        assert!(
            with_rule(r#"{ attribute = "geo_segment", op = "==", value = "mars" }"#)
                .unwrap_err()
                .to_string()
                .contains("can never match")
        );
        assert!(
            with_rule(r#"{ attribute = "priority_tier", op = ">=", value = 9 }"#)
                .unwrap_err()
                .to_string()
                .contains("outside")
        );
        assert!(
            with_rule(r#"{ attribute = "geo_segment", op = ">", value = "emea" }"#)
                .unwrap_err()
                .to_string()
                .contains("only integers")
        );
        assert!(
            with_rule(r#"{ attribute = "authenticated", op = "==", value = "true" }"#).is_err()
        );
        let ok = with_rule(r#"{ attribute = "geo_segment", op = "in", value = ["emea", "apac"] }, { attribute = "authenticated", op = "==", value = true }"#).unwrap();
        assert_eq!(ok.rules[0].when[0].values.len(), 2);
    }

    #[test]
    fn queues_must_exist_and_be_well_named() {
        let err = Routing::from_toml(
            "default_queue = \"x\"\n[queues]\ngeneral = { name = \"G\" }\n",
            &schema(),
        )
        .unwrap_err();
        assert!(err.to_string().starts_with("queue `x`"), "{err}");
        let err = Routing::from_toml("default_queue = \"general\"\n[queues]\ngeneral = { name = \"G\" }\n[[rule]]\nname = \"r\"\nqueue = \"nowhere\"\nwhen = [{ attribute = \"priority_tier\", op = \"==\", value = 3 }]\n", &schema()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "rule `r`: queue `nowhere` is not declared under [queues]"
        );
        assert!(
            Routing::from_toml(
                "default_queue = \"General\"\n[queues]\nGeneral = { name = \"G\" }\n",
                &schema()
            )
            .is_err()
        );
    }
}
