//! The book (`docs/src/`), the README and the web package's README cannot drift from the
//! repository. Every path they name exists; every option they give `local`, `lint-flow` or
//! `generate-artifacts` is one the command takes (read from its clap definition or its parser),
//! and the option tables list them all; every environment variable is a row of the variable
//! table or one the Lambda runtime sets (`*_SECRET_ID`, a family, matches at least one); every
//! template parameter is declared by `infra/template.yaml`, and the parameters page lists each
//! with its default; every link reaches a page and a heading; `sam deploy` deploys the built
//! template. A file of another repository is named as the text of a link to it, and is its own.
//! Each check is shown to fail on a mutation of a real page.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod book;
mod common;

use book::checks;
use book::names::Names;
use book::{Page, pages, root};

fn assert_none(problems: Vec<String>) {
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The pages with `path` edited: every `from` (which must occur) becomes `to`.
fn mutated(path: &str, from: &str, to: &str) -> Vec<Page> {
    let text = std::fs::read_to_string(root().join(path)).unwrap();
    assert!(text.contains(from), "{path} no longer contains `{from}`");
    let edited = Page::parse(path, &text.replace(from, to));
    pages()
        .into_iter()
        .map(|p| if p.path == path { edited.clone() } else { p })
        .collect()
}

fn assert_caught(problems: Vec<String>, needle: &str) {
    assert!(
        problems.len() == 1 && problems[0].contains(needle),
        "expected one problem naming `{needle}`, got: {problems:#?}"
    );
}

#[test]
fn every_path_named_exists() {
    assert_none(checks::paths(&pages()));
}

#[test]
fn a_path_that_does_not_exist_is_caught() {
    let pages = mutated(
        "docs/src/concepts/security-model.md",
        "`shared/src/tls.rs`",
        "`shared/src/telemetry.rs`",
    );
    assert_caught(checks::paths(&pages), "shared/src/telemetry.rs");
}

#[test]
fn a_path_of_another_repository_is_named_by_a_link_to_it() {
    let path = "docs/src/platform/build-and-deploy.md";
    let external = "samcli/lib/build/build_strategy.py";
    let page = Page::parse(path, &std::fs::read_to_string(root().join(path)).unwrap());
    assert!(page.foreign_spans.iter().any(|s| s == external));
    let link =
        format!("[`{external}`](https://github.com/aws/aws-sam-cli/blob/v1.170.0/{external})");
    let pages = mutated(path, &link, &format!("`{external}`"));
    assert_caught(checks::paths(&pages), external);
}

#[test]
fn every_option_given_to_a_command_is_one_it_takes() {
    let names = Names::read();
    assert_none(checks::flags(&pages(), &names));
    assert_none(checks::option_tables(&pages(), &names));
}

#[test]
fn an_option_the_local_stack_does_not_take_is_caught() {
    let names = Names::read();
    let pages = mutated(
        "docs/src/tutorial/demo-tour.md",
        "cargo run -p local -- --strategy initiation-api",
        "cargo run -p local -- --mode initiation-api",
    );
    assert_caught(checks::flags(&pages, &names), "`local` takes no `--mode`");
}

#[test]
fn an_option_lint_flow_does_not_take_is_caught_and_so_is_an_undocumented_one() {
    let names = Names::read();
    let wrong = mutated(
        "docs/src/architect/lint-flow.md",
        "lint-flow -- infra/genesys/flows/secure-inbound-message.yaml --set",
        "lint-flow -- infra/genesys/flows/secure-inbound-message.yaml --define",
    );
    assert_caught(
        checks::flags(&wrong, &names),
        "`lint-flow` takes no `--define`",
    );
    let undocumented = mutated(
        "docs/src/architect/lint-flow.md",
        "| `--deadline-ms <N>` |",
        "| deadline |",
    );
    assert_caught(
        checks::option_tables(&undocumented, &names),
        "`--deadline-ms` is not documented",
    );
}

#[test]
fn an_option_no_tool_takes_is_caught() {
    let pages = mutated(
        "docs/src/platform/build-and-deploy.md",
        "`--config-file` must then be",
        "`--config` must then be",
    );
    assert_caught(
        checks::flags(&pages, &Names::read()),
        "no command takes `--config`",
    );
}

#[test]
fn every_variable_named_is_in_the_variable_table() {
    assert_none(checks::variables(&pages(), &Names::read()));
}

#[test]
fn a_variable_the_table_does_not_have_is_caught() {
    let pages = mutated(
        "docs/src/concepts/glossary.md",
        "`TICKET_TTL_SECS`",
        "`TICKET_TTL_SECONDS`",
    );
    assert_caught(
        checks::variables(&pages, &Names::read()),
        "TICKET_TTL_SECONDS",
    );
}

#[test]
fn a_lambda_runtime_variable_or_a_family_that_names_none_is_caught() {
    let names = Names::read();
    let pages = mutated(
        "docs/src/platform/cargo-lambda.md",
        "`AWS_LAMBDA_FUNCTION_VERSION`",
        "`AWS_LAMBDA_FUNCTION_REVISION`",
    );
    assert_caught(
        checks::variables(&pages, &names),
        "AWS_LAMBDA_FUNCTION_REVISION",
    );
    let pages = mutated(
        "docs/src/platform/cargo-lambda.md",
        "`*_SECRET_ID`",
        "`*_SECRET_ARN`",
    );
    assert_caught(checks::variables(&pages, &names), "*_SECRET_ARN");
}

#[test]
fn every_template_parameter_named_is_declared_and_listed_with_its_default() {
    assert_none(checks::parameters(&pages(), &Names::read()));
}

#[test]
fn a_parameter_the_template_does_not_declare_is_caught() {
    let names = Names::read();
    let pages = mutated(
        "docs/src/reference/template-parameters.md",
        "`InitiationStrategy=initiation-api`",
        "`InitiationMode=initiation-api`",
    );
    assert_caught(checks::parameters(&pages, &names), "`InitiationMode`");
    let pages = mutated(
        "docs/src/operations/alarms.md",
        "`ValidateSessionReservedConcurrency`",
        "`ValidateSessionReservedCapacity`",
    );
    assert_caught(
        checks::parameters(&pages, &names),
        "`ValidateSessionReservedCapacity`",
    );
}

#[test]
fn every_link_reaches_a_page_and_a_heading() {
    assert_none(checks::links(&pages()));
}

#[test]
fn a_link_to_a_missing_page_or_heading_is_caught() {
    let pages = mutated(
        "docs/src/reference/http-api.md",
        "[Errors](errors.md)",
        "[Errors](error.md)",
    );
    assert_caught(checks::links(&pages), "no `docs/src/reference/error.md`");
    let pages = mutated(
        "docs/src/concepts/messenger-lifecycle.md",
        "http-api.md#refresh",
        "http-api.md#refreshes",
    );
    assert_caught(checks::links(&pages), "has no heading `#refreshes`");
    let pages = mutated(
        "web/README.md",
        "(../docs/src/web/index.md)",
        "(../docs/src/web/start-here.md)",
    );
    assert_caught(checks::links(&pages), "no `docs/src/web/start-here.md`");
    let pages = mutated(
        "docs/src/SUMMARY.md",
        "(web/identity-providers.md)",
        "(web/identity-provider.md)",
    );
    assert_caught(
        checks::links(&pages),
        "no `docs/src/web/identity-provider.md`",
    );
}

#[test]
fn sam_deploy_deploys_the_built_template() {
    assert_none(checks::sam_deploy(&pages()));
}

#[test]
fn a_sam_deploy_of_the_source_template_is_caught() {
    let pages = mutated(
        "docs/src/platform/add-an-attribute.md",
        "   sam deploy\n",
        "   sam deploy -t template.yaml\n",
    );
    assert_caught(checks::sam_deploy(&pages), "names the source template");
}

#[test]
fn the_summary_lists_every_page_of_the_book() {
    let summary = std::fs::read_to_string(root().join("docs/src/SUMMARY.md")).unwrap();
    for page in pages().iter().filter(|p| p.path.starts_with("docs/src/")) {
        let name = page.path.trim_start_matches("docs/src/");
        assert!(
            name == "SUMMARY.md" || summary.contains(&format!("]({name})")),
            "docs/src/SUMMARY.md does not list {name}"
        );
    }
}
