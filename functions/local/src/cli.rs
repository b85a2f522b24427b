//! The `local` command line: its options and what it prints once the stack listens. The first
//! line printed is `listening on http://127.0.0.1:PORT` (the browser suites wait for it).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use clap::Parser;
use secure_initiation::api::strategy::StrategyKind;

use crate::{DEV_WIDGET_ID, IdentityInForce, Options, Running};

/// The whole stack on 127.0.0.1: the three functions, the Genesys sandbox, a development
/// identity provider, an in-memory store and development secrets.
///
/// Set JWKS_URL, JWT_ISSUER and JWT_AUDIENCE (and any other JWT_* variable) to verify session
/// tokens against your own identity provider exactly as a deployment does; an http:// JWKS_URL
/// is accepted on a loopback host.
#[derive(Debug, Parser)]
#[command(name = "local", version)]
pub struct Cli {
    /// Port on 127.0.0.1; 0 picks a free one.
    #[arg(long, default_value_t = 3000)]
    port: u16,
    /// Initiation strategy: `messenger` or `initiation-api`.
    #[arg(long, default_value = "messenger", value_parser = strategy)]
    strategy: StrategyKind,
    /// The data action's Basic credential, USER:PASS.
    #[arg(long, value_name = "USER:PASS", value_parser = credential)]
    data_action_credential: Option<(String, String)>,
    /// Do not write validated attributes onto the participant.
    #[arg(long)]
    no_write_back: bool,
    /// The Messenger deployment's custom-data budget (UTF-8 bytes of keys plus values).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    max_custom_data_bytes: Option<u64>,
    /// Start the conversation when Messenger opens, not at the first message.
    #[arg(long)]
    messenger_autostart: bool,
    /// Another inbound message flow than the committed
    /// infra/genesys/flows/secure-inbound-message.yaml.
    #[arg(long, value_name = "FILE")]
    flow: Option<PathBuf>,
    /// The routing rules the flow was generated from (for its queue names).
    #[arg(long, value_name = "FILE")]
    routing: Option<PathBuf>,
    /// A substitution of the flow, NAME=VALUE (repeatable).
    #[arg(long = "flow-set", value_name = "NAME=VALUE", value_parser = substitution)]
    flow_set: Vec<(String, String)>,
}

fn strategy(v: &str) -> Result<StrategyKind, String> {
    StrategyKind::parse(v).ok_or_else(|| format!("`{v}`: expected `messenger` or `initiation-api`"))
}

fn credential(v: &str) -> Result<(String, String), String> {
    v.split_once(':')
        .filter(|(u, p)| !u.is_empty() && !p.is_empty())
        .map(|(u, p)| (u.to_owned(), p.to_owned()))
        .ok_or_else(|| "expects USER:PASS".to_owned())
}

fn substitution(v: &str) -> Result<(String, String), String> {
    v.split_once('=')
        .filter(|(n, _)| !n.is_empty())
        .map(|(n, val)| (n.to_owned(), val.to_owned()))
        .ok_or_else(|| "expects NAME=VALUE".to_owned())
}

impl Cli {
    /// The stack's options.
    pub fn options(self) -> Options {
        let mut options = Options {
            port: self.port,
            strategy: self.strategy,
            write_back: !self.no_write_back,
            ..Options::default()
        };
        if let Some(credential) = self.data_action_credential {
            options.data_action_credential = credential;
        }
        if let Some(bytes) = self.max_custom_data_bytes {
            options.messenger.max_custom_data_bytes = usize::try_from(bytes).unwrap_or(usize::MAX);
        }
        options.messenger.autostart = self.messenger_autostart;
        options.flow.file = self.flow;
        options.flow.routing = self.routing;
        options.flow.set = self.flow_set.into_iter().collect::<BTreeMap<_, _>>();
        options
    }
}

/// Where everything is, which identity provider is in force, and a ready `curl`.
pub fn banner(running: &Running, options: &Options) -> String {
    let base = running.base_url();
    let mut out = String::new();
    let _ = writeln!(out, "listening on {base}");
    for (what, where_) in rows(running, options) {
        let _ = writeln!(out, "  {what:<19} {where_}");
    }
    let _ = writeln!(out, "\ntry:");
    if running.identity == IdentityInForce::Development {
        let _ = writeln!(
            out,
            "  TOKEN=$(curl -s '{base}/dev/login?sub=alice&tier=2&geo=na-east' | sed 's/.*\"token\":\"\\([^\"]*\\)\".*/\\1/')"
        );
    } else {
        let _ = writeln!(
            out,
            "  TOKEN=<a session token your identity provider issued>"
        );
    }
    let _ = writeln!(
        out,
        "  curl -s -X POST {base}/v1/initiations -H \"Authorization: Bearer $TOKEN\" -H 'Content-Type: application/json' -d '{{\"orderId\":\"88472\"}}'"
    );
    out
}

/// The identity provider row: which one, and how its tokens are had.
fn identity_row(running: &Running) -> String {
    let base = running.base_url();
    match &running.identity {
        IdentityInForce::Development => format!(
            "development: GET {base}/dev/login?sub=alice&tier=2&geo=na-east   (JWKS_URL, JWT_ISSUER, JWT_AUDIENCE select your own)"
        ),
        IdentityInForce::Site { issuers, jwks_url } => format!(
            "{}, keys from {jwks_url}   (from JWKS_URL and JWT_*; /dev/login tokens are refused)",
            issuers.join(", ")
        ),
    }
}

/// The banner's table: what, and where.
fn rows(running: &Running, options: &Options) -> Vec<(&'static str, String)> {
    let base = running.base_url();
    let (user, pass) = &running.data_action_credential;
    let flow = options.flow.file.as_ref().map_or_else(
        || "infra/genesys/flows/secure-inbound-message.yaml".to_owned(),
        |p| p.display().to_string(),
    );
    let autostart = if options.messenger.autostart {
        "on"
    } else {
        "off"
    };
    let budget = options.messenger.max_custom_data_bytes;
    vec![
        ("strategy", options.strategy.as_str().to_owned()),
        ("identity provider", identity_row(running)),
        ("demo page", format!("{base}/")),
        ("initiate", format!("POST {base}/v1/initiations")),
        ("refresh", format!("POST {base}/v1/initiations/refresh")),
        (
            "validate-session",
            format!("POST {base}/v1/session-validations   (Basic {user}:{pass})"),
        ),
        (
            "Genesys sandbox",
            format!("{base}/sandbox/_sandbox/requests"),
        ),
        (
            "Messenger",
            format!(
                "deployment {DEV_WIDGET_ID}: maxCustomDataBytes {budget}, autostart {autostart}"
            ),
        ),
        (
            "inbound flow",
            format!("{flow}   (runs once per conversation, at its first message)"),
        ),
        (
            "Architect (dev)",
            format!(
                "POST {base}/dev/architect/run   {{\"conversationId\": ..}}  (the flow's record)"
            ),
        ),
        (
            "dev metrics",
            format!("GET  {base}/dev/metrics   (the metric lines' running counts)"),
        ),
        (
            "dev store",
            format!("GET  {base}/dev/store   (what the store holds, counted)"),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options, clap::Error> {
        Cli::try_parse_from(std::iter::once("local").chain(args.iter().copied())).map(Cli::options)
    }

    #[test]
    fn no_arguments_give_the_embedded_defaults() {
        let options = parse(&[]).expect("parses");
        let defaults = Options::default();
        assert_eq!(options.port, 3000);
        assert_eq!(options.strategy, defaults.strategy);
        assert!(options.write_back);
        assert_eq!(
            options.messenger.max_custom_data_bytes,
            defaults.messenger.max_custom_data_bytes
        );
        assert!(!options.messenger.autostart);
    }

    #[test]
    fn every_option_reaches_the_stack() {
        let options = parse(&[
            "--port",
            "0",
            "--strategy",
            "initiation-api",
            "--data-action-credential",
            "ops:s3cret",
            "--no-write-back",
            "--max-custom-data-bytes",
            "512",
            "--messenger-autostart",
            "--flow-set",
            "queue=Priority",
            "--flow-set",
            "timeout=3000",
        ])
        .expect("parses");
        assert_eq!(options.port, 0);
        assert_eq!(options.strategy, StrategyKind::InitiationApi);
        assert_eq!(
            options.data_action_credential,
            ("ops".to_owned(), "s3cret".to_owned())
        );
        assert!(!options.write_back);
        assert_eq!(options.messenger.max_custom_data_bytes, 512);
        assert!(options.messenger.autostart);
        assert_eq!(
            options.flow.set.get("queue").map(String::as_str),
            Some("Priority")
        );
        assert_eq!(options.flow.set.len(), 2);
    }

    #[test]
    fn bad_values_are_refused_with_the_reason() {
        for (args, needle) in [
            (
                &["--strategy", "bogus"][..],
                "expected `messenger` or `initiation-api`",
            ),
            (&["--data-action-credential", "nopass"][..], "USER:PASS"),
            (&["--data-action-credential", ":pass"][..], "USER:PASS"),
            (&["--flow-set", "=x"][..], "NAME=VALUE"),
            (&["--max-custom-data-bytes", "0"][..], "0"),
            (&["--port", "70000"][..], "70000"),
            (&["--unknown"][..], "--unknown"),
        ] {
            let err = parse(args).expect_err("refused").to_string();
            assert!(err.contains(needle), "{args:?}: {err}");
        }
    }
}
