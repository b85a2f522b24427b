//! `cargo run -p local` — the whole stack on http://127.0.0.1:3000 (`--help` for the options;
//! `JWKS_URL`, `JWT_ISSUER`, `JWT_AUDIENCE` and the other `JWT_*` variables select the site's own
//! identity provider).
#![allow(clippy::print_stdout, clippy::print_stderr)] // a command-line tool reports on the terminal

use std::process::ExitCode;

use clap::Parser as _;
use local::cli::{Cli, banner};
use secure_initiation::telemetry::{self, LogFormat};

#[tokio::main]
async fn main() -> ExitCode {
    let mut options = Cli::parse().options();
    options.identity = local::identity_env(std::env::vars());
    telemetry::init(tracing::Level::INFO, LogFormat::Text);
    let running = match local::spawn(options.clone()).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    print!("{}", banner(&running, &options));
    if tokio::signal::ctrl_c().await.is_err() {
        eprintln!("cannot listen for Ctrl-C; stopping");
    }
    ExitCode::SUCCESS
}
