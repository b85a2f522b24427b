//! The `genesyscloud_flow` resource, parsed as HCL, is held to the generated flow: it deploys
//! that file, passes exactly the placeholders the file uses, and triggers an update on the
//! file's SHA-256.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;

use architect_tests::{repo_file, root};
use genesys_as_code::archy::template;
use genesys_as_code::generate::flow::FLOW_PATH;
use genesys_as_code::generate::terraform::TERRAFORM_FLOW_PATH;
use hcl::expr::{Expression, ObjectKey, TemplateExpr};

fn flow_resource() -> hcl::Body {
    let body = hcl::parse(&repo_file(TERRAFORM_FLOW_PATH)).unwrap();
    let block = body
        .blocks()
        .find(|b| {
            b.identifier() == "resource"
                && b.labels().first().map(|l| l.as_str()) == Some("genesyscloud_flow")
        })
        .expect("flow.tf declares a genesyscloud_flow resource")
        .clone();
    block.body
}

fn attribute(body: &hcl::Body, key: &str) -> Expression {
    body.attributes()
        .find(|a| a.key() == key)
        .unwrap_or_else(|| panic!("no `{key}`"))
        .expr()
        .clone()
}

fn module_path(expr: &Expression) -> String {
    let Expression::TemplateExpr(t) = expr else {
        panic!("not a template: {expr:?}")
    };
    let TemplateExpr::QuotedString(s) = t.as_ref() else {
        panic!("not quoted: {t:?}")
    };
    let rel = s
        .strip_prefix("${path.module}/")
        .expect("relative to the module");
    let resolved = root().join("infra/genesys/terraform").join(rel);
    resolved.canonicalize().unwrap().display().to_string()
}

#[test]
fn the_flow_resource_deploys_the_generated_file_with_its_substitutions_and_trigger_hash() {
    let resource = flow_resource();
    let generated = root()
        .join(FLOW_PATH)
        .canonicalize()
        .unwrap()
        .display()
        .to_string();
    assert_eq!(module_path(&attribute(&resource, "filepath")), generated);

    let Expression::FuncCall(call) = attribute(&resource, "update_trigger_hash") else {
        panic!("update_trigger_hash must be a function call")
    };
    assert_eq!(call.name.name.as_str(), "filesha256");
    assert_eq!(
        module_path(&call.args[0]),
        generated,
        "the hash is of the deployed file"
    );
    assert!(
        resource
            .attributes()
            .all(|a| a.key() != "file_content_hash"),
        "file_content_hash is computed-only since provider 1.68.5"
    );

    let Expression::Object(subs) = attribute(&resource, "substitutions") else {
        panic!("substitutions must be an object")
    };
    let passed: BTreeSet<String> = subs
        .keys()
        .map(|k| match k {
            ObjectKey::Identifier(i) => i.to_string(),
            other => panic!("computed key {other:?}"),
        })
        .collect();
    let used: BTreeSet<String> = template::placeholders(&repo_file(FLOW_PATH))
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(
        passed, used,
        "every placeholder gets a substitution, and nothing else"
    );
}

#[test]
fn the_provider_constraint_admits_no_version_before_1_68_5() {
    let versions = hcl::parse(&repo_file("infra/genesys/terraform/versions.tf")).unwrap();
    let terraform = versions
        .blocks()
        .find(|b| b.identifier() == "terraform")
        .unwrap();
    let providers = terraform
        .body
        .blocks()
        .find(|b| b.identifier() == "required_providers")
        .unwrap();
    let Expression::Object(genesys) = providers
        .body
        .attributes()
        .find(|a| a.key() == "genesyscloud")
        .unwrap()
        .expr()
        .clone()
    else {
        panic!()
    };
    let version = genesys
        .iter()
        .find(|(k, _)| matches!(k, ObjectKey::Identifier(i) if i.as_str() == "version"))
        .map(|(_, v)| v.clone())
        .unwrap();
    let s = match version {
        Expression::String(s) => s,
        Expression::TemplateExpr(t) => match *t {
            TemplateExpr::QuotedString(s) => s,
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    };
    assert!(s.starts_with(">= 1.68.5"), "{s}");
}
