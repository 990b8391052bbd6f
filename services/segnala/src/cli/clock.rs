//! Times as people read them: on the city's clock.

use chrono::{DateTime, Utc};
use segnala_shared::time::{DEFAULT_TIME_ZONE, Tz};

/// The time zone a client shows times in.
#[derive(Clone, Copy, Debug, Default, clap::Args)]
pub struct TimeZoneArgs {
    /// The city's time zone, an IANA name such as Europe/Rome (the default).
    #[arg(
        long = "time-zone",
        env = "SEGNALA__TIME_ZONE",
        global = true,
        value_parser = parse_time_zone
    )]
    pub time_zone: Option<Tz>,
}

impl TimeZoneArgs {
    /// The zone given, else the default city's.
    pub fn zone(&self) -> Tz {
        self.time_zone.unwrap_or(DEFAULT_TIME_ZONE)
    }
}

pub fn parse_time_zone(name: &str) -> Result<Tz, String> {
    name.trim()
        .parse()
        .map_err(|_| format!("`{name}` is not an IANA time zone, such as Europe/Rome"))
}

/// Date, time and zone, such as "2026-11-26 18:30 CET".
pub fn local_time(time: DateTime<Utc>, zone: Tz) -> String {
    time.with_timezone(&zone)
        .format("%Y-%m-%d %H:%M %Z")
        .to_string()
}

/// The time of day and zone, such as "18:30:05 CET".
pub fn local_clock(time: DateTime<Utc>, zone: Tz) -> String {
    time.with_timezone(&zone).format("%H:%M:%S %Z").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shown_on_the_citys_clock() {
        let winter = DateTime::parse_from_rfc3339("2026-01-15T17:30:00Z")
            .map(|t| t.with_timezone(&Utc))
            .ok();
        let summer = DateTime::parse_from_rfc3339("2026-07-15T17:30:00Z")
            .map(|t| t.with_timezone(&Utc))
            .ok();
        let rome = DEFAULT_TIME_ZONE;
        assert_eq!(
            winter.map(|t| local_time(t, rome)).as_deref(),
            Some("2026-01-15 18:30 CET")
        );
        assert_eq!(
            summer.map(|t| local_time(t, rome)).as_deref(),
            Some("2026-07-15 19:30 CEST")
        );
        assert_eq!(
            parse_time_zone("America/New_York").map(|z| z.name()),
            Ok("America/New_York")
        );
        assert!(parse_time_zone("Mars/Olympus").is_err());
    }
}
