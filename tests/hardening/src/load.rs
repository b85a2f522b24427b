//! A bounded load generator: many conversations validating the same hashes at once, against
//! the local stack on DynamoDB (moto behind the serialising proxy), counting errors, lost and
//! double bindings, throughput and latency percentiles.
//!
//! Bounded in count (the configuration) and in time ([`LoadConfig::time_limit`]): it stops by
//! itself and sends traffic to loopback only.

use std::collections::BTreeMap;
use std::fmt;
use std::time::{Duration, Instant};

use futures::StreamExt as _;
use local::{Options, Store};
use secure_initiation::api::{BrowserSettings, ValidateSettings};
use serde_json::{Value, json};

use crate::faults::aws::Aws;
use crate::harness::{Stack, conversation, spawn};

/// How much load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadConfig {
    /// Session hashes issued first.
    pub hashes: usize,
    /// Distinct conversations validating each hash.
    pub conversations_per_hash: usize,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// The whole run, setup included, stops after this.
    pub time_limit: Duration,
    /// DynamoDB on moto (`true`) or the in-memory store.
    pub dynamodb: bool,
}

impl LoadConfig {
    /// The documented full run: 100 hashes × 100 conversations = 10,000 validations at 64.
    pub fn full() -> Self {
        Self {
            hashes: 100,
            conversations_per_hash: 100,
            concurrency: 64,
            time_limit: Duration::from_secs(600),
            dynamodb: true,
        }
    }

    /// The CI run: a few seconds.
    pub fn ci() -> Self {
        Self {
            hashes: 10,
            conversations_per_hash: 20,
            concurrency: 64,
            time_limit: Duration::from_secs(120),
            dynamodb: true,
        }
    }
}

/// What a run measured.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadFigures {
    /// Validations sent.
    pub validations: usize,
    /// Answers other than 200 with `valid=true` or `reason=replayed`.
    pub errors: usize,
    /// Hashes no conversation could bind.
    pub lost: usize,
    /// Hashes bound by more than one conversation.
    pub doubled: usize,
    /// Hashes bound by exactly one conversation.
    pub bound_once: usize,
    /// Sessions the table holds as bound afterwards (DynamoDB runs).
    pub bound_in_store: Option<usize>,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// The validation phase.
    pub elapsed: Duration,
    /// Validations per second.
    pub throughput: f64,
    /// Latency percentiles (p50, p90, p99) and the maximum.
    pub p50: Duration,
    /// 90th percentile.
    pub p90: Duration,
    /// 99th percentile.
    pub p99: Duration,
    /// Slowest.
    pub max: Duration,
    /// Requests the proxy forwarded to moto (DynamoDB runs).
    pub store_requests: u64,
    /// Which store.
    pub store: &'static str,
    /// Statuses seen.
    pub statuses: BTreeMap<u16, usize>,
}

impl fmt::Display for LoadFigures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} validations at concurrency {} in {:.2} s ({:.0}/s): errors {}, lost {}, \
             doubled {}, bound once {}; latency p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, \
             max {:.1} ms",
            self.store,
            self.validations,
            self.concurrency,
            self.elapsed.as_secs_f64(),
            self.throughput,
            self.errors,
            self.lost,
            self.doubled,
            self.bound_once,
            ms(self.p50),
            ms(self.p90),
            ms(self.p99),
            ms(self.max),
        )?;
        if let Some(bound) = self.bound_in_store {
            write!(
                f,
                "; table: {bound} bound; {} DynamoDB calls",
                self.store_requests
            )?;
        }
        Ok(())
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Validation deadline under load. moto answers about 100 DynamoDB calls a second, one at a
/// time behind the proxy, so with hundreds of validations in flight the queue in front of it,
/// not the handler, sets the latency; the default 2.5 s deadline (tested under faults) would
/// turn that queue into 503s.
pub const LOAD_VALIDATE_DEADLINE: Duration = Duration::from_secs(30);

/// The local stack on DynamoDB through the serialising proxy in front of moto.
pub async fn dynamo_stack(aws: &Aws, initiate: BrowserSettings) -> Stack {
    spawn(Options {
        store: Store::Dynamo {
            client: aws.dynamodb(),
            table: "sessions".to_owned(),
        },
        initiate,
        validate: ValidateSettings {
            deadline: LOAD_VALIDATE_DEADLINE,
            write_back: false,
            ..ValidateSettings::default()
        },
        write_back: false,
        ..Options::default()
    })
    .await
}

/// The local stack on its in-memory store: the handlers' own cost, without moto.
pub async fn memory_stack() -> Stack {
    spawn(Options {
        write_back: false,
        ..Options::default()
    })
    .await
}

/// Issues `n` session hashes, one subject each.
pub async fn issue(stack: &Stack, n: usize) -> Vec<String> {
    futures::stream::iter(0..n)
        .map(|i| async move {
            let token = stack.token(&format!("load-subject-{i}"));
            let body = stack.initiate_ok(&token).await;
            body["sessionHash"].as_str().unwrap().to_owned()
        })
        .buffered(8)
        .collect()
        .await
}

/// One validation's result.
#[derive(Debug, Clone)]
pub struct Answer {
    /// Which hash.
    pub hash: usize,
    /// HTTP status.
    pub status: u16,
    /// `valid`.
    pub valid: bool,
    /// `reason`.
    pub reason: String,
    /// Latency.
    pub latency: Duration,
}

/// Validates every `(hash index, conversation)` pair with `concurrency` in flight.
pub async fn validate_all(
    stack: &Stack,
    hashes: &[String],
    pairs: Vec<(usize, String)>,
    concurrency: usize,
) -> Vec<Answer> {
    futures::stream::iter(pairs)
        .map(|(i, conv)| async move {
            let reply = stack.validate(&hashes[i], &conv, None).await;
            let body: Value = serde_json::from_str(&reply.body).unwrap_or(json!({}));
            Answer {
                hash: i,
                status: reply.status,
                valid: body["valid"] == true,
                reason: body["reason"].as_str().unwrap_or_default().to_owned(),
                latency: reply.elapsed,
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await
}

/// Runs the load: issue the hashes, then every conversation of every hash validates, the
/// conversations of one hash interleaved with the others' so they race.
pub async fn run(config: LoadConfig) -> LoadFigures {
    tokio::time::timeout(config.time_limit, run_unbounded(config))
        .await
        .unwrap_or_else(|_| {
            panic!(
                "the load run passed its time limit of {:?}",
                config.time_limit
            )
        })
}

async fn run_unbounded(config: LoadConfig) -> LoadFigures {
    let aws = if config.dynamodb {
        Some(Aws::start().await)
    } else {
        None
    };
    let stack = match &aws {
        Some(aws) => dynamo_stack(aws, BrowserSettings::initiate()).await,
        None => memory_stack().await,
    };
    let hashes = issue(&stack, config.hashes).await;
    let mut pairs = Vec::with_capacity(config.hashes * config.conversations_per_hash);
    for _ in 0..config.conversations_per_hash {
        for i in 0..config.hashes {
            pairs.push((i, conversation()));
        }
    }
    let before = aws.as_ref().map_or(0, |a| a.proxy.forwarded());
    let started = Instant::now();
    let answers = validate_all(&stack, &hashes, pairs, config.concurrency).await;
    let elapsed = started.elapsed();
    let (store_requests, bound_in_store) = match &aws {
        Some(aws) => (
            aws.proxy.forwarded() - before,
            Some(aws.sessions_with_status("bound").await),
        ),
        None => (0, None),
    };

    let mut wins = vec![0usize; config.hashes];
    let mut errors = 0;
    let mut statuses = BTreeMap::new();
    let mut latencies = Vec::with_capacity(answers.len());
    for a in &answers {
        *statuses.entry(a.status).or_insert(0) += 1;
        latencies.push(a.latency);
        match (a.status, a.valid, a.reason.as_str()) {
            (200, true, "ok") => wins[a.hash] += 1,
            (200, false, "replayed") => {}
            _ => errors += 1,
        }
    }
    latencies.sort();
    LoadFigures {
        validations: answers.len(),
        errors,
        lost: wins.iter().filter(|w| **w == 0).count(),
        doubled: wins.iter().filter(|w| **w > 1).count(),
        bound_once: wins.iter().filter(|w| **w == 1).count(),
        bound_in_store,
        concurrency: config.concurrency,
        elapsed,
        throughput: answers.len() as f64 / elapsed.as_secs_f64().max(1e-9),
        p50: percentile(&latencies, 50.0),
        p90: percentile(&latencies, 90.0),
        p99: percentile(&latencies, 99.0),
        max: latencies.last().copied().unwrap_or_default(),
        store_requests,
        store: if config.dynamodb {
            "DynamoDB on moto"
        } else {
            "in-memory store"
        },
        statuses,
    }
}
