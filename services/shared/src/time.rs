//! Conversions between chrono times and protobuf timestamps, and the city's clock face.

use chrono::{DateTime, Utc};
pub use chrono_tz::Tz;

/// The time zone of a city that sets none: Segnala's first cities are Italian.
pub const DEFAULT_TIME_ZONE: Tz = chrono_tz::Europe::Rome;

pub fn to_timestamp(time: DateTime<Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: time.timestamp(),
        nanos: i32::try_from(time.timestamp_subsec_nanos()).unwrap_or(0),
    }
}

/// `None` for a missing or out-of-range timestamp.
pub fn from_timestamp(timestamp: Option<&prost_types::Timestamp>) -> Option<DateTime<Utc>> {
    let timestamp = timestamp?;
    DateTime::from_timestamp(timestamp.seconds, u32::try_from(timestamp.nanos).ok()?)
}
