//! Per-key request rates (per API key, per source address, per sender on a channel):
//! a token bucket for each key, refilled over a minute.

use std::{num::NonZeroU32, sync::Arc, time::Duration};

use governor::{
    DefaultKeyedRateLimiter, Quota,
    clock::{Clock, DefaultClock},
};

/// Buckets are forgotten once full again, when this many keys are held.
const FORGET_ABOVE_KEYS: usize = 10_000;

#[derive(Clone)]
pub struct KeyedLimiter {
    limiter: Arc<DefaultKeyedRateLimiter<String>>,
    clock: DefaultClock,
}

impl KeyedLimiter {
    /// Allows `per_minute` requests a minute for each key, all at once at most.
    pub fn per_minute(per_minute: u32) -> Self {
        let rate = NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN);
        Self {
            limiter: Arc::new(DefaultKeyedRateLimiter::keyed(Quota::per_minute(rate))),
            clock: DefaultClock::default(),
        }
    }

    /// Takes one request for `key`, or says how long to wait before the next one is
    /// allowed.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        if self.limiter.len() > FORGET_ABOVE_KEYS {
            self.limiter.retain_recent();
        }
        self.limiter
            .check_key(&key.to_owned())
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }
}

/// `Retry-After` seconds for a wait: rounded up, at least one.
pub fn retry_after_seconds(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0).max(u64::from(wait.is_zero()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_key_has_its_own_bucket() {
        let limiter = KeyedLimiter::per_minute(2);
        assert!(limiter.check("a").is_ok());
        assert!(limiter.check("a").is_ok());
        let wait = limiter.check("a").err();
        assert!(
            wait.is_some_and(|w| w > Duration::from_secs(20)),
            "{wait:?}"
        );
        assert!(limiter.check("b").is_ok());
        assert_eq!(retry_after_seconds(Duration::from_millis(29_001)), 30);
        assert_eq!(retry_after_seconds(Duration::ZERO), 1);
        assert_eq!(retry_after_seconds(Duration::from_secs(30)), 30);
    }
}
