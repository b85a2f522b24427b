//! Writes the Genesys-side artifacts generated from the attribute schema and the routing rules,
//! or with `--check` reports which are stale (exit 1). Exit 2: an input could not be read or is
//! refused (the message names the rule or attribute).
//!
//! Usage: `generate-artifacts [--check] [--schema PATH] [--routing PATH] [--root DIR]`
#![allow(clippy::print_stdout, clippy::print_stderr)] // a command-line tool reports on the terminal

use std::path::PathBuf;
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

fn run() -> Result<ExitCode, String> {
    let mut check = false;
    let mut root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut schema_path = None;
    let mut routing_path = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--check" => check = true,
            "--root" => root = PathBuf::from(args.next().ok_or("`--root` needs a directory")?),
            "--routing" => {
                routing_path = Some(PathBuf::from(
                    args.next().ok_or("`--routing` needs a path")?,
                ))
            }
            "--schema" => {
                schema_path = Some(PathBuf::from(args.next().ok_or("`--schema` needs a path")?))
            }
            other => {
                return Err(format!(
                    "unknown argument `{other}` (accepted: --check, --schema PATH, --routing PATH, --root DIR)"
                ));
            }
        }
    }
    let root = root.canonicalize().unwrap_or(root);
    let schema_path = schema_path.unwrap_or_else(|| root.join("config/attributes.toml"));
    let text = std::fs::read_to_string(&schema_path)
        .map_err(|e| format!("cannot read `{}`: {e}", schema_path.display()))?;
    let schema =
        Schema::from_toml(&text).map_err(|e| format!("`{}`: {e}", schema_path.display()))?;

    let routing_path = routing_path.unwrap_or_else(|| root.join(ROUTING_PATH));
    let text = std::fs::read_to_string(&routing_path)
        .map_err(|e| format!("cannot read `{}`: {e}", routing_path.display()))?;
    let routing = Routing::from_toml(&text, &schema)
        .map_err(|e| format!("`{}`: {e}", routing_path.display()))?;

    let mut files: Vec<(PathBuf, String)> = generate::all_artifacts(&schema, &routing)
        .into_iter()
        .map(|a| (root.join(a.path), a.contents))
        .collect();
    for page in generate::GENERATED_PAGES {
        let path = root.join(page.path);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
        files.push((
            path,
            page.render(&text, &schema).map_err(|e| e.to_string())?,
        ));
    }

    let mut stale = 0;
    for (path, contents) in files {
        let current = std::fs::read_to_string(&path).ok();
        if current.as_deref() == Some(contents.as_str()) {
            continue;
        }
        stale += 1;
        if check {
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
    if check && stale > 0 {
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
