//! The `local` command line: its options and what it prints once the stack listens. The first
//! line printed is `listening on http://127.0.0.1:PORT` (the browser suites wait for it).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use clap::Parser;
use genesys_sandbox::{Disconnect, DisconnectType, MessengerDeployment};
use secure_initiation::api::strategy::StrategyKind;

use crate::identity::IdentityInForce;
use crate::options::{DEV_WIDGET_ID, Options};
use crate::running::Running;

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
    /// The Messenger deployment's autostart: Messenger sends a `Join` when its session is new,
    /// which starts the conversation before the customer writes.
    #[arg(long)]
    messenger_autostart: bool,
    /// What an agent's or a flow's disconnect leaves the guest: `send` (the next message starts
    /// a new conversation), `read-only` (a new session is needed) or `off`.
    #[arg(long, value_name = "TYPE", default_value = "send", value_parser = disconnect)]
    messenger_disconnect: Disconnect,
    /// The Messenger deployment refuses a customer's clear (`Presence` `Clear` gets 403).
    #[arg(long)]
    no_messenger_clear: bool,
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

fn disconnect(v: &str) -> Result<Disconnect, String> {
    let (enabled, kind) = match v {
        "send" => (true, DisconnectType::Send),
        "read-only" => (true, DisconnectType::ReadOnly),
        "off" => (false, DisconnectType::Send),
        _ => return Err(format!("`{v}`: expected `send`, `read-only` or `off`")),
    };
    Ok(Disconnect { enabled, kind })
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
        options.messenger.disconnect = self.messenger_disconnect;
        options.messenger.clear = !self.no_messenger_clear;
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
fn rows(running: &Running, options: &Options) -> [(&'static str, String); 13] {
    let base = running.base_url();
    let (user, pass) = &running.data_action_credential;
    let flow = options.flow.file.as_ref().map_or_else(
        || "infra/genesys/flows/secure-inbound-message.yaml".to_owned(),
        |p| p.display().to_string(),
    );
    let [guest_api, messenger] = messenger_rows(running, &options.messenger);
    [
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
        guest_api,
        messenger,
        (
            "inbound flow",
            format!("{flow}   (runs once per conversation, after its first message)"),
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

/// The Guest API's URL and the Messenger deployment's settings.
fn messenger_rows(running: &Running, m: &MessengerDeployment) -> [(&'static str, String); 2] {
    let on = |b: bool| if b { "on" } else { "off" };
    let disconnect = match (m.disconnect.enabled, m.disconnect.kind) {
        (false, _) => "off",
        (true, DisconnectType::Send) => "send",
        (true, DisconnectType::ReadOnly) => "read-only",
    };
    let guest_api = format!("ws://{}/v1?deploymentId={DEV_WIDGET_ID}", running.addr);
    let settings = format!(
        "maxCustomDataBytes {}, autostart {}, disconnect {disconnect}, clear {}",
        m.max_custom_data_bytes,
        on(m.autostart),
        on(m.clear)
    );
    [("Guest API", guest_api), ("Messenger", settings)]
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
        assert_eq!(options.messenger, MessengerDeployment::default());
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
            "--messenger-disconnect",
            "read-only",
            "--no-messenger-clear",
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
            options.messenger.disconnect,
            Disconnect {
                enabled: true,
                kind: DisconnectType::ReadOnly
            }
        );
        assert!(!options.messenger.clear);
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
            (
                &["--messenger-disconnect", "never"][..],
                "expected `send`, `read-only` or `off`",
            ),
            (&["--max-custom-data-bytes", "0"][..], "0"),
            (&["--port", "70000"][..], "70000"),
            (&["--unknown"][..], "--unknown"),
        ] {
            let err = parse(args).expect_err("refused").to_string();
            assert!(err.contains(needle), "{args:?}: {err}");
        }
    }
}
