//! Logs: JSON lines for CloudWatch (one object per event; the invocation's request ids,
//! `cold_start` and trace id, and the function's name and version, at the top level of every
//! line), or compact text for the local stack.
//!
//! What is never logged: tokens (session JWT, bearer, Genesys), secrets, the session hash or the
//! random id behind it, the raw subject (only its keyed hash), order ids or other attribute
//! values. The log-capture tests scan for each of them, and `shared/lambda/tests/trace_hygiene.rs`
//! runs every function's Lambda entry point at `LOG_LEVEL=trace` and scans all it writes.
//!
//! # The filter
//! Only this project's crates ([`PROJECT_CRATES`]) log at the configured level. Every other
//! crate logs at INFO at most, whatever the level: a dependency's DEBUG and TRACE output is
//! outside this project's review, and it is where whole payloads go (`lambda_runtime` traces
//! every raw event, the AWS SDK every DynamoDB response, the HTTP stacks bodies and headers).
//! A crate may log at DEBUG only once it is named in [`REVIEWED_DEBUG_CRATES`], after its DEBUG
//! output was read; the trace-hygiene test then holds it to that.

use tracing::Level;
use tracing_subscriber::fmt::MakeWriter;

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// One JSON object per line (Lambda).
    Json,
    /// Human-readable (local stack).
    Text,
}

/// The crates (their tracing targets) that log at the configured level: this workspace's own.
pub const PROJECT_CRATES: [&str; 8] = [
    "secure_initiation",
    "secure_initiation_lambda",
    "initiate",
    "refresh_token",
    "validate_session",
    "local",
    "genesys_sandbox",
    "genesys_as_code",
];

/// Third-party crates whose DEBUG output was reviewed and carries no payload, so they may log
/// at DEBUG when the configured level asks for it. `lambda_runtime` 1.5 at DEBUG says how it
/// polls (worker counts, the concurrency mode) and which Runtime API call failed; its TRACE
/// output is the raw event, so it never gets TRACE.
pub const REVIEWED_DEBUG_CRATES: [&str; 1] = ["lambda_runtime"];

/// The less verbose of two levels.
fn at_most(level: Level, cap: Level) -> Level {
    // `tracing` orders levels by verbosity: TRACE > DEBUG > INFO > WARN > ERROR.
    if level > cap { cap } else { level }
}

/// `level` for this project's crates, at most DEBUG for the reviewed ones, at most INFO for
/// every other crate.
fn filter(level: Level) -> tracing_subscriber::EnvFilter {
    let name = |l: Level| l.as_str().to_ascii_lowercase();
    let mut directives = name(at_most(level, Level::INFO));
    for krate in REVIEWED_DEBUG_CRATES {
        directives.push_str(&format!(",{krate}={}", name(at_most(level, Level::DEBUG))));
    }
    for krate in PROJECT_CRATES {
        directives.push_str(&format!(",{krate}={}", name(level)));
    }
    tracing_subscriber::EnvFilter::builder().parse_lossy(directives)
}

mod json;

/// A subscriber writing to `writer`: what [`init`] installs, and what tests capture into a buffer.
pub fn subscriber<W>(
    level: Level,
    format: LogFormat,
    writer: W,
) -> Box<dyn tracing::Subscriber + Send + Sync>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    match format {
        LogFormat::Json => json_subscriber(level, &[], writer),
        LogFormat::Text => Box::new(
            tracing_subscriber::fmt()
                .with_env_filter(filter(level))
                .with_writer(writer)
                .with_target(false)
                .with_ansi(false)
                .compact()
                .finish(),
        ),
    }
}

/// JSON lines with every span field at the top level, and `statics` (the function's name and
/// version) on every line.
pub fn json_subscriber<W>(
    level: Level,
    statics: &[(&str, String)],
    writer: W,
) -> Box<dyn tracing::Subscriber + Send + Sync>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    use tracing_subscriber::layer::SubscriberExt as _;
    Box::new(
        tracing_subscriber::registry()
            .with(filter(level))
            .with(json::JsonLines::new(writer, statics)),
    )
}

/// Installs the global subscriber once; a second call is a no-op.
pub fn init(level: Level, format: LogFormat) {
    // Failing means a subscriber is already installed (tests, the local stack): keep it.
    let _ = tracing::subscriber::set_global_default(subscriber(level, format, std::io::stdout));
}

/// Installs JSON logging with `statics` on every line, once.
pub fn init_json(level: Level, statics: &[(&str, String)]) {
    let _ =
        tracing::subscriber::set_global_default(json_subscriber(level, statics, std::io::stdout));
}

/// The level Lambda's `LoggingConfig.ApplicationLogLevel` sets as `AWS_LAMBDA_LOG_LEVEL`
/// (`TRACE`, `DEBUG`, `INFO`, `WARN`, `ERROR`, `FATAL`; `FATAL` logs errors). It wins over
/// `LOG_LEVEL`: Lambda drops the lines below it anyway.
pub fn lambda_level(value: &str) -> Option<Level> {
    match value.trim().to_ascii_uppercase().as_str() {
        "TRACE" => Some(Level::TRACE),
        "DEBUG" => Some(Level::DEBUG),
        "INFO" => Some(Level::INFO),
        "WARN" => Some(Level::WARN),
        "ERROR" | "FATAL" => Some(Level::ERROR),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use serde_json::Value;

    use super::*;

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Buffer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if let Ok(mut b) = self.0.lock() {
                b.extend_from_slice(buf);
            }
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Buffer {
        type Writer = Buffer;
        fn make_writer(&'a self) -> Self::Writer {
            self.clone()
        }
    }

    fn lines(buffer: &Buffer) -> Vec<Value> {
        let bytes = buffer.0.lock().unwrap().clone();
        String::from_utf8(bytes)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    #[test]
    fn every_json_line_carries_the_invocation_and_the_function_at_the_top_level() {
        let buffer = Buffer::default();
        let statics = [
            ("function_name", "stack-validate-session".to_owned()),
            ("function_version", "7".to_owned()),
        ];
        let subscriber = json_subscriber(Level::INFO, &statics, buffer.clone());
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!(
                "invocation",
                function_request_id = "8f5a-lambda",
                request_id = "api-gw-1",
                cold_start = true,
                xray_trace_id = "Root=1-5f84c7a1-0123456789abcdef01234567"
            );
            let _entered = span.enter();
            tracing::info!(reason = "replayed", "session not valid");
            // A library's span with a field of the same name (the AWS SDK's `request_id`).
            tracing::info_span!("sdk", request_id = "aws-request").in_scope(|| {
                tracing::info!("inner");
            });
            // An event cannot pose as the request: the span's field is written last.
            tracing::warn!(request_id = "forged", function_name = "forged", "hostile");
            tracing::debug!("below the level");
        });
        let lines = lines(&buffer);
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[1]["message"], "inner");
        assert_eq!(lines[1]["request_id"], "api-gw-1");
        let lines = [lines[0].clone(), lines[2].clone()];
        let first = &lines[0];
        assert_eq!(first["message"], "session not valid");
        assert_eq!(first["level"], "INFO");
        assert_eq!(first["reason"], "replayed");
        assert_eq!(first["function_request_id"], "8f5a-lambda");
        assert_eq!(first["request_id"], "api-gw-1");
        assert_eq!(first["cold_start"], true);
        assert_eq!(
            first["xray_trace_id"],
            "Root=1-5f84c7a1-0123456789abcdef01234567"
        );
        assert_eq!(first["function_name"], "stack-validate-session");
        assert_eq!(first["function_version"], "7");
        assert!(first.get("spans").is_none());
        assert!(first["timestamp"].as_str().unwrap().ends_with('Z'));
        assert_eq!(lines[1]["request_id"], "api-gw-1");
        assert_eq!(lines[1]["function_name"], "stack-validate-session");
    }

    /// Whether `filter(configured)` lets an event of `level` from `target` through.
    fn passes(configured: Level, target: &str, level: Level) -> bool {
        let buffer = Buffer::default();
        let subscriber = json_subscriber(configured, &[], buffer.clone());
        tracing::subscriber::with_default(subscriber, || {
            // `tracing`'s macros need a constant target: dispatch over the ones used here.
            macro_rules! at {
                ($target:literal) => {
                    match level {
                        Level::TRACE => tracing::trace!(target: $target, "x"),
                        Level::DEBUG => tracing::debug!(target: $target, "x"),
                        Level::INFO => tracing::info!(target: $target, "x"),
                        Level::WARN => tracing::warn!(target: $target, "x"),
                        _ => tracing::error!(target: $target, "x"),
                    }
                };
            }
            match target {
                "secure_initiation::api::refresh" => at!("secure_initiation::api::refresh"),
                "validate_session" => at!("validate_session"),
                "lambda_runtime::layers::api_response" => {
                    at!("lambda_runtime::layers::api_response")
                }
                "aws_smithy_runtime::client" => at!("aws_smithy_runtime::client"),
                "hyper_util::client" => at!("hyper_util::client"),
                _ => at!("some_new_dependency"),
            }
        });
        !buffer.0.lock().unwrap().is_empty()
    }

    #[test]
    fn at_trace_only_the_project_s_crates_trace_and_no_other_crate_goes_below_info() {
        assert!(passes(
            Level::TRACE,
            "secure_initiation::api::refresh",
            Level::TRACE
        ));
        assert!(passes(Level::TRACE, "validate_session", Level::TRACE));
        // lambda_runtime traces every raw event: reviewed at DEBUG, never TRACE.
        assert!(!passes(
            Level::TRACE,
            "lambda_runtime::layers::api_response",
            Level::TRACE
        ));
        assert!(passes(
            Level::TRACE,
            "lambda_runtime::layers::api_response",
            Level::DEBUG
        ));
        for other in ["aws_smithy_runtime::client", "hyper_util::client", "x"] {
            assert!(!passes(Level::TRACE, other, Level::DEBUG), "{other}");
            assert!(passes(Level::TRACE, other, Level::INFO), "{other}");
        }
    }

    #[test]
    fn a_quieter_level_holds_every_crate_to_it() {
        assert!(!passes(
            Level::WARN,
            "secure_initiation::api::refresh",
            Level::INFO
        ));
        assert!(!passes(Level::WARN, "x", Level::INFO));
        assert!(passes(Level::WARN, "x", Level::WARN));
        assert!(!passes(
            Level::INFO,
            "lambda_runtime::layers::api_response",
            Level::DEBUG
        ));
        assert!(passes(
            Level::DEBUG,
            "secure_initiation::api::refresh",
            Level::DEBUG
        ));
        assert!(!passes(Level::DEBUG, "hyper_util::client", Level::DEBUG));
    }

    #[test]
    fn lambda_s_level_names_map_to_tracing_levels() {
        assert_eq!(lambda_level("DEBUG"), Some(Level::DEBUG));
        assert_eq!(lambda_level("warn"), Some(Level::WARN));
        assert_eq!(lambda_level("FATAL"), Some(Level::ERROR));
        assert_eq!(lambda_level("VERBOSE"), None);
    }
}
