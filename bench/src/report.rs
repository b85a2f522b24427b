//! The report: Markdown tables, every figure beside the floor's and as a ratio to it, then the
//! budgets each function meets or misses.

use std::fmt::Write as _;
use std::time::Duration;

use crate::measure::Measurement;
use crate::suite::{Plan, VALIDATE_MEMORY};

/// Full vCPU share at 1,769 MB; a function at 128 MB gets 128/1769 of it, so CPU-bound init
/// takes 1769/128 times as long.
pub const FULL_VCPU_MB: f64 = 1769.0;
const BUDGET_MB: f64 = 128.0;

/// Nearest-rank percentile (`p` in 0..=100) of unsorted samples.
pub fn percentile(samples: &[Duration], p: f64) -> Duration {
    if samples.is_empty() {
        return Duration::ZERO;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The median.
pub fn median(samples: &[Duration]) -> Duration {
    percentile(samples, 50.0)
}

/// Per-row figures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Figures {
    /// Median spawn → first response.
    pub cold: Duration,
    /// The same without the time moto took.
    pub cold_own: Duration,
    /// Median spawn → first `next`.
    pub init: Duration,
    /// Median CPU time at the first response.
    pub init_cpu: Duration,
    /// `init_cpu` at 128 MB.
    pub projected: Duration,
    /// Warm p50.
    pub p50: Duration,
    /// Warm p99.
    pub p99: Duration,
    /// Warm p50 without the time moto took.
    pub p50_own: Duration,
    /// Peak RSS, bytes.
    pub rss: u64,
    /// Binary size, bytes.
    pub size: u64,
}

impl Figures {
    /// Computes a row's figures.
    pub fn of(m: &Measurement) -> Self {
        let cold: Vec<Duration> = m.cold.iter().map(|c| c.total).collect();
        let cold_own: Vec<Duration> = m
            .cold
            .iter()
            .zip(&m.cold_backend)
            .map(|(c, b)| c.total.saturating_sub(*b))
            .collect();
        let init: Vec<Duration> = m.cold.iter().map(|c| c.init).collect();
        let cpu: Vec<Duration> = m.cold.iter().map(|c| c.sample.cpu()).collect();
        let own: Vec<Duration> = m
            .warm
            .iter()
            .zip(&m.warm_backend)
            .map(|(w, b)| w.saturating_sub(*b))
            .collect();
        let init_cpu = median(&cpu);
        Self {
            cold: median(&cold),
            cold_own: median(&cold_own),
            init: median(&init),
            init_cpu,
            projected: init_cpu.mul_f64(FULL_VCPU_MB / BUDGET_MB),
            p50: percentile(&m.warm, 50.0),
            p99: percentile(&m.warm, 99.0),
            p50_own: percentile(&own, 50.0),
            rss: m.peak_rss,
            size: m.binary_size,
        }
    }
}

fn ms(d: Duration) -> String {
    let v = d.as_secs_f64() * 1000.0;
    if v < 1.0 {
        format!("{v:.3} ms")
    } else if v < 10.0 {
        format!("{v:.2} ms")
    } else {
        format!("{v:.1} ms")
    }
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

fn ratio(value: f64, floor: f64) -> String {
    if floor > 0.0 {
        format!(" ({:.1}×)", value / floor)
    } else {
        String::new()
    }
}

fn cell_ms(value: Duration, floor: Option<Duration>) -> String {
    let r = floor.map_or_else(String::new, |f| ratio(value.as_secs_f64(), f.as_secs_f64()));
    format!("{}{r}", ms(value))
}

fn cell_mib(value: u64, floor: Option<u64>) -> String {
    let r = floor.map_or_else(String::new, |f| ratio(value as f64, f as f64));
    format!("{}{r}", mib(value))
}

fn per(count: u64, n: usize) -> f64 {
    if n == 0 { 0.0 } else { count as f64 / n as f64 }
}

fn tick(ok: bool) -> &'static str {
    if ok { "✅" } else { "❌" }
}

/// The whole report as Markdown. The first row is the floor.
pub fn markdown(rows: &[Measurement], plan: Plan, machine: &str) -> String {
    let figures: Vec<Figures> = rows.iter().map(Figures::of).collect();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Measured on {machine}; {} fresh processes and {} warm invocations per row; \
         AWS on moto, Genesys on the sandbox, all on loopback. Ratios are to the floor.\n",
        plan.spawns, plan.invocations
    );
    timings(&mut out, rows, &figures);
    calls(&mut out, rows);
    let _ = writeln!(out, "\nBudgets:\n");
    if let Some(floor) = figures.first() {
        for (row, f) in rows.iter().zip(&figures).skip(1) {
            let _ = writeln!(out, "{}", budgets(row, f, floor));
        }
    }
    out
}

/// The timing table: every figure with its ratio to the floor.
fn timings(out: &mut String, rows: &[Measurement], figures: &[Figures]) {
    let floor = figures.first().copied();
    let _ = writeln!(
        out,
        "| function | cold start | cold start without backend | init (to first `next`) | init CPU | init at 128 MB (projected) | warm p50 | warm p99 | warm p50 without backend | peak RSS | binary (stripped) |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|---|---|---|");
    for (i, (row, f)) in rows.iter().zip(figures).enumerate() {
        let base = if i == 0 { None } else { floor };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            row.label,
            cell_ms(f.cold, base.map(|b| b.cold)),
            cell_ms(f.cold_own, base.map(|b| b.cold_own)),
            cell_ms(f.init, base.map(|b| b.init)),
            cell_ms(f.init_cpu, base.map(|b| b.init_cpu)),
            cell_ms(f.projected, base.map(|b| b.projected)),
            cell_ms(f.p50, base.map(|b| b.p50)),
            cell_ms(f.p99, base.map(|b| b.p99)),
            cell_ms(f.p50_own, base.map(|b| b.p50_own)),
            cell_mib(f.rss, base.map(|b| b.rss)),
            cell_mib(f.size, base.map(|b| b.size)),
        );
    }
}

/// The external calls table: per cold start, and per 1,000 warm invocations.
fn calls(out: &mut String, rows: &[Measurement]) {
    let _ = writeln!(
        *out,
        "\nExternal calls: per cold start (mean), and per 1,000 warm invocations.\n"
    );
    let _ = writeln!(
        *out,
        "| function | cold: Secrets Manager reads | cold: Genesys tokens | cold: JWKS fetches | cold: DynamoDB calls | warm: Secrets Manager reads /1k | warm: Genesys tokens /1k | warm: JWKS fetches /1k | warm: DynamoDB calls /1k |"
    );
    let _ = writeln!(*out, "|---|---|---|---|---|---|---|---|---|");
    for row in rows {
        let (c, w, s, n) = (
            row.cold_calls,
            row.warm_calls,
            row.cold.len(),
            row.warm.len(),
        );
        let k = |count| per(count, n) * 1000.0;
        let _ = writeln!(
            *out,
            "| {} | {:.1} | {:.1} | {:.1} | {:.1} | {:.0} | {:.0} | {:.0} | {:.0} |",
            row.label,
            per(c.secret_reads, s),
            per(c.token_requests, s),
            per(c.jwks_fetches, s),
            per(c.dynamodb, s),
            k(w.secret_reads),
            k(w.token_requests),
            k(w.jwks_fetches),
            k(w.dynamodb),
        );
    }
}

/// One row's budget line.
fn budgets(row: &Measurement, f: &Figures, floor: &Figures) -> String {
    let p50_ratio = f.p50.as_secs_f64() / floor.p50.as_secs_f64().max(f64::MIN_POSITIVE);
    if row.name == VALIDATE_MEMORY {
        // Only its warm latency means anything: its init seeds the sessions it serves.
        return format!(
            "- {}: warm p50 {p50_ratio:.2}× the floor (≤ 1.3×) {}",
            row.label,
            tick(p50_ratio <= 1.3)
        );
    }
    let cold_ratio = f.cold.as_secs_f64() / floor.cold.as_secs_f64().max(f64::MIN_POSITIVE);
    let w = row.warm_calls;
    let no_calls = w.secret_reads == 0 && w.token_requests == 0 && w.jwks_fetches == 0;
    let mut line = format!(
        "- {}: cold start {:.1}× the floor (≤ 1.5×) {} · init at 128 MB {} (≤ 30 ms) {} · peak RSS {} (≤ 30 MiB) {} · binary {} (≤ 8 MiB) {} · no secret/token/JWKS call when warm {}",
        row.label,
        cold_ratio,
        tick(cold_ratio <= 1.5),
        ms(f.projected),
        tick(f.projected <= Duration::from_millis(30)),
        mib(f.rss),
        tick(f.rss <= 30 * 1024 * 1024),
        mib(f.size),
        tick(f.size <= 8 * 1024 * 1024),
        tick(no_calls),
    );
    if row.label.starts_with("validate-session") {
        let r = p50_ratio;
        let own = f.p50_own.as_secs_f64() / floor.p50.as_secs_f64().max(f64::MIN_POSITIVE);
        let _ = write!(
            line,
            " · warm p50 {r:.1}× the floor (≤ 1.3×) {} (without moto's time: {own:.1}× {})",
            tick(r <= 1.3),
            tick(own <= 1.3)
        );
    }
    line
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ms_list(values: &[u64]) -> Vec<Duration> {
        values.iter().map(|v| Duration::from_millis(*v)).collect()
    }

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let samples = ms_list(&[5, 1, 4, 2, 3]);
        assert_eq!(median(&samples), Duration::from_millis(3));
        assert_eq!(percentile(&samples, 99.0), Duration::from_millis(5));
        assert_eq!(percentile(&samples, 0.0), Duration::from_millis(1));
        assert_eq!(percentile(&[], 50.0), Duration::ZERO);
        let hundred: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&hundred, 99.0), Duration::from_millis(99));
    }

    #[test]
    fn durations_are_printed_with_useful_precision() {
        assert_eq!(ms(Duration::from_micros(182)), "0.182 ms");
        assert_eq!(ms(Duration::from_micros(2_346)), "2.35 ms");
        assert_eq!(ms(Duration::from_micros(23_456)), "23.5 ms");
        assert_eq!(
            cell_ms(Duration::from_millis(3), Some(Duration::from_millis(2))),
            "3.00 ms (1.5×)"
        );
    }
}
