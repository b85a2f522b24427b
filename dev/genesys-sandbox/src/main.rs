//! `genesys-sandbox`: the Genesys Cloud sandbox as a standalone process on loopback.
//!
//! ```text
//! genesys-sandbox [--port N] [--token-lifetime-secs N] [--initiation-token-lifetime-secs N]
//!                 [--max-custom-data-bytes N] [--messenger-autostart]
//! ```

use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use genesys_sandbox::{Sandbox, SandboxConfig};

fn parse_args(args: &[String]) -> Result<SandboxConfig, String> {
    let mut config = SandboxConfig::default();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        if flag == "--messenger-autostart" {
            config.messenger.autostart = true;
            continue;
        }
        let mut value = |name: &str| -> Result<u64, String> {
            let raw = it.next().ok_or_else(|| format!("`{name}` needs a value"))?;
            raw.parse::<u64>()
                .map_err(|_| format!("`{name}` must be a whole number, not `{raw}`"))
        };
        match flag.as_str() {
            "--port" => {
                let port = u16::try_from(value("--port")?)
                    .map_err(|_| "`--port` must be at most 65535".to_owned())?;
                config.addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
            }
            "--token-lifetime-secs" => {
                config.token_lifetime = Duration::from_secs(value("--token-lifetime-secs")?);
            }
            "--initiation-token-lifetime-secs" => {
                config.initiation_token_lifetime =
                    Duration::from_secs(value("--initiation-token-lifetime-secs")?);
            }
            "--max-custom-data-bytes" => {
                let bytes = value("--max-custom-data-bytes")?;
                config.messenger.max_custom_data_bytes = usize::try_from(bytes)
                    .ok()
                    .filter(|b| *b > 0)
                    .ok_or_else(|| "`--max-custom-data-bytes` must be at least 1".to_owned())?;
            }
            other => {
                return Err(format!(
                    "unknown argument `{other}`; accepted: --port, --token-lifetime-secs, \
                     --initiation-token-lifetime-secs, --max-custom-data-bytes, --messenger-autostart"
                ));
            }
        }
    }
    Ok(config)
}

#[tokio::main]
// A command-line tool's printed URL is its interface.
#[allow(clippy::print_stdout)]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let config = match parse_args(&args) {
        Ok(c) => c,
        Err(message) => {
            eprintln!("genesys-sandbox: {message}");
            return ExitCode::from(2);
        }
    };
    let client_id = config.client_id.clone();
    let sandbox = match Sandbox::start(config).await {
        Ok(s) => s,
        Err(error) => {
            eprintln!("genesys-sandbox: {error}");
            return ExitCode::FAILURE;
        }
    };
    println!("Genesys Cloud sandbox on {}", sandbox.base_url());
    println!("  API base and login base: {}", sandbox.base_url());
    println!("  OAuth client id: {client_id} (secret: genesys_sandbox::DEFAULT_CLIENT_SECRET)");
    println!("  Admin: {}/_sandbox/stats", sandbox.base_url());
    println!(
        "  Guest API: ws://{}/v1?deploymentId={}",
        sandbox.addr(),
        sandbox.messenger_deployment_id()
    );
    std::future::pending::<()>().await;
    ExitCode::SUCCESS
}
