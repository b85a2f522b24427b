//! Writes the Genesys-side artifacts generated from the attribute schema and the routing rules,
//! or with `--check` reports which are stale (exit 1). Exit 2: an input could not be read or is
//! refused (the message names the rule or attribute).
//!
//! Usage: `generate-artifacts [--check] [--schema PATH] [--routing PATH] [--root DIR]`
#![allow(clippy::print_stdout, clippy::print_stderr)] // a command-line tool reports on the terminal

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use genesys_as_code::generate;
use genesys_as_code::routing::{ROUTING_PATH, Routing};
use secure_initiation::attributes::Schema;

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

struct Args {
    check: bool,
    root: PathBuf,
    schema: Option<PathBuf>,
    routing: Option<PathBuf>,
}

fn parse_args() -> Result<Args, String> {
    let mut parsed = Args {
        check: false,
        root: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.."),
        schema: None,
        routing: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut path = |what: &str| {
            args.next()
                .map(PathBuf::from)
                .ok_or(format!("`{arg}` needs {what}"))
        };
        match arg.as_str() {
            "--check" => parsed.check = true,
            "--root" => parsed.root = path("a directory")?,
            "--routing" => parsed.routing = Some(path("a path")?),
            "--schema" => parsed.schema = Some(path("a path")?),
            other => {
                return Err(format!(
                    "unknown argument `{other}` (accepted: --check, --schema PATH, --routing PATH, --root DIR)"
                ));
            }
        }
    }
    parsed.root = parsed.root.canonicalize().unwrap_or(parsed.root);
    Ok(parsed)
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))
}

/// Every generated file with its path, the book's generated pages included.
fn files(args: &Args) -> Result<Vec<(PathBuf, String)>, String> {
    let root = &args.root;
    let schema_path = args
        .schema
        .clone()
        .unwrap_or_else(|| root.join("config/attributes.toml"));
    let schema = Schema::from_toml(&read(&schema_path)?)
        .map_err(|e| format!("`{}`: {e}", schema_path.display()))?;
    let routing_path = args
        .routing
        .clone()
        .unwrap_or_else(|| root.join(ROUTING_PATH));
    let routing = Routing::from_toml(&read(&routing_path)?, &schema)
        .map_err(|e| format!("`{}`: {e}", routing_path.display()))?;
    let mut files: Vec<(PathBuf, String)> = generate::all_artifacts(&schema, &routing)
        .into_iter()
        .map(|a| (root.join(a.path), a.contents))
        .collect();
    for page in generate::GENERATED_PAGES {
        let path = root.join(page.path);
        let text = read(&path)?;
        files.push((
            path,
            page.render(&text, &schema).map_err(|e| e.to_string())?,
        ));
    }
    Ok(files)
}

fn run() -> Result<ExitCode, String> {
    let args = parse_args()?;
    let mut stale = 0;
    for (path, contents) in files(&args)? {
        let current = std::fs::read_to_string(&path).ok();
        if current.as_deref() == Some(contents.as_str()) {
            continue;
        }
        stale += 1;
        if args.check {
            println!("stale: {}", path.display());
        } else {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)
                    .map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
            }
            std::fs::write(&path, contents)
                .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
            println!("wrote: {}", path.display());
        }
    }
    if args.check && stale > 0 {
        println!(
            "{stale} generated file(s) are stale: run `cargo run -p genesys-as-code --bin generate-artifacts`"
        );
        return Ok(ExitCode::FAILURE);
    }
    if stale == 0 {
        println!("generated artifacts are up to date");
    }
    Ok(ExitCode::SUCCESS)
}
