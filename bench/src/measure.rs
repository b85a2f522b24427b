//! Measuring one function: cold starts in fresh processes, then warm invocations in one
//! long-lived process, with the external calls and backend time of each phase.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::time::Duration;

use bytes::Bytes;

use crate::backends::{Backends, Calls};
use crate::error::BenchError;
use crate::process::{ColdStart, FunctionProcess};

/// A function as deployed: its binary, its name and its configuration.
#[derive(Debug, Clone)]
pub struct Function {
    /// Row label in the report.
    pub label: String,
    /// `AWS_LAMBDA_FUNCTION_NAME`.
    pub name: &'static str,
    /// The release binary.
    pub binary: PathBuf,
    /// Its own variables.
    pub config: Vec<(String, String)>,
}

/// Checks one answer; `Err` says what is wrong with it.
pub type Check<'a> = &'a dyn Fn(&[u8]) -> Result<(), String>;

/// Runs before event `i` (counted over cold, then warm events) is handed to the function,
/// outside the timed span: stages the backend state that event needs.
pub type Prepare<'a> =
    &'a (dyn Fn(usize) -> Pin<Box<dyn Future<Output = Result<(), BenchError>> + Send + 'a>> + Sync);

/// Everything measured of one function.
#[derive(Debug, Clone)]
pub struct Measurement {
    /// Row label.
    pub label: String,
    /// Binary name.
    pub name: &'static str,
    /// Size of the (stripped) binary, bytes.
    pub binary_size: u64,
    /// One per fresh process.
    pub cold: Vec<ColdStart>,
    /// Backend (moto) time within each cold start.
    pub cold_backend: Vec<Duration>,
    /// External calls over all cold starts.
    pub cold_calls: Calls,
    /// Queue → answer of each warm invocation.
    pub warm: Vec<Duration>,
    /// Backend time within each warm invocation.
    pub warm_backend: Vec<Duration>,
    /// External calls over all warm invocations.
    pub warm_calls: Calls,
    /// `VmHWM` of the warm process after its last invocation, bytes.
    pub peak_rss: u64,
}

/// Runs `function`: one fresh process per event of `cold`, then one process that answers
/// `warm[0]` (its own cold start, not timed) and every later event of `warm` timed. Returns the
/// figures and every answer in order (cold, then warm), each already checked.
pub async fn measure(
    backends: &Backends,
    function: &Function,
    cold: Vec<Bytes>,
    warm: Vec<Bytes>,
    check: Check<'_>,
    prepare: Option<Prepare<'_>>,
) -> Result<(Measurement, Vec<Bytes>), BenchError> {
    let stage = async |i: usize| match prepare {
        Some(prepare) => prepare(i).await,
        None => Ok(()),
    };
    let binary_size = std::fs::metadata(&function.binary)
        .map_err(|_| BenchError::MissingBinary(function.binary.display().to_string()))?
        .len();
    let checked = |answer: &Bytes| {
        check(answer).map_err(|what| BenchError::Function {
            function: function.label.clone(),
            what: format!(
                "unexpected answer ({what}): {}",
                String::from_utf8_lossy(answer)
            ),
            logs: String::new(),
        })
    };
    let mut answers = Vec::with_capacity(cold.len() + warm.len());
    let mut starts = Vec::with_capacity(cold.len());
    let mut cold_backend = Vec::with_capacity(cold.len());
    let calls_before = backends.calls();
    let mut index = 0;
    for event in cold {
        stage(index).await?;
        index += 1;
        let backend_before = backends.backend_time();
        let (mut process, ticket) =
            FunctionProcess::spawn(&function.binary, function.name, &function.config, event)
                .await?;
        let start = process.cold_start(ticket).await?;
        cold_backend.push(backends.backend_time().saturating_sub(backend_before));
        process.stop().await;
        checked(&start.answer)?;
        answers.push(start.answer.clone());
        starts.push(start);
    }
    let cold_calls = backends.calls() - calls_before;

    let mut events = warm.into_iter();
    let first = events.next().unwrap_or_default();
    stage(index).await?;
    index += 1;
    let (mut process, ticket) =
        FunctionProcess::spawn(&function.binary, function.name, &function.config, first).await?;
    let start = process.cold_start(ticket).await?;
    checked(&start.answer)?;
    answers.push(start.answer);
    let calls_before = backends.calls();
    let mut latencies = Vec::with_capacity(events.len());
    let mut warm_backend = Vec::with_capacity(events.len());
    for event in events {
        stage(index).await?;
        index += 1;
        let backend_before = backends.backend_time();
        let (answer, latency) = process.invoke(event).await?;
        warm_backend.push(backends.backend_time().saturating_sub(backend_before));
        checked(&answer)?;
        answers.push(answer);
        latencies.push(latency);
    }
    let warm_calls = backends.calls() - calls_before;
    let peak_rss = process.sample().map(|s| s.peak_rss).unwrap_or_default();
    process.stop().await;
    Ok((
        Measurement {
            label: function.label.clone(),
            name: function.name,
            binary_size,
            cold: starts,
            cold_backend,
            cold_calls,
            warm: latencies,
            warm_backend,
            warm_calls,
            peak_rss,
        },
        answers,
    ))
}
