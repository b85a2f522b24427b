//! The commands the book shows for the local stack run as shown. Every fenced block marked
//! `sh,local-stack` runs against a spawned stack, and its output must match the `text,expect`
//! block that follows it, line by line in order (`…` stands for anything; other output lines
//! may come between). A `cargo run -p local [-- options]` block starts the stack with those
//! options, parsed by the stack's own command line, on a free port that replaces the pages'
//! 3000; its expected output is the banner. The other blocks of a stack run in order in one
//! bash, so the variables they set carry over.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod book;
mod common;

use book::{Block, Page, pages, shell_words};
use clap::Parser as _;

/// A block to run, and the output it must show.
struct Step<'a> {
    block: &'a Block,
    expect: Option<&'a str>,
}

fn steps(page: &Page) -> Vec<Step<'_>> {
    let blocks = &page.blocks;
    blocks
        .iter()
        .enumerate()
        .filter(|(_, b)| b.has("local-stack"))
        .map(|(i, block)| Step {
            block,
            expect: blocks
                .get(i + 1)
                .filter(|next| next.has("expect"))
                .map(|next| next.text.as_str()),
        })
        .collect()
}

/// The options of a `cargo run -p local [-- options]` block, or `None` for another command.
fn start_options(block: &Block) -> Option<local::Options> {
    let words = shell_words(block.text.trim());
    if words.len() < 4 || words[..4] != ["cargo", "run", "-p", "local"] {
        return None;
    }
    let args = words.iter().skip_while(|w| *w != "--").skip(1);
    let cli =
        local::cli::Cli::try_parse_from(std::iter::once("local".to_owned()).chain(args.cloned()))
            .unwrap_or_else(|e| panic!("line {}: {e}", block.line));
    let mut options = cli.options();
    options.port = 0;
    Some(options)
}

/// Whether `line` matches `pattern`, where `…` stands for anything.
fn line_matches(pattern: &str, line: &str) -> bool {
    let parts: Vec<&str> = pattern.split('…').collect();
    let [first, middle @ .., last] = parts.as_slice() else {
        return line == pattern;
    };
    let Some(mut rest) = line.strip_prefix(first) else {
        return false;
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}

/// Every non-empty line of `expected` matches a line of `output`, in order.
fn expect(expected: &str, output: &str, host: &str) -> Result<(), String> {
    let lines: Vec<&str> = output.lines().map(str::trim_end).collect();
    let mut at = 0;
    for want in expected
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty())
    {
        let want = want.replace("127.0.0.1:3000", host);
        match lines[at..].iter().position(|l| line_matches(&want, l)) {
            Some(i) => at += i + 1,
            None => return Err(format!("no line matches `{want}` in:\n{output}")),
        }
    }
    Ok(())
}

/// Runs `steps` (shell blocks) in one bash against the stack at `host` (`127.0.0.1:PORT`).
async fn run_shell(steps: &[Step<'_>], host: &str, page: &str) -> Result<(), String> {
    if steps.is_empty() {
        return Ok(());
    }
    let mut script = String::from("set -euo pipefail\n");
    for (i, step) in steps.iter().enumerate() {
        script.push_str(&format!("printf '\\n@@ {i}\\n'\n"));
        script.push_str(&step.block.text.replace("127.0.0.1:3000", host));
        script.push('\n');
    }
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new("timeout")
            .args(["120", "bash", "-c", &script])
            .output()
    })
    .await
    .unwrap()
    .map_err(|e| format!("bash: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let mut outputs = vec![String::new(); steps.len()];
    let mut current = None;
    for line in stdout.lines() {
        if let Some(i) = line
            .strip_prefix("@@ ")
            .and_then(|i| i.parse::<usize>().ok())
        {
            current = Some(i);
        } else if let Some(i) = current {
            outputs[i].push_str(line);
            outputs[i].push('\n');
        }
    }
    if !output.status.success() {
        let failed = current.map_or(0, |i| steps[i].block.line);
        return Err(format!(
            "{page}:{failed}: the block failed ({}):\n{stdout}{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    for (step, out) in steps.iter().zip(&outputs) {
        if let Some(expected) = step.expect {
            expect(expected, out, host).map_err(|e| format!("{page}:{}: {e}", step.block.line))?;
        }
    }
    Ok(())
}

/// Runs a page's `local-stack` blocks, starting a stack for each start block (or a default one).
async fn run_page(page: &Page) -> Result<(), String> {
    let mut stack: Option<local::Running> = None;
    let mut pending: Vec<Step<'_>> = Vec::new();
    for step in steps(page) {
        if let Some(options) = start_options(step.block) {
            if let Some(s) = &stack {
                run_shell(&pending, &s.addr.to_string(), &page.path).await?;
            }
            pending.clear();
            let running = local::spawn(options.clone())
                .await
                .map_err(|e| e.to_string())?;
            if let Some(expected) = step.expect {
                let banner = local::cli::banner(&running, &options);
                let host = running.addr.to_string();
                expect(expected, &banner, &host)
                    .map_err(|e| format!("{}:{}: {e}", page.path, step.block.line))?;
            }
            stack = Some(running);
        } else {
            if stack.is_none() {
                let options = local::Options {
                    port: 0,
                    ..local::Options::default()
                };
                stack = Some(local::spawn(options).await.map_err(|e| e.to_string())?);
            }
            pending.push(step);
        }
    }
    if let Some(s) = &stack {
        run_shell(&pending, &s.addr.to_string(), &page.path).await?;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn every_local_stack_command_the_book_shows_runs_as_shown() {
    let pages: Vec<Page> = pages()
        .into_iter()
        .filter(|p| p.blocks.iter().any(|b| b.has("local-stack")))
        .collect();
    for tutorial in [
        "run-the-local-stack",
        "api-by-hand",
        "demo-tour",
        "initiation-api",
    ] {
        let path = format!("docs/src/tutorial/{tutorial}.md");
        assert!(
            pages.iter().any(|p| p.path == path),
            "{path} runs no command"
        );
    }
    for page in &pages {
        if let Err(e) = run_page(page).await {
            panic!("{e}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_output_other_than_the_page_shows_fails() {
    let page = Page::parse(
        "example.md",
        "```sh,local-stack\ncurl -s http://127.0.0.1:3000/dev/store\n```\n\n\
         ```text,expect\n{\"sessions\":1,…}\n```\n",
    );
    let error = run_page(&page)
        .await
        .expect_err("a fresh stack holds no session");
    assert!(
        error.contains("no line matches `{\"sessions\":1,…}`"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_command_that_fails_fails_the_page() {
    let page = Page::parse(
        "example.md",
        "```sh,local-stack\ncurl -s http://127.0.0.1:3000/dev/metrics | grep -o '\"metric\":\"NoSuchMetric\"'\n```\n",
    );
    let error = run_page(&page).await.expect_err("grep finds nothing");
    assert!(error.contains("example.md:1: the block failed"), "{error}");
}

#[test]
fn an_ellipsis_stands_for_anything_and_nothing_else_does() {
    assert!(line_matches(
        "{\"valid\":false,\"reason\":\"unknown\",…}",
        "{\"valid\":false,\"reason\":\"unknown\",\"x\":\"\"}"
    ));
    assert!(line_matches("retry-after: 4…", "retry-after: 45"));
    assert!(!line_matches("retry-after: 4…", "retry-after: 30"));
    assert!(!line_matches("{\"valid\":true}", "{\"valid\":false}"));
}
