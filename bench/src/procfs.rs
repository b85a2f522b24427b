//! What `/proc` says about a function process: CPU time and resident memory.

use std::time::Duration;

/// Linux reports `/proc/<pid>/stat` times in `USER_HZ` ticks, which the kernel ABI fixes at
/// 100 per second on every architecture Lambda runs (x86_64, arm64).
const USER_HZ: u64 = 100;

/// One reading of a process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcSample {
    /// utime + stime of the whole thread group (`/proc/<pid>/stat`), 10 ms resolution.
    pub cpu_ticks: Duration,
    /// Time on CPU summed over live threads (`/proc/<pid>/task/*/schedstat`), nanoseconds.
    pub cpu_sched: Option<Duration>,
    /// Peak resident set size (`VmHWM`), bytes.
    pub peak_rss: u64,
}

impl ProcSample {
    /// The most precise CPU time available: the scheduler's nanoseconds when the kernel keeps
    /// them (it counts only live threads; the functions' threads all live), else the ticks.
    pub fn cpu(&self) -> Duration {
        self.cpu_sched.unwrap_or(self.cpu_ticks)
    }
}

/// Reads `pid`, or `None` when it is gone.
pub fn sample(pid: u32) -> Option<ProcSample> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    Some(ProcSample {
        cpu_ticks: parse_stat_cpu(&stat)?,
        cpu_sched: sched_cpu(pid),
        peak_rss: parse_status_kib(&status, "VmHWM")? * 1024,
    })
}

/// utime + stime (fields 14 and 15) from a `stat` line; the command name may hold spaces and
/// parentheses, so fields are counted after its last `)`.
pub fn parse_stat_cpu(stat: &str) -> Option<Duration> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts at field 3 (state): field n is at index n - 3.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(Duration::from_millis((utime + stime) * 1000 / USER_HZ))
}

/// A `kB` line of `/proc/<pid>/status`.
pub fn parse_status_kib(status: &str, key: &str) -> Option<u64> {
    status.lines().find_map(|line| {
        let value = line.strip_prefix(key)?.strip_prefix(':')?;
        value.split_whitespace().next()?.parse().ok()
    })
}

fn sched_cpu(pid: u32) -> Option<Duration> {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).ok()?;
    let mut total = 0u64;
    for task in tasks.flatten() {
        let line = std::fs::read_to_string(task.path().join("schedstat")).ok()?;
        total += line.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(Duration::from_nanos(total))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn cpu_ticks_are_counted_after_a_command_name_with_spaces_and_parentheses() {
        let stat = "4242 (a (weird) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 7 3 0 0 20 0 1 0";
        assert_eq!(parse_stat_cpu(stat), Some(Duration::from_millis(100)));
    }

    #[test]
    fn the_peak_resident_set_is_read_in_kib() {
        let status = "Name:\tinitiate\nVmPeak:\t  9000 kB\nVmHWM:\t    5120 kB\nVmRSS:\t 4000 kB\n";
        assert_eq!(parse_status_kib(status, "VmHWM"), Some(5120));
        assert_eq!(parse_status_kib(status, "VmSwap"), None);
    }

    #[test]
    fn this_process_can_be_sampled() {
        let sample = sample(std::process::id()).unwrap();
        assert!(sample.peak_rss > 0);
    }
}
