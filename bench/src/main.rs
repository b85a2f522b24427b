//! `lambda-bench`: runs each function's release binary as Lambda runs it (a local Runtime API,
//! Lambda's environment, API Gateway and data-action events) against loopback backends, side by
//! side with a minimal `lambda_http` function, and prints the figures as Markdown.
//!
//! `bash scripts/bench.sh` builds the release binaries and runs it; by hand:
//! `lambda-bench [--spawns N] [--invocations N] [--quick] [--bin-dir DIR] [--out FILE]`.
#![allow(clippy::print_stdout, clippy::print_stderr)] // a command-line tool reports on the terminal

mod backends;
mod error;
mod events;
mod measure;
mod process;
mod procfs;
mod proxy;
mod report;
mod suite;

use std::path::PathBuf;
use std::process::ExitCode;

use error::BenchError;
use suite::Plan;

const USAGE: &str = "usage: lambda-bench [--spawns N] [--invocations N] [--quick] [--bin-dir DIR] [--out FILE]\n\
  --spawns N        fresh processes per function (default 20)\n\
  --invocations N   timed warm invocations per function (default 2000)\n\
  --quick           3 spawns, 100 invocations (CI)\n\
  --bin-dir DIR     where the release binaries are (default: beside this binary)\n\
  --out FILE        also write the report to FILE";

#[derive(Debug)]
struct Args {
    plan: Plan,
    bin_dir: PathBuf,
    out: Option<PathBuf>,
}

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Args, BenchError> {
    let usage = |m: String| BenchError::Usage(format!("{m}\n{USAGE}"));
    let mut plan = Plan {
        spawns: 20,
        invocations: 2000,
    };
    let mut bin_dir = None;
    let mut out = None;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .ok_or_else(|| usage(format!("`{name}` needs a value")))
        };
        let mut count = |name: &str| -> Result<usize, BenchError> {
            let v = value(name)?;
            v.parse::<usize>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| usage(format!("`{name}` = `{v}` is not a positive number")))
        };
        match arg.as_str() {
            "--spawns" => plan.spawns = count("--spawns")?,
            "--invocations" => plan.invocations = count("--invocations")?,
            "--quick" => {
                plan = Plan {
                    spawns: 3,
                    invocations: 100,
                }
            }
            "--bin-dir" => bin_dir = Some(PathBuf::from(value("--bin-dir")?)),
            "--out" => out = Some(PathBuf::from(value("--out")?)),
            "-h" | "--help" => return Err(BenchError::Usage(USAGE.to_owned())),
            other => return Err(usage(format!("unknown argument `{other}`"))),
        }
    }
    let bin_dir = match bin_dir {
        Some(dir) => dir,
        None => std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(PathBuf::from))
            .ok_or_else(|| {
                usage("cannot tell where the binaries are: pass `--bin-dir`".to_owned())
            })?,
    };
    Ok(Args { plan, bin_dir, out })
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines().find_map(|l| {
                l.strip_prefix("model name")
                    .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
            })
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_owned());
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let date = time::OffsetDateTime::now_utc().date();
    format!(
        "{cpu}, {cores} cores, {} Linux {} ({date})",
        std::env::consts::ARCH,
        kernel.trim()
    )
}

async fn run(args: &Args) -> Result<String, BenchError> {
    for name in [
        suite::FLOOR,
        suite::INITIATE,
        suite::REFRESH,
        suite::VALIDATE,
        suite::VALIDATE_MEMORY,
    ] {
        let path = args.bin_dir.join(name);
        if !path.is_file() {
            return Err(BenchError::MissingBinary(path.display().to_string()));
        }
    }
    eprintln!("starting moto, the Genesys sandbox and the identity provider...");
    let backends = backends::Backends::start().await?;
    eprintln!(
        "measuring {} spawns and {} warm invocations per function...",
        args.plan.spawns, args.plan.invocations
    );
    let rows = suite::run(&backends, &args.bin_dir, args.plan).await?;
    Ok(report::markdown(&rows, args.plan, &machine()))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    match run(&args).await {
        Ok(report) => {
            println!("{report}");
            if let Some(path) = &args.out
                && let Err(e) = std::fs::write(path, &report)
            {
                eprintln!("cannot write `{}`: {e}", path.display());
                return ExitCode::FAILURE;
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                eprintln!("  caused by: {s}");
                source = s.source();
            }
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Result<Args, BenchError> {
        parse_args(list.iter().map(|s| (*s).to_owned()))
    }

    #[test]
    fn the_defaults_are_twenty_spawns_and_two_thousand_invocations() {
        let a = args(&[]).unwrap();
        assert_eq!(
            a.plan,
            Plan {
                spawns: 20,
                invocations: 2000
            }
        );
    }

    #[test]
    fn quick_is_three_spawns_and_a_hundred_invocations() {
        let a = args(&["--quick", "--bin-dir", "/x"]).unwrap();
        assert_eq!(
            a.plan,
            Plan {
                spawns: 3,
                invocations: 100
            }
        );
        assert_eq!(a.bin_dir, PathBuf::from("/x"));
    }

    #[test]
    fn a_zero_or_unknown_argument_is_refused() {
        assert!(args(&["--spawns", "0"]).is_err());
        assert!(args(&["--invocations", "many"]).is_err());
        assert!(args(&["--fast"]).is_err());
    }
}
