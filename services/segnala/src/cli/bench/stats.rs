//! Latency distributions per stage, in microseconds, and how they are printed.

use std::time::Duration;

use hdrhistogram::Histogram;
use serde::Serialize;

/// One stage's latencies.
pub struct Latencies {
    histogram: Histogram<u64>,
}

impl Default for Latencies {
    #[allow(clippy::expect_used, reason = "constant bounds that are valid")]
    fn default() -> Self {
        Self {
            // Up to ten minutes, three significant digits.
            histogram: Histogram::new_with_bounds(1, 600_000_000, 3)
                .expect("valid histogram bounds"),
        }
    }
}

impl Latencies {
    pub fn record(&mut self, latency: Duration) {
        let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        self.histogram.saturating_record(micros.max(1));
    }

    pub fn count(&self) -> u64 {
        self.histogram.len()
    }

    pub fn summary(&self) -> Summary {
        let ms = |micros: u64| micros as f64 / 1000.0;
        Summary {
            count: self.count(),
            p50_ms: ms(self.histogram.value_at_quantile(0.50)),
            p95_ms: ms(self.histogram.value_at_quantile(0.95)),
            p99_ms: ms(self.histogram.value_at_quantile(0.99)),
            max_ms: ms(self.histogram.max()),
        }
    }
}

/// What is printed of a stage.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct Summary {
    pub count: u64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

/// A table row per stage, aligned for a terminal.
pub fn table(rows: &[(&str, Summary)]) -> String {
    let mut text = format!(
        "  {:<22} {:>8} {:>9} {:>9} {:>9} {:>9}\n",
        "stage (from send)", "count", "p50 ms", "p95 ms", "p99 ms", "max ms"
    );
    for (name, s) in rows {
        text.push_str(&format!(
            "  {:<22} {:>8} {:>9.1} {:>9.1} {:>9.1} {:>9.1}\n",
            name, s.count, s.p50_ms, s.p95_ms, s.p99_ms, s.max_ms
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_come_from_what_was_recorded() {
        let mut latencies = Latencies::default();
        for ms in 1..=100 {
            latencies.record(Duration::from_millis(ms));
        }
        let summary = latencies.summary();
        assert_eq!(summary.count, 100);
        assert!((summary.p50_ms - 50.0).abs() < 0.5, "{summary:?}");
        assert!((summary.p99_ms - 99.0).abs() < 0.5, "{summary:?}");
        assert!((summary.max_ms - 100.0).abs() < 0.5, "{summary:?}");
    }
}
