//! Logs: JSON lines for CloudWatch (one object per event, the request id from the entry point's
//! span on every line), or compact text for the local stack.
//!
//! What is never logged: tokens (session JWT, bearer, Genesys), secrets, the session hash or the
//! random id behind it, the raw subject (only its keyed hash), order ids or other attribute
//! values. The log-capture tests scan for each of them. Third-party HTTP stacks are held at
//! DEBUG even when `LOG_LEVEL=trace`, because their TRACE output carries whole bodies.

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

/// Crates whose TRACE output carries whole HTTP bodies: the AWS SDK logs every DynamoDB
/// response (session attributes included) at TRACE, the HTTP stacks log payloads and headers.
/// They never log below DEBUG, whatever the configured level.
const CHATTY_CRATES: [&str; 8] = [
    "aws_smithy",
    "aws_sdk",
    "aws_config",
    "aws_runtime",
    "hyper",
    "reqwest",
    "h2",
    "rustls",
];

/// `level` for this project's own code; third-party HTTP stacks at most DEBUG.
fn filter(level: Level) -> tracing_subscriber::EnvFilter {
    let third_party = if level == Level::TRACE {
        Level::DEBUG
    } else {
        level
    };
    let mut directives = level.as_str().to_ascii_lowercase();
    for krate in CHATTY_CRATES {
        directives.push_str(&format!(
            ",{krate}={}",
            third_party.as_str().to_ascii_lowercase()
        ));
    }
    tracing_subscriber::EnvFilter::builder().parse_lossy(directives)
}

/// A subscriber writing to `writer`: what [`init`] installs, and what tests capture into a buffer.
pub fn subscriber<W>(
    level: Level,
    format: LogFormat,
    writer: W,
) -> Box<dyn tracing::Subscriber + Send + Sync>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter(level))
        .with_writer(writer)
        .with_target(false)
        .with_ansi(false);
    match format {
        LogFormat::Json => Box::new(
            builder
                .json()
                .flatten_event(true)
                .with_current_span(false)
                .with_span_list(true)
                .finish(),
        ),
        LogFormat::Text => Box::new(builder.compact().finish()),
    }
}

/// Installs the global subscriber once; a second call is a no-op.
pub fn init(level: Level, format: LogFormat) {
    // Failing means a subscriber is already installed (tests, the local stack): keep it.
    let _ = tracing::subscriber::set_global_default(subscriber(level, format, std::io::stdout));
}
