//! `cargo run -p local` — the whole stack on http://127.0.0.1:3000.
//!
//! Options: `--port N` (0 picks a free port), `--strategy messenger|initiation-api`,
//! `--data-action-credential USER:PASS`, `--no-write-back`, and the sandbox's Messenger
//! deployment: `--max-custom-data-bytes N` (default 2048), `--messenger-autostart`; the inbound
//! message flow: `--flow FILE` (default: the committed
//! infra/genesys/flows/secure-inbound-message.yaml), `--routing FILE` (the routing rules the flow
//! was generated from, for its queue names) and `--flow-set NAME=VALUE` (a substitution).
#![allow(clippy::print_stdout, clippy::print_stderr)] // a command-line tool reports on the terminal

use std::process::ExitCode;

use local::{Options, spawn};
use secure_initiation::api::strategy::StrategyKind;
use secure_initiation::telemetry::{self, LogFormat};

const USAGE: &str = "usage: local [--port N] [--strategy messenger|initiation-api] \
                     [--data-action-credential USER:PASS] [--no-write-back] \
                     [--max-custom-data-bytes N] [--messenger-autostart] \
                     [--flow FILE] [--routing FILE] [--flow-set NAME=VALUE ...]";

fn parse_args() -> Result<Options, String> {
    let mut options = Options::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .ok_or_else(|| format!("`{name}` needs a value\n{USAGE}"))
        };
        match arg.as_str() {
            "--port" => {
                let v = value("--port")?;
                options.port = v
                    .parse()
                    .map_err(|_| format!("`--port` = `{v}` is not a port number"))?;
            }
            "--strategy" => {
                let v = value("--strategy")?;
                options.strategy = StrategyKind::parse(&v).ok_or_else(|| {
                    format!("`--strategy` = `{v}`: expected `messenger` or `initiation-api`")
                })?;
            }
            "--data-action-credential" => {
                let v = value("--data-action-credential")?;
                let (user, pass) = v
                    .split_once(':')
                    .filter(|(u, p)| !u.is_empty() && !p.is_empty())
                    .ok_or("`--data-action-credential` expects USER:PASS")?;
                options.data_action_credential = (user.to_owned(), pass.to_owned());
            }
            "--no-write-back" => options.write_back = false,
            "--flow" => options.flow.file = Some(value("--flow")?.into()),
            "--routing" => options.flow.routing = Some(value("--routing")?.into()),
            "--flow-set" => {
                let v = value("--flow-set")?;
                let (name, val) = v
                    .split_once('=')
                    .filter(|(n, _)| !n.is_empty())
                    .ok_or("`--flow-set` expects NAME=VALUE")?;
                options.flow.set.insert(name.to_owned(), val.to_owned());
            }
            "--max-custom-data-bytes" => {
                let v = value("--max-custom-data-bytes")?;
                options.messenger.max_custom_data_bytes = v
                    .parse()
                    .ok()
                    .filter(|n: &usize| *n > 0)
                    .ok_or_else(|| {
                        format!("`--max-custom-data-bytes` = `{v}`: expected a whole number of bytes, at least 1")
                    })?;
            }
            "--messenger-autostart" => options.messenger.autostart = true,
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    Ok(options)
}

#[tokio::main]
async fn main() -> ExitCode {
    let options = match parse_args() {
        Ok(o) => o,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(tracing::Level::INFO, LogFormat::Text);
    let running = match spawn(options.clone()).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let base = running.base_url();
    let (user, pass) = &running.data_action_credential;
    println!("listening on {base}");
    println!("  strategy            {}", options.strategy.as_str());
    println!("  demo page           {base}/");
    println!("  initiate            POST {base}/v1/initiations");
    println!("  refresh             POST {base}/v1/initiations/refresh");
    println!("  validate-session    POST {base}/v1/session-validations   (Basic {user}:{pass})");
    println!("  dev identity        GET  {base}/dev/login?sub=alice&tier=2&geo=na-east");
    println!("  Genesys sandbox     {base}/sandbox/_sandbox/requests");
    println!(
        "  Messenger           deployment {}: maxCustomDataBytes {}, autostart {}",
        local::DEV_WIDGET_ID,
        options.messenger.max_custom_data_bytes,
        if options.messenger.autostart {
            "on"
        } else {
            "off"
        }
    );
    println!(
        "  inbound flow        {}   (runs once per conversation, at its first message)",
        options.flow.file.as_ref().map_or_else(
            || "infra/genesys/flows/secure-inbound-message.yaml".to_owned(),
            |p| p.display().to_string()
        )
    );
    println!(
        "  Architect (dev)     POST {base}/dev/architect/run   {{\"conversationId\": ..}}  (the flow's record)"
    );
    println!();
    println!("try:");
    println!(
        "  TOKEN=$(curl -s '{base}/dev/login?sub=alice&tier=2&geo=na-east' | sed 's/.*\"token\":\"\\([^\"]*\\)\".*/\\1/')"
    );
    println!(
        "  curl -s -X POST {base}/v1/initiations -H \"Authorization: Bearer $TOKEN\" -H 'Content-Type: application/json' -d '{{\"orderId\":\"88472\"}}'"
    );
    if tokio::signal::ctrl_c().await.is_err() {
        eprintln!("cannot listen for Ctrl-C; stopping");
    }
    ExitCode::SUCCESS
}
