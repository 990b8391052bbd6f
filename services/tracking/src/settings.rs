//! The tracking section of the settings tree (`[tracking]` in the TOML file,
//! `SEGNALA__TRACKING__…` in the environment).

use std::time::Duration;

use segnala_shared::config::{ConfigError, Validate};
use serde::Deserialize;

use crate::domain::ResolveWithin;

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrackingSettings {
    /// How long a claim lasts before the order goes back to the queue, unless renewed.
    pub lease_seconds: u64,
    /// How often expired leases and overdue orders are looked for.
    pub sweep_interval_ms: u64,
    /// The largest photo a crew may attach.
    pub max_photo_bytes: usize,
    /// How far from the problem a photo may be taken.
    pub max_photo_distance_meters: f64,
    /// Due times per priority, for routed reports that come without one.
    pub resolve_within: ResolveWithin,
}

impl Default for TrackingSettings {
    fn default() -> Self {
        Self {
            lease_seconds: 30 * 60,
            sweep_interval_ms: 10_000,
            max_photo_bytes: 4 * 1024 * 1024,
            max_photo_distance_meters: 250.0,
            resolve_within: ResolveWithin::default(),
        }
    }
}

impl TrackingSettings {
    pub fn lease(&self) -> chrono::Duration {
        chrono::Duration::seconds(i64::try_from(self.lease_seconds).unwrap_or(i64::MAX / 1000))
    }

    pub fn sweep_interval(&self) -> Duration {
        Duration::from_millis(self.sweep_interval_ms)
    }
}

impl Validate for TrackingSettings {
    fn validate(&self) -> Result<(), ConfigError> {
        if !(1..=7 * 24 * 3600).contains(&self.lease_seconds) {
            return Err(ConfigError::invalid(
                "tracking.lease_seconds",
                "must be between 1 and 604800 (a week)",
            ));
        }
        if !(50..=3_600_000).contains(&self.sweep_interval_ms) {
            return Err(ConfigError::invalid(
                "tracking.sweep_interval_ms",
                "must be between 50 and 3600000 (an hour)",
            ));
        }
        if !(1024..=64 * 1024 * 1024).contains(&self.max_photo_bytes) {
            return Err(ConfigError::invalid(
                "tracking.max_photo_bytes",
                "must be between 1024 and 67108864 (64 MiB)",
            ));
        }
        if !(self.max_photo_distance_meters.is_finite() && self.max_photo_distance_meters > 0.0) {
            return Err(ConfigError::invalid(
                "tracking.max_photo_distance_meters",
                "must be a positive number of metres",
            ));
        }
        let targets = [
            ("low_hours", self.resolve_within.low_hours),
            ("normal_hours", self.resolve_within.normal_hours),
            ("high_hours", self.resolve_within.high_hours),
            ("critical_hours", self.resolve_within.critical_hours),
        ];
        for (key, hours) in targets {
            if hours == 0 {
                return Err(ConfigError::invalid(
                    format!("tracking.resolve_within.{key}"),
                    "must be at least 1 hour",
                ));
            }
        }
        Ok(())
    }
}
