//! Lints an Archy inbound message flow against the attribute schema (see
//! `genesys_as_code::lint` for the findings).
//!
//! Usage: `lint-flow FLOW.yaml [--set key=value ...] [--schema PATH] [--action NAME]
//! [--deadline-ms N] [--format text|json]`
//!
//! Exit codes: 0 no finding (notes allowed), 1 findings, 2 the file could not be read (or a bad
//! argument).
#![allow(clippy::print_stdout, clippy::print_stderr)] // a command-line tool reports on the terminal

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use genesys_as_code::generate::data_actions::ACTION_NAME;
use genesys_as_code::lint::{Diagnostic, LintConfig, Severity, lint};
use secure_initiation::api::ValidateSettings;
use secure_initiation::attributes::Schema;

const USAGE: &str = "usage: lint-flow FLOW.yaml [--set key=value ...] [--schema PATH] [--action NAME] [--deadline-ms N] [--format text|json]";

struct Args {
    file: PathBuf,
    substitutions: BTreeMap<String, String>,
    schema: Option<PathBuf>,
    action: String,
    deadline: Duration,
    json: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut file = None;
    let mut args = Args {
        file: PathBuf::new(),
        substitutions: BTreeMap::new(),
        schema: None,
        action: ACTION_NAME.to_owned(),
        deadline: ValidateSettings::default().deadline,
        json: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .ok_or_else(|| format!("`{name}` needs a value\n{USAGE}"))
        };
        match arg.as_str() {
            "--set" => {
                let v = value("--set")?;
                let (k, val) = v
                    .split_once('=')
                    .filter(|(k, _)| !k.is_empty())
                    .ok_or_else(|| format!("`--set {v}`: expected key=value"))?;
                args.substitutions
                    .insert(k.trim().to_owned(), val.to_owned());
            }
            "--schema" => args.schema = Some(PathBuf::from(value("--schema")?)),
            "--action" => args.action = value("--action")?,
            "--deadline-ms" => {
                let v = value("--deadline-ms")?;
                let ms: u64 = v.parse().map_err(|_| {
                    format!("`--deadline-ms` = `{v}` is not a number of milliseconds")
                })?;
                args.deadline = Duration::from_millis(ms);
            }
            "--format" => match value("--format")?.as_str() {
                "text" => args.json = false,
                "json" => args.json = true,
                other => return Err(format!("`--format` = `{other}`: expected text or json")),
            },
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other if other.starts_with('-') => {
                return Err(format!("unknown argument `{other}`\n{USAGE}"));
            }
            other => {
                if file.replace(PathBuf::from(other)).is_some() {
                    return Err(format!("one flow file at a time\n{USAGE}"));
                }
            }
        }
    }
    args.file = file.ok_or_else(|| USAGE.to_owned())?;
    Ok(args)
}

fn schema(path: Option<&PathBuf>) -> Result<Schema, String> {
    let default = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../config/attributes.toml");
    match path {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| format!("cannot read `{}`: {e}", p.display()))?;
            Schema::from_toml(&text).map_err(|e| format!("`{}`: {e}", p.display()))
        }
        None => match std::fs::read_to_string(&default) {
            Ok(text) => {
                Schema::from_toml(&text).map_err(|e| format!("`{}`: {e}", default.display()))
            }
            Err(_) => Schema::default_schema().map_err(|e| e.to_string()),
        },
    }
}

/// The diagnostics of the file the arguments name, or the message and exit code of why there
/// are none.
fn diagnostics(args: &Args) -> Result<Vec<Diagnostic>, String> {
    let schema = schema(args.schema.as_ref()).map_err(|m| format!("error: {m}"))?;
    let name = args.file.display().to_string();
    let text =
        std::fs::read_to_string(&args.file).map_err(|e| format!("{name}: cannot read: {e}"))?;
    let config = LintConfig {
        schema,
        action_name: args.action.clone(),
        deadline: args.deadline,
    };
    lint(&text, &args.substitutions, &config).map_err(|e| format!("{name}: {e}"))
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let diagnostics = match diagnostics(&args) {
        Ok(d) => d,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let name = args.file.display().to_string();
    let findings = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Finding)
        .count();
    let notes = diagnostics.len() - findings;
    if args.json {
        let body = serde_json::json!({"file": name, "findings": findings, "notes": notes, "diagnostics": diagnostics});
        println!("{body:#}");
    } else {
        for d in &diagnostics {
            let level = match d.severity {
                Severity::Finding => "finding",
                Severity::Note => "note",
            };
            println!("{name}:{}: {level}[{}]: {}", d.line, d.code, d.message);
            if let Some(fix) = &d.fix {
                println!("    fix: {fix}");
            }
        }
        println!("{name}: {findings} finding(s), {notes} note(s)");
    }
    if findings > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
