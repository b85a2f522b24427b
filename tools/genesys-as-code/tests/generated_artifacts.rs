//! The committed Genesys-side artifacts must be what the generator writes for the committed
//! schema: a changed schema with stale contracts would break Architect flows silently.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use genesys_as_code::generate;
use genesys_as_code::routing::Routing;
use secure_initiation::attributes::Schema;

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

#[test]
fn committed_artifacts_match_the_schema() {
    let text = std::fs::read_to_string(root().join("config/attributes.toml")).unwrap();
    let schema = Schema::from_toml(&text).unwrap();
    let routing = Routing::from_toml(
        &std::fs::read_to_string(root().join("config/routing.toml")).unwrap(),
        &schema,
    )
    .unwrap();
    for artifact in generate::all_artifacts(&schema, &routing) {
        let on_disk = std::fs::read_to_string(root().join(artifact.path)).unwrap_or_default();
        assert!(
            on_disk == artifact.contents,
            "`{}` is stale: run `cargo run -p genesys-as-code --bin generate-artifacts`",
            artifact.path
        );
    }
    for page in generate::GENERATED_PAGES {
        let text = std::fs::read_to_string(root().join(page.path)).unwrap();
        assert!(
            page.render(&text, &schema).unwrap() == text,
            "the table of `{}` is stale: run `cargo run -p genesys-as-code --bin generate-artifacts`",
            page.path
        );
    }
}

#[test]
fn the_output_contract_is_flat_and_lists_every_exposed_attribute_as_a_string() {
    let schema = Schema::default_schema().unwrap();
    let contract = generate::output_contract(&schema);
    let properties = contract["properties"].as_object().unwrap();
    for (name, property) in properties {
        let ty = property["type"].as_str().unwrap();
        assert!(
            ty == "string" || ty == "boolean",
            "`{name}` is {ty}: outputs must be flat scalars"
        );
    }
    for def in schema.exposed() {
        assert_eq!(properties[def.key()]["type"], "string", "{}", def.key());
    }
    assert!(
        !properties.contains_key("client_ip"),
        "hidden personal data must not be exposed"
    );
}

#[test]
fn a_changed_schema_changes_the_artifacts() {
    let schema = Schema::default_schema().unwrap();
    let edited = secure_initiation::attributes::DEFAULT_SCHEMA_TOML
        .replace("expose = true", "expose = false");
    let fewer = Schema::from_toml(&edited).unwrap();
    assert_ne!(
        generate::output_contract(&schema),
        generate::output_contract(&fewer)
    );
    for page in generate::GENERATED_PAGES {
        let refused = page.render("no markers", &schema);
        assert!(
            matches!(refused, Err(generate::GenerateError::MissingMarkers { page: named, .. }) if named == page.path),
            "{refused:?}"
        );
    }
}
