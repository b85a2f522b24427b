//! The handlers' metrics in the local stack: after each function request (and each inbound flow
//! run) the stack flushes them, prints each Embedded Metric Format line a function would hand
//! CloudWatch (stdout), checks it against the specification and the catalogue, and keeps
//! running totals, served as `GET /dev/metrics`.
//!
//! The `metrics` recorder is process-wide: with several stacks in one process (test suites),
//! each flush takes what any of them recorded.

use std::io::Write as _;
use std::sync::{Mutex, PoisonError};

use secure_initiation::telemetry::metrics::emf::{Totals, parse_line};
use secure_initiation::telemetry::metrics::{self, Emitter, MetricsSettings};
use serde_json::{Value, json};

/// Lines kept for tests and `/dev/metrics` (the totals keep counting past it).
const KEPT_LINES: usize = 10_000;

/// Every line any stack of this process flushed (the first `PROCESS_LINES_KEPT`), for
/// suites that start and drop many stacks and scan all their output.
static PROCESS_LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());
const PROCESS_LINES_KEPT: usize = 100_000;

/// Every metric line the stacks of this process printed so far.
pub fn lines_in_process() -> Vec<String> {
    PROCESS_LINES
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone()
}

#[derive(Debug, Default)]
struct Seen {
    totals: Totals,
    lines: Vec<String>,
    refused: usize,
}

/// The stack's metrics sink.
#[derive(Debug)]
pub(crate) struct LocalMetrics {
    emitter: Option<Emitter>,
    print: bool,
    seen: Mutex<Seen>,
}

impl LocalMetrics {
    /// Installs the process's recorder (or shares the one installed already). `print` writes
    /// each line to stdout.
    pub(crate) fn new(print: bool) -> Self {
        let emitter = match metrics::install(&MetricsSettings::default()) {
            Ok(e) => Some(e),
            Err(e) => {
                tracing::warn!(error = %e, "metrics are off in this process");
                None
            }
        };
        Self {
            emitter,
            print,
            seen: Mutex::new(Seen::default()),
        }
    }

    /// Flushes what the handlers recorded since the last flush.
    pub(crate) fn flush(&self) {
        let Some(emitter) = self.emitter else { return };
        let mut out = Vec::new();
        if emitter.flush(&mut out).is_err() || out.is_empty() {
            return;
        }
        let text = String::from_utf8_lossy(&out);
        if self.print {
            // A function writes these to stdout for CloudWatch to extract; so does the stack.
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
        }
        {
            let mut all = PROCESS_LINES.lock().unwrap_or_else(PoisonError::into_inner);
            for line in text.lines() {
                if all.len() < PROCESS_LINES_KEPT {
                    all.push(line.to_owned());
                }
            }
        }
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        for line in text.lines() {
            match parse_line(line, &[]) {
                Ok(points) => seen.totals.add(&points),
                Err(e) => {
                    tracing::warn!(error = %e, "a metric line breaks the catalogue");
                    seen.refused += 1;
                }
            }
            if seen.lines.len() < KEPT_LINES {
                seen.lines.push(line.to_owned());
            }
        }
    }

    /// Every line flushed so far (the first `KEPT_LINES`).
    pub(crate) fn lines(&self) -> Vec<String> {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .lines
            .clone()
    }

    /// The running totals.
    pub(crate) fn totals(&self) -> Totals {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .totals
            .clone()
    }

    /// `GET /dev/metrics`: the namespace, how many lines were read (and refused), and every
    /// series' running figures.
    pub(crate) fn to_json(&self) -> Value {
        let seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        json!({
            "namespace": self.emitter.as_ref().map(Emitter::namespace),
            "lines": seen.lines.len(),
            "refused": seen.refused,
            "series": seen.totals.to_json(),
        })
    }
}
