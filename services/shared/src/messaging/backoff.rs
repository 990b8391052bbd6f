use std::time::Duration;

/// Exponential back-off with a ceiling and a little jitter, so that replicas retrying
/// after the same outage do not all knock at once.
#[derive(Clone, Debug)]
pub struct Backoff {
    first: Duration,
    ceiling: Duration,
    attempt: u32,
}

impl Backoff {
    pub fn new(first: Duration, ceiling: Duration) -> Self {
        Self {
            first,
            ceiling,
            attempt: 0,
        }
    }

    /// The delay before the next attempt.
    pub fn next_delay(&mut self) -> Duration {
        let delay = Self::delay_for(self.first, self.ceiling, self.attempt);
        self.attempt = self.attempt.saturating_add(1);
        delay
    }

    pub fn reset(&mut self) {
        self.attempt = 0;
    }

    /// The delay before attempt number `attempt` (0-based), without state.
    pub fn delay_for(first: Duration, ceiling: Duration, attempt: u32) -> Duration {
        let exponential = first.saturating_mul(1u32 << attempt.min(16));
        let capped = exponential.min(ceiling);
        let jitter = rand::random_range(0.0..0.2);
        capped.mul_f64(1.0 - jitter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_then_stays_under_the_ceiling() {
        let mut backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(2));
        let delays: Vec<Duration> = (0..8).map(|_| backoff.next_delay()).collect();
        assert!(delays[0] <= Duration::from_millis(100) && delays[0] >= Duration::from_millis(80));
        assert!(delays[3] >= Duration::from_millis(640));
        assert!(delays.iter().all(|d| *d <= Duration::from_secs(2)));
        backoff.reset();
        assert!(backoff.next_delay() <= Duration::from_millis(100));
    }
}
