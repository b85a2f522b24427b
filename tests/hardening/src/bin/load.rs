//! The full validation load run, bounded in count and time, on loopback only:
//!
//! ```sh
//! cargo run --release -p hardening-tests --bin load                 # 100 hashes × 100 conversations at 64
//! cargo run --release -p hardening-tests --bin load -- --hashes 20 --conversations 25 --concurrency 64 --time-limit-secs 120
//! ```
//!
//! `--memory` runs the same load on the in-memory store (the handlers' own cost, without
//! moto). Needs `moto_server` (`pip install 'moto[server]'`). Exits non-zero on any error, lost or
//! double binding.
#![allow(clippy::print_stdout, clippy::print_stderr)] // a command-line tool reports on the terminal

use std::process::ExitCode;
use std::time::Duration;

use hardening_tests::load::{self, LoadConfig};

const USAGE: &str =
    "usage: load [--hashes N] [--conversations N] [--concurrency N] [--time-limit-secs N]";

fn parse() -> Result<LoadConfig, String> {
    let mut config = LoadConfig::full();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut number = |name: &str| -> Result<usize, String> {
            let v = args
                .next()
                .ok_or_else(|| format!("`{name}` needs a value\n{USAGE}"))?;
            v.parse::<usize>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| format!("`{name}` = `{v}` is not a positive number"))
        };
        match arg.as_str() {
            "--hashes" => config.hashes = number("--hashes")?,
            "--conversations" => config.conversations_per_hash = number("--conversations")?,
            "--concurrency" => config.concurrency = number("--concurrency")?,
            "--time-limit-secs" => {
                config.time_limit = Duration::from_secs(number("--time-limit-secs")? as u64);
            }
            "--memory" => config.dynamodb = false,
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    Ok(config)
}

#[tokio::main]
async fn main() -> ExitCode {
    let config = match parse() {
        Ok(c) => c,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let figures = load::run(config).await;
    println!("{figures}");
    println!("statuses: {:?}", figures.statuses);
    if figures.errors == 0 && figures.lost == 0 && figures.doubled == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
