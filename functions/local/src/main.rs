//! `cargo run -p local` — the whole stack on http://127.0.0.1:3000 (`--help` for the options).
#![allow(clippy::print_stdout, clippy::print_stderr)] // a command-line tool reports on the terminal

use std::process::ExitCode;

use clap::Parser as _;
use local::cli::{Cli, banner};
use secure_initiation::telemetry::{self, LogFormat};

#[tokio::main]
async fn main() -> ExitCode {
    let options = Cli::parse().options();
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
