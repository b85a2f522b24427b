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
    let binary_size = std::fs::metadata(&function.binary)
        .map_err(|_| BenchError::MissingBinary(function.binary.display().to_string()))?
        .len();
    let mut run = Run {
        backends,
        function,
        check,
        prepare,
        index: 0,
        answers: Vec::with_capacity(cold.len() + warm.len()),
    };
    let calls_before = backends.calls();
    let (starts, cold_backend) = run.cold_starts(cold).await?;
    let cold_calls = backends.calls() - calls_before;
    let (latencies, warm_backend, warm_calls, peak_rss) = run.warm(warm).await?;
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
        run.answers,
    ))
}

/// One function's measurement under way: the events handed so far and their answers.
struct Run<'a, 'p> {
    backends: &'a Backends,
    function: &'a Function,
    check: Check<'a>,
    prepare: Option<Prepare<'p>>,
    index: usize,
    answers: Vec<Bytes>,
}

/// The warm phase's figures: latencies, backend time, external calls and peak RSS.
type Warm = (Vec<Duration>, Vec<Duration>, Calls, u64);

impl Run<'_, '_> {
    /// Stages the next event's backend state.
    async fn stage(&mut self) -> Result<(), BenchError> {
        if let Some(prepare) = self.prepare {
            prepare(self.index).await?;
        }
        self.index += 1;
        Ok(())
    }

    /// Checks an answer and keeps it.
    fn keep(&mut self, answer: Bytes) -> Result<(), BenchError> {
        (self.check)(&answer).map_err(|what| BenchError::Function {
            function: self.function.label.clone(),
            what: format!(
                "unexpected answer ({what}): {}",
                String::from_utf8_lossy(&answer)
            ),
            logs: String::new(),
        })?;
        self.answers.push(answer);
        Ok(())
    }

    async fn spawn(&self, event: Bytes) -> Result<(FunctionProcess, ColdStart), BenchError> {
        let f = self.function;
        let (mut process, ticket) =
            FunctionProcess::spawn(&f.binary, f.name, &f.config, event).await?;
        let start = process.cold_start(ticket).await?;
        Ok((process, start))
    }

    /// One fresh process per event.
    async fn cold_starts(
        &mut self,
        cold: Vec<Bytes>,
    ) -> Result<(Vec<ColdStart>, Vec<Duration>), BenchError> {
        let mut starts = Vec::with_capacity(cold.len());
        let mut backend = Vec::with_capacity(cold.len());
        for event in cold {
            self.stage().await?;
            let backend_before = self.backends.backend_time();
            let (process, start) = self.spawn(event).await?;
            backend.push(self.backends.backend_time().saturating_sub(backend_before));
            process.stop().await;
            self.keep(start.answer.clone())?;
            starts.push(start);
        }
        Ok((starts, backend))
    }

    /// One process: the first event starts it, every later one is timed.
    async fn warm(&mut self, warm: Vec<Bytes>) -> Result<Warm, BenchError> {
        let mut events = warm.into_iter();
        self.stage().await?;
        let (mut process, start) = self.spawn(events.next().unwrap_or_default()).await?;
        self.keep(start.answer)?;
        let calls_before = self.backends.calls();
        let mut latencies = Vec::with_capacity(events.len());
        let mut backend = Vec::with_capacity(events.len());
        for event in events {
            self.stage().await?;
            let backend_before = self.backends.backend_time();
            let (answer, latency) = process.invoke(event).await?;
            backend.push(self.backends.backend_time().saturating_sub(backend_before));
            self.keep(answer)?;
            latencies.push(latency);
        }
        let calls = self.backends.calls() - calls_before;
        let peak_rss = process.sample().map(|s| s.peak_rss).unwrap_or_default();
        process.stop().await;
        Ok((latencies, backend, calls, peak_rss))
    }
}
