//! Emitting the catalogue's metrics: the `metrics` facade with `metrics_cloudwatch_embedded`
//! as its recorder, which writes one Embedded Metric Format line per dimension set on each
//! flush. The entry points flush once per invocation (Lambda) or per request (local stack).
//!
//! Each function below records one event at the place it happens; without an installed
//! recorder (unit tests, tools) they cost a relaxed atomic load and record nothing.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use metrics_cloudwatch_embedded::Collector;

use super::catalogue::{self, CATALOGUE, DEFAULT_NAMESPACE, DIMENSIONS, FUNCTION, Unit};
use super::labels::{CallOutcome, EntryPoint, Function, InitiationOutcome, Operation, Strategy};
use crate::payload::{ParticipantUpdate, ValidationReason};

/// Where the metrics go: the namespace, and static dimensions added to every metric.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricsSettings {
    /// The CloudWatch namespace (`METRICS_NAMESPACE`).
    pub namespace: String,
    /// Extra `name=value` dimensions on every metric (`METRICS_DIMENSIONS`), such as an
    /// environment name. The template's dashboard and alarms expect none.
    pub dimensions: Vec<(String, String)>,
}

impl Default for MetricsSettings {
    fn default() -> Self {
        Self {
            namespace: DEFAULT_NAMESPACE.to_owned(),
            dimensions: Vec::new(),
        }
    }
}

/// A namespace or dimension the settings refuse.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SettingsError {
    /// Not a CloudWatch namespace.
    #[error(
        "`{0}` is not a CloudWatch namespace (1 to 255 of A-Z a-z 0-9 . _ - / # :, not starting with `AWS/`)"
    )]
    Namespace(String),
    /// Not `name=value`, a name clashing with the catalogue's, or too many.
    #[error(
        "`{0}` is not a list of `Name=value` dimensions (names of letters, digits and _, values of at most 64 printable characters, at most 5, none named like a catalogue dimension)"
    )]
    Dimensions(String),
}

impl MetricsSettings {
    /// Parses `METRICS_NAMESPACE` (empty for the default) and `METRICS_DIMENSIONS`
    /// (comma-separated `Name=value`, empty for none).
    pub fn parse(namespace: &str, dimensions: &str) -> Result<Self, SettingsError> {
        let namespace = match namespace.trim() {
            "" => DEFAULT_NAMESPACE.to_owned(),
            ns => {
                let allowed = |c: char| c.is_ascii_alphanumeric() || "._-/#:".contains(c);
                if ns.len() > 255 || ns.starts_with("AWS/") || !ns.chars().all(allowed) {
                    return Err(SettingsError::Namespace(ns.to_owned()));
                }
                ns.to_owned()
            }
        };
        let refuse = || SettingsError::Dimensions(dimensions.to_owned());
        let mut parsed: Vec<(String, String)> = Vec::new();
        for pair in dimensions
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            let (name, value) = pair.split_once('=').ok_or_else(refuse)?;
            let (name, value) = (name.trim(), value.trim());
            let name_ok = !name.is_empty()
                && name.len() <= 64
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            let value_ok = !value.is_empty()
                && value.len() <= 64
                && value.chars().all(|c| c.is_ascii_graphic() && c != ',');
            let clashes =
                DIMENSIONS.iter().any(|d| d.name == name) || parsed.iter().any(|(n, _)| n == name);
            if !name_ok || !value_ok || clashes {
                return Err(refuse());
            }
            parsed.push((name.to_owned(), value.to_owned()));
        }
        if parsed.len() > 5 {
            return Err(refuse());
        }
        Ok(Self {
            namespace,
            dimensions: parsed,
        })
    }
}

/// The installed recorder: flushes what was recorded since the last flush.
#[derive(Clone, Copy)]
pub struct Emitter {
    collector: &'static Collector,
}

impl std::fmt::Debug for Emitter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emitter")
            .field("namespace", &self.collector.config.cloudwatch_namespace)
            .finish()
    }
}

impl Emitter {
    /// Writes one EMF line per dimension set recorded since the last flush (nothing when
    /// nothing was recorded).
    pub fn flush(&self, out: impl std::io::Write) -> std::io::Result<()> {
        self.collector.flush(out)
    }

    /// Flushes to stdout, where Lambda's log stream (and CloudWatch's EMF extraction) reads
    /// it, in one write: the lines are rendered first, so an invocation's metrics cost one
    /// system call, not one per dimension set (measured by `lambda-bench`). A failed write is
    /// reported on the log, never to the caller.
    pub fn flush_to_stdout(&self) {
        let mut lines = Vec::with_capacity(1024);
        let written = self.flush(&mut lines).and_then(|()| {
            if lines.is_empty() {
                return Ok(());
            }
            use std::io::Write as _;
            std::io::stdout().lock().write_all(&lines)
        });
        if let Err(e) = written {
            tracing::warn!(error = %e, "metrics could not be written");
        }
    }

    /// The namespace metrics go to.
    pub fn namespace(&self) -> &str {
        &self.collector.config.cloudwatch_namespace
    }
}

/// The recorder could not be installed (another `metrics` recorder owns the process).
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("the metrics recorder could not be installed: {0}")]
pub struct InstallError(String);

static EMITTER: OnceLock<Result<Emitter, InstallError>> = OnceLock::new();

/// Installs the process's recorder once; later calls return the first one (the local stack's
/// three handlers and the test suites share one process), whatever their settings.
pub fn install(settings: &MetricsSettings) -> Result<Emitter, InstallError> {
    EMITTER
        .get_or_init(|| {
            let mut builder = metrics_cloudwatch_embedded::Builder::new()
                .cloudwatch_namespace(settings.namespace.clone());
            for (name, value) in &settings.dimensions {
                builder = builder.with_dimension(name.clone(), value.clone());
            }
            let collector = builder.init().map_err(|e| InstallError(e.to_string()))?;
            for m in CATALOGUE {
                let unit = match m.unit {
                    Unit::Count => metrics::Unit::Count,
                    Unit::Milliseconds => metrics::Unit::Milliseconds,
                };
                match m.unit {
                    Unit::Count => metrics::describe_counter!(m.name, unit, m.meaning),
                    Unit::Milliseconds => metrics::describe_histogram!(m.name, unit, m.meaning),
                }
            }
            Ok(Emitter { collector })
        })
        .clone()
}

/// One flag per function: the local stack runs all three in one process.
static COLD: [AtomicBool; 3] = [
    AtomicBool::new(true),
    AtomicBool::new(true),
    AtomicBool::new(true),
];

fn index(function: Function) -> usize {
    match function {
        Function::Initiate => 0,
        Function::RefreshToken => 1,
        Function::ValidateSession => 2,
    }
}

/// Whether this is `function`'s first invocation in this process; counts `ColdStarts` when
/// it is. Call it once per invocation, before the handler runs.
pub fn cold_start(function: Function) -> bool {
    let cold = COLD[index(function)].swap(false, Ordering::Relaxed);
    if cold {
        metrics::counter!(catalogue::COLD_STARTS.name, FUNCTION.name => function.as_str())
            .increment(1);
    }
    cold
}

/// validate-session answered (200) with `reason`.
pub fn validation(entry_point: EntryPoint, reason: ValidationReason) {
    metrics::counter!(
        catalogue::VALIDATIONS.name,
        FUNCTION.name => Function::ValidateSession.as_str(),
        catalogue::ENTRY_POINT.name => entry_point.as_str(),
        catalogue::REASON.name => reason.as_str()
    )
    .increment(1);
}

/// validate-session took `elapsed` to answer (whatever the answer).
pub fn validation_duration(elapsed: Duration) {
    metrics::histogram!(
        catalogue::VALIDATION_DURATION.name,
        FUNCTION.name => Function::ValidateSession.as_str()
    )
    .record(elapsed.as_secs_f64() * 1000.0);
}

/// initiate (`Initiations`) or refresh-token (`Refreshes`) answered with `outcome`.
pub fn initiation(function: Function, strategy: Strategy, outcome: InitiationOutcome) {
    let name = match function {
        Function::RefreshToken => catalogue::REFRESHES.name,
        Function::Initiate | Function::ValidateSession => catalogue::INITIATIONS.name,
    };
    metrics::counter!(
        name,
        FUNCTION.name => function.as_str(),
        catalogue::STRATEGY.name => strategy.as_str(),
        catalogue::INITIATION_OUTCOME.name => outcome.as_str()
    )
    .increment(1);
}

/// One Genesys call ended with `outcome` after `latency`, having been retried `retries` times
/// and throttled (429) `throttles` times.
pub fn genesys_call(
    function: Function,
    operation: Operation,
    outcome: CallOutcome,
    latency: Duration,
    retries: u32,
    throttles: u32,
) {
    let f = function.as_str();
    let op = operation.as_str();
    metrics::counter!(
        catalogue::GENESYS_CALLS.name,
        FUNCTION.name => f,
        catalogue::OPERATION.name => op,
        catalogue::CALL_OUTCOME.name => outcome.as_str()
    )
    .increment(1);
    metrics::histogram!(catalogue::GENESYS_LATENCY.name, FUNCTION.name => f, catalogue::OPERATION.name => op)
        .record(latency.as_secs_f64() * 1000.0);
    if retries > 0 {
        metrics::counter!(catalogue::GENESYS_RETRIES.name, FUNCTION.name => f, catalogue::OPERATION.name => op)
            .increment(u64::from(retries));
    }
    if throttles > 0 {
        metrics::counter!(catalogue::GENESYS_THROTTLES.name, FUNCTION.name => f, catalogue::OPERATION.name => op)
            .increment(u64::from(throttles));
    }
}

/// A participant write-back ended with `update` (`skipped` is not a write-back: not counted).
pub fn write_back(update: ParticipantUpdate) {
    if update == ParticipantUpdate::Skipped {
        return;
    }
    metrics::counter!(
        catalogue::PARTICIPANT_WRITE_BACKS.name,
        FUNCTION.name => Function::ValidateSession.as_str(),
        catalogue::WRITE_BACK_OUTCOME.name => update.as_str()
    )
    .increment(1);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::telemetry::metrics::emf::{Totals, parse_line};

    #[test]
    fn what_is_recorded_is_flushed_as_catalogued_emf_lines_once() {
        let emitter = install(&MetricsSettings::default()).unwrap();
        assert!(cold_start(Function::ValidateSession));
        assert!(!cold_start(Function::ValidateSession));
        for _ in 0..3 {
            validation(EntryPoint::WebServices, ValidationReason::Ok);
        }
        validation(EntryPoint::LambdaDataAction, ValidationReason::Replayed);
        validation_duration(Duration::from_micros(1500));
        initiation(
            Function::Initiate,
            Strategy::Messenger,
            InitiationOutcome::RateLimited,
        );
        genesys_call(
            Function::ValidateSession,
            Operation::UpdateParticipantAttributes,
            CallOutcome::Throttled,
            Duration::from_millis(40),
            2,
            3,
        );
        write_back(ParticipantUpdate::Failed);
        write_back(ParticipantUpdate::Skipped);
        let mut out = Vec::new();
        emitter.flush(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let mut totals = Totals::default();
        for line in text.lines() {
            totals.add(&parse_line(line, &[]).unwrap_or_else(|e| panic!("{e}: {line}")));
        }
        assert_eq!(
            totals.sum("ColdStarts", &[("Function", "validate-session")]),
            1.0
        );
        assert_eq!(totals.sum("Validations", &[("Reason", "ok")]), 3.0);
        assert_eq!(
            totals.sum("Validations", &[("EntryPoint", "lambda-data-action")]),
            1.0
        );
        assert_eq!(totals.sum("ValidationDuration", &[]), 1.5);
        assert_eq!(
            totals.sum("Initiations", &[("Outcome", "rate-limited")]),
            1.0
        );
        assert_eq!(totals.sum("GenesysRetries", &[]), 2.0);
        assert_eq!(totals.sum("GenesysThrottles", &[]), 3.0);
        assert_eq!(totals.sum("GenesysCalls", &[("Outcome", "throttled")]), 1.0);
        assert_eq!(totals.sum("ParticipantWriteBacks", &[]), 1.0);
        // A second flush has nothing new to say.
        let mut again = Vec::new();
        emitter.flush(&mut again).unwrap();
        assert!(again.is_empty(), "{}", String::from_utf8_lossy(&again));
    }

    #[test]
    fn settings_default_to_the_catalogue_namespace_and_no_extra_dimension() {
        assert_eq!(
            MetricsSettings::parse("", "").unwrap(),
            MetricsSettings::default()
        );
        let s = MetricsSettings::parse("Shop/Chat", "Environment=prod, Team=cx").unwrap();
        assert_eq!(s.namespace, "Shop/Chat");
        assert_eq!(
            s.dimensions,
            vec![
                ("Environment".to_owned(), "prod".to_owned()),
                ("Team".to_owned(), "cx".to_owned())
            ]
        );
    }

    #[test]
    fn a_bad_namespace_or_dimension_is_refused_naming_it() {
        for ns in ["AWS/Lambda", "has space", &"x".repeat(256)] {
            assert_eq!(
                MetricsSettings::parse(ns, ""),
                Err(SettingsError::Namespace(ns.to_owned()))
            );
        }
        for dims in [
            "Environment",
            "=prod",
            "Environment=",
            "Reason=forged",
            "Function=x",
            "A=1,A=2",
            "A=1,B=2,C=3,D=4,E=5,F=6",
            "Bad-Name=x",
        ] {
            let e = MetricsSettings::parse("", dims).unwrap_err();
            assert_eq!(e, SettingsError::Dimensions(dims.to_owned()));
            assert!(e.to_string().contains(dims));
        }
    }
}
