//! The drift checks: each reads the parsed pages and the repository's names and returns one
//! line per problem (`page: what is wrong`), empty when the documentation holds.

use std::collections::BTreeMap;
use std::path::Path;

use super::names::{Names, is_camel};
use super::{Page, commands, root, shell_words};

/// Paths the documentation names that a command writes, not the repository holds.
const WRITTEN_BY_COMMANDS: &[&str] = &[
    "web/test-output/",
    "docs/book/",
    "docs/src/mermaid/",
    ".aws-sam/",
    "infra/.aws-sam/",
    "dist/",
    "target/",
];

/// Words shaped like a path that name something else: `application/`, the media-type prefix
/// (RFC 6838's top-level type) that `JWT_TYP`'s comparison ignores.
const NOT_PATHS: &[&str] = &["application/"];

/// Extensions that make a slash-separated word a path.
const EXTENSIONS: &[&str] = &[
    "rs", "toml", "yaml", "yml", "json", "md", "sh", "mjs", "js", "ts", "py", "tf", "txt", "png",
    "lock", "html", "css",
];

/// Whether `word` reads as a repository path: no spaces or URL, not a route, and it ends with
/// `/` or a known extension.
fn path_like(word: &str) -> bool {
    if word.contains("..") || word.contains('…') {
        return false;
    }
    let word = word.trim_end_matches([',', '.', ')', ':']);
    let not_a_path = ['<', '>', '$', '=', '@', ' ', '"', '\\', '[', '^', '('];
    if NOT_PATHS.contains(&word) {
        return false;
    }
    if word.contains(not_a_path) || word.contains("://") || word.contains("{{") {
        return false;
    }
    if !word.contains('/') || word.starts_with(['/', '~', '-', '.']) {
        return false;
    }
    word.ends_with('/')
        || word
            .rsplit_once('.')
            .is_some_and(|(stem, ext)| !stem.ends_with('/') && EXTENSIONS.contains(&ext))
}

/// Every path named in a code span or a shell block must exist (`*` matches within one name,
/// `{a,b}` names two) or be written by a command.
pub fn paths(pages: &[Page]) -> Vec<String> {
    let mut problems = Vec::new();
    for page in pages {
        let mut words: Vec<String> = page.spans.clone();
        for block in page.blocks.iter().filter(|b| is_shell(b.language())) {
            for command in commands(&block.text) {
                words.extend(shell_words(&command));
            }
        }
        for word in words.iter().filter(|w| path_like(w)) {
            let word = word.trim_end_matches([',', '.', ')', ':']);
            for path in expand_braces(word) {
                if !exists(&path) {
                    problems.push(format!("{}: `{path}` does not exist", page.path));
                }
            }
        }
    }
    problems
}

fn is_shell(language: &str) -> bool {
    matches!(language, "sh" | "bash" | "console" | "shell")
}

fn expand_braces(word: &str) -> Vec<String> {
    match (word.find('{'), word.find('}')) {
        (Some(a), Some(b)) if a < b => word[a + 1..b]
            .split(',')
            .map(|alt| format!("{}{alt}{}", &word[..a], &word[b + 1..]))
            .collect(),
        _ => vec![word.to_owned()],
    }
}

fn exists(path: &str) -> bool {
    if WRITTEN_BY_COMMANDS.iter().any(|w| path.starts_with(w)) {
        return true;
    }
    match path.rsplit_once('/') {
        Some((dir, name)) if name.contains('*') => {
            let (before, after) = name.split_once('*').unwrap_or((name, ""));
            std::fs::read_dir(root().join(dir)).is_ok_and(|entries| {
                entries.flatten().any(|e| {
                    let n = e.file_name().to_string_lossy().into_owned();
                    n.starts_with(before) && n.ends_with(after)
                })
            })
        }
        _ => root().join(path).exists(),
    }
}

/// Every option given to `local`, `lint-flow` or `generate-artifacts` in a command must be one
/// they take, and an option named alone must belong to one of them or to a tool listed here.
pub fn flags(pages: &[Page], names: &Names) -> Vec<String> {
    let mut problems = Vec::new();
    for page in pages {
        let mut lines: Vec<String> = page
            .blocks
            .iter()
            .filter(|b| is_shell(b.language()))
            .flat_map(|b| commands(&b.text))
            .collect();
        lines.extend(
            page.spans
                .iter()
                .filter(|s| s.contains("cargo run"))
                .cloned(),
        );
        for line in &lines {
            let words = shell_words(line);
            let Some(command) = project_command(&words) else {
                continue;
            };
            let given = words.iter().skip_while(|w| *w != "--").skip(1);
            for flag in given.filter(|w| w.starts_with("--")) {
                let flag = flag.split('=').next().unwrap_or(flag);
                if !names.takes(command, flag) {
                    problems.push(format!("{}: `{command}` takes no `{flag}`", page.path));
                }
            }
        }
        for span in page
            .spans
            .iter()
            .filter(|s| s.starts_with("--") && s.len() > 2)
        {
            let flag = span.split([' ', '=']).next().unwrap_or(span);
            let ours = names.flags.values().any(|f| f.contains(flag));
            if !ours && !other_tool_takes(flag) {
                problems.push(format!("{}: no command takes `{flag}`", page.path));
            }
        }
    }
    problems
}

/// Options of other tools the pages name on their own, by tool, each from the tool's own
/// reference: `sam deploy --help` (SAM CLI 1.170.0, the version `scripts/requirements.txt`
/// pins), `cargo lambda build --help` (cargo-lambda 1.9.2) and `cargo bench --help`. The SAM
/// commands of the deploy chapter are also run against the installed SAM CLI, which refuses
/// an option it does not take (`scripts/check_deploy_chapter.py`).
const OTHER_TOOLS_FLAGS: &[(&str, &[&str])] = &[
    (
        "sam deploy",
        &[
            "--guided",
            "--parameter-overrides",
            "--template-file",
            "--config-file",
        ],
    ),
    ("cargo lambda build", &["--arm64", "--release"]),
    ("cargo bench", &["--bench"]),
];

fn other_tool_takes(flag: &str) -> bool {
    OTHER_TOOLS_FLAGS
        .iter()
        .any(|(_, flags)| flags.contains(&flag))
}

fn project_command(words: &[String]) -> Option<&'static str> {
    let cargo_run =
        words.first().is_some_and(|w| w == "cargo") && words.get(1).is_some_and(|w| w == "run");
    if !cargo_run {
        return None;
    }
    let after = |opt: &str| {
        words
            .iter()
            .position(|w| w == opt)
            .and_then(|i| words.get(i + 1))
            .map(String::as_str)
    };
    match (after("-p"), after("--bin")) {
        (Some("local"), _) => Some("local"),
        (_, Some("lint-flow")) => Some("lint-flow"),
        (_, Some("generate-artifacts")) => Some("generate-artifacts"),
        _ => None,
    }
}

/// The options table of a command's page lists exactly the options the command takes.
pub fn option_tables(pages: &[Page], names: &Names) -> Vec<String> {
    let mut problems = Vec::new();
    for (path, command) in [
        ("docs/src/reference/local-stack.md", "local"),
        ("docs/src/architect/lint-flow.md", "lint-flow"),
    ] {
        let Some(page) = pages.iter().find(|p| p.path == path) else {
            problems.push(format!("{path}: missing"));
            continue;
        };
        // The first cell of each row of the options table: "| `--port <PORT>` |", or
        // "| `--help`, `--version` |".
        let documented: std::collections::BTreeSet<String> = page
            .text
            .lines()
            .filter_map(|l| l.strip_prefix("| `--"))
            .filter_map(|row| row.split(" |").next())
            .flat_map(|cell| cell.split('`').map(str::to_owned).collect::<Vec<_>>())
            .map(|c| format!("--{}", c.trim_start_matches("--")))
            .filter_map(|c| c.split([' ', '=']).next().map(str::to_owned))
            .filter(|c| c.len() > 2 && !c.starts_with("--,"))
            .collect();
        for flag in &names.flags[command] {
            if !documented.contains(flag) {
                problems.push(format!("{path}: `{command}`'s `{flag}` is not documented"));
            }
        }
    }
    problems
}

/// Every environment variable named must be a row of the variable table, one the Lambda runtime
/// sets, or a standard variable the package or its tools read. A name with `*` (`*_SECRET_ID`,
/// `AWS_LAMBDA_FUNCTION_*`) names a family: it must match at least one of those.
pub fn variables(pages: &[Page], names: &Names) -> Vec<String> {
    let known = |name: &str| {
        names.variables.contains(name)
            || LAMBDA_RUNTIME_VARIABLES.contains(&name)
            || OTHER_VARIABLES.contains(&name)
    };
    let mut problems = Vec::new();
    for page in pages {
        let mut texts: Vec<&str> = page.spans.iter().map(String::as_str).collect();
        texts.extend(
            page.blocks
                .iter()
                .filter(|b| is_shell(b.language()))
                .map(|b| b.text.as_str()),
        );
        for text in texts {
            for word in screaming_words(text) {
                let named = if word.contains('*') {
                    names
                        .variables
                        .iter()
                        .map(String::as_str)
                        .chain(LAMBDA_RUNTIME_VARIABLES.iter().copied())
                        .chain(OTHER_VARIABLES.iter().copied())
                        .any(|name| glob_matches(&word, name))
                } else {
                    known(&word)
                };
                if !named {
                    problems.push(format!(
                        "{}: `{word}` is not in the variable table",
                        page.path
                    ));
                }
            }
        }
    }
    problems
}

/// What the Lambda runtime sets in every function's environment, reserved so that a function's
/// configuration cannot set them: AWS Lambda Developer Guide, "Defined runtime environment
/// variables" (`configuration-envvars.html`), and `AWS_LAMBDA_LOG_FORMAT` and
/// `AWS_LAMBDA_LOG_LEVEL` from "Configuring advanced logging controls"
/// (`monitoring-cloudwatchlogs-advanced.html`). `cargo lambda watch` sets four of them for a
/// function it starts (cargo-lambda-watch's `watcher.rs`).
const LAMBDA_RUNTIME_VARIABLES: &[&str] = &[
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_LAMBDA_LOG_FORMAT",
    "AWS_LAMBDA_LOG_LEVEL",
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
];

/// Variables the package honours but does not define (the AWS SDK's, TLS's), the tools' and the
/// scripts' own, and constants that look like variables.
const OTHER_VARIABLES: &[&str] = &[
    "AWS_ENDPOINT_URL",
    "AWS_CA_BUNDLE",
    "SSL_CERT_FILE",
    "AWS_LC_SYS_NO_JITTER_ENTROPY",
    "GENESYSCLOUD_REGION",
    "GENESYSCLOUD_OAUTHCLIENT_ID",
    "GENESYSCLOUD_OAUTHCLIENT_SECRET",
    "CARGO_TARGET_DIR",
    "CARGO_PROFILE_PROFILING_INHERITS",
    "CARGO_PROFILE_PROFILING_STRIP",
    "RUSTC_BOOTSTRAP",
    "BOOK_SCREENSHOTS",
    "CAPABILITY_IAM",
];

/// Whether `name` matches `pattern`, where each `*` stands for any run of characters.
fn glob_matches(pattern: &str, name: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = name.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// `TICKET_TTL_SECS`-shaped words: upper case, digits and at least one inner `_`, outside
/// `<placeholders>`; with a `*`, a family of them (`*_SECRET_ID`).
fn screaming_words(text: &str) -> Vec<String> {
    let word_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '<' | '>' | '*');
    text.split(|c: char| !word_char(c))
        .filter(|w| !w.contains(['<', '>']))
        .filter(|w| {
            let name = w.trim_matches('*');
            (name.starts_with(|c: char| c.is_ascii_uppercase())
                || w.starts_with('*') && name.starts_with('_'))
                && name.trim_matches('_').contains('_')
                && name
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_' || c == '*')
        })
        .map(str::to_owned)
        .collect()
}

/// `Name=value` must name a template parameter; a CamelCase name must be one the template or
/// the code declares; the parameters page must list every parameter with its default.
pub fn parameters(pages: &[Page], names: &Names) -> Vec<String> {
    let mut problems = Vec::new();
    for page in pages {
        let mut words: Vec<String> = page.spans.clone();
        for block in page.blocks.iter().filter(|b| is_shell(b.language())) {
            words.extend(commands(&block.text).iter().flat_map(|c| shell_words(c)));
        }
        for word in &words {
            if let Some((name, _)) = word.split_once('=')
                && is_camel(name)
                && !names.parameters.contains_key(name)
                && !names.dimensions.contains(name)
            {
                problems.push(format!(
                    "{}: `{name}` is not a template parameter",
                    page.path
                ));
            }
        }
        for span in &page.spans {
            if is_camel(span)
                && !names.identifiers.contains(span)
                && !OTHER_NAMES.contains(&span.as_str())
            {
                problems.push(format!(
                    "{}: `{span}` is declared neither by the template nor by the code",
                    page.path
                ));
            }
        }
    }
    problems.extend(parameter_table(pages, names));
    problems
}

/// Names of other systems the pages write in code spans (Genesys, AWS).
const OTHER_NAMES: &[&str] = &[
    "PureCloudRegionHosts",
    "CustomAttributesStore",
    "SuccessfulRequestLatency",
    "NaN",
];

fn parameter_table(pages: &[Page], names: &Names) -> Vec<String> {
    let path = "docs/src/reference/template-parameters.md";
    let text = std::fs::read_to_string(root().join(path)).unwrap_or_default();
    let mut listed: BTreeMap<String, String> = BTreeMap::new();
    for line in text.lines() {
        let cells: Vec<&str> = line.split(" | ").collect();
        if let [first, default, ..] = cells.as_slice()
            && let Some(name) = first.strip_prefix("| `").and_then(|n| n.strip_suffix('`'))
        {
            listed.insert(name.to_owned(), (*default).to_owned());
        }
    }
    let _ = pages;
    let mut problems = Vec::new();
    for (name, default) in &names.parameters {
        let expected = match default.as_deref() {
            None => "(required)".to_owned(),
            Some("") => "empty".to_owned(),
            Some(d) => format!("`{d}`"),
        };
        match listed.get(name) {
            None => problems.push(format!("{path}: parameter `{name}` is not listed")),
            Some(d) if *d != expected => problems.push(format!(
                "{path}: `{name}`'s default is {expected}, the page says {d}"
            )),
            Some(_) => {}
        }
    }
    for name in listed.keys().filter(|n| !names.parameters.contains_key(*n)) {
        problems.push(format!("{path}: `{name}` is not a template parameter"));
    }
    problems
}

/// Every relative link and image resolves to a file, and every `#anchor` to a heading of its
/// page; the book's links stay inside `docs/src/` (a rendered book has nothing else).
pub fn links(pages: &[Page]) -> Vec<String> {
    let by_path: BTreeMap<&str, &Page> = pages.iter().map(|p| (p.path.as_str(), p)).collect();
    let mut problems = Vec::new();
    for page in pages {
        for link in &page.links {
            if link.contains("://") || link.starts_with("mailto:") {
                continue;
            }
            let (file, anchor) = link.split_once('#').unwrap_or((link, ""));
            let target = if file.is_empty() {
                page.path.clone()
            } else {
                normalise(
                    Path::new(&page.path).parent().unwrap_or(Path::new("")),
                    file,
                )
            };
            if page.path.starts_with("docs/src/") && !target.starts_with("docs/src/") {
                problems.push(format!("{}: `{link}` leaves the book", page.path));
                continue;
            }
            if !root().join(&target).exists() {
                problems.push(format!("{}: `{link}`: no `{target}`", page.path));
                continue;
            }
            if anchor.is_empty() {
                continue;
            }
            match by_path.get(target.as_str()) {
                Some(t) if t.anchors.contains(anchor) => {}
                Some(_) => problems.push(format!(
                    "{}: `{link}`: `{target}` has no heading `#{anchor}`",
                    page.path
                )),
                None => problems.push(format!("{}: `{link}`: not a page", page.path)),
            }
        }
    }
    problems
}

fn normalise(dir: &Path, relative: &str) -> String {
    let mut parts: Vec<&str> = dir
        .to_str()
        .unwrap_or("")
        .split('/')
        .filter(|p| !p.is_empty())
        .collect();
    for part in relative.split('/') {
        match part {
            "." | "" => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

/// `sam deploy` deploys the built template: never the source template by name, and after a
/// `sam build` on the same page.
pub fn sam_deploy(pages: &[Page]) -> Vec<String> {
    let mut problems = Vec::new();
    for page in pages {
        let mut built = false;
        for block in page.blocks.iter().filter(|b| is_shell(b.language())) {
            for words in commands(&block.text).iter().map(|c| shell_words(c)) {
                let sam = |sub: &str| words.len() > 1 && words[0] == "sam" && words[1] == sub;
                if sam("build") {
                    built = true;
                }
                if !sam("deploy") {
                    continue;
                }
                let template = words
                    .iter()
                    .position(|w| matches!(w.as_str(), "-t" | "--template" | "--template-file"));
                if let Some(t) = template.and_then(|i| words.get(i + 1))
                    && !t.ends_with(".aws-sam/build/template.yaml")
                {
                    problems.push(format!(
                        "{}: `sam deploy` names the source template `{t}`",
                        page.path
                    ));
                }
                if !built {
                    problems.push(format!(
                        "{}: `sam deploy` before any `sam build`",
                        page.path
                    ));
                }
            }
        }
    }
    problems
}
