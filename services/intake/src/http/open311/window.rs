//! The filters of a request listing: `start_date`/`end_date` within the 90 days the
//! specification allows, `status`, `page_size`, `updated_after`/`updated_before`.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use segnala_shared::time::Tz;

use super::{document::Format, params::Params, response::Open311Error};
use crate::upstream::status::StatusQuery;

/// The longest span one query may cover, and the default span.
const MAX_SPAN_DAYS: i64 = 90;
const DEFAULT_PAGE_SIZE: u32 = 1000;
const MAX_PAGE_SIZE: u32 = 1000;

/// The status listing's bounds are exclusive; the specification's dates include
/// themselves.
const ONE_TICK: Duration = Duration::microseconds(1);

/// Which end of a range a date stands for.
#[derive(Clone, Copy)]
enum Edge {
    /// The first instant included.
    Start,
    /// The first instant no longer included.
    End,
}

/// The listing filters, with the 90-day window the specification sets. Dates may be
/// w3 date-times or whole days (`2026-12-07`), which run from the day's beginning to
/// its end in the city's time zone.
pub fn query(format: Format, params: &Params, time_zone: Tz) -> Result<StatusQuery, Open311Error> {
    let range_end = |name: &str, edge: Edge| -> Result<Option<DateTime<Utc>>, Open311Error> {
        params
            .get(name)
            .map(|text| {
                instant(text, edge, time_zone).ok_or_else(|| {
                    Open311Error::bad_request(
                        format,
                        format!(
                            "{name}: `{text}` is not a w3 date and time such as 2026-01-01T00:00:00Z, nor a date such as 2026-01-01"
                        ),
                    )
                })
            })
            .transpose()
    };
    let (start, end) = (
        range_end("start_date", Edge::Start)?,
        range_end("end_date", Edge::End)?,
    );
    let span = Duration::days(MAX_SPAN_DAYS);
    let (start, end) = match (start, end) {
        (Some(start), Some(end)) => (start, end),
        // A start still to come lists nothing rather than being refused.
        (Some(start), None) => (start, (start + span).min(Utc::now()).max(start)),
        (None, Some(end)) => (end - span, end),
        (None, None) => {
            let now = Utc::now();
            (now - span, now)
        }
    };
    if end < start {
        return Err(Open311Error::bad_request(
            format,
            "end_date is before start_date",
        ));
    }
    if end - start > span {
        return Err(Open311Error::bad_request(
            format,
            format!("start_date to end_date may span at most {MAX_SPAN_DAYS} days"),
        ));
    }
    let page_size = positive(format, params, "page_size")?.unwrap_or(DEFAULT_PAGE_SIZE);
    if page_size > MAX_PAGE_SIZE {
        return Err(Open311Error::bad_request(
            format,
            format!("page_size may be at most {MAX_PAGE_SIZE}"),
        ));
    }
    let w3 = |name: &str| {
        params
            .get(name)
            .map(|text| {
                DateTime::parse_from_rfc3339(text)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(|_| {
                        Open311Error::bad_request(
                            format,
                            format!("{name}: `{text}` is not a w3 date and time such as 2026-01-01T00:00:00Z"),
                        )
                    })
            })
            .transpose()
    };
    Ok(StatusQuery {
        service_code: None,
        open: openness(format, params)?,
        created_after: Some(start - ONE_TICK),
        created_before: Some(end),
        updated_after: w3("updated_after")?,
        updated_before: w3("updated_before")?,
        page_size,
    })
}

/// `status=open`, `closed`, both (the same as neither) or none.
fn openness(format: Format, params: &Params) -> Result<Option<bool>, Open311Error> {
    let mut open = None;
    for status in params.list("status") {
        let wanted = match status.as_str() {
            "open" => true,
            "closed" => false,
            other => {
                return Err(Open311Error::bad_request(
                    format,
                    format!("status `{other}` is not open or closed"),
                ));
            }
        };
        open = match open {
            None => Some(Some(wanted)),
            Some(previous) if previous == Some(wanted) => Some(previous),
            Some(_) => Some(None),
        };
    }
    Ok(open.flatten())
}

/// A whole number above 0 named `name`, if given.
pub fn positive(format: Format, params: &Params, name: &str) -> Result<Option<u32>, Open311Error> {
    params
        .get(name)
        .map(|text| {
            text.parse::<u32>().ok().filter(|n| *n > 0).ok_or_else(|| {
                Open311Error::bad_request(
                    format,
                    format!("{name}: `{text}` is not a whole number above 0"),
                )
            })
        })
        .transpose()
}

/// The instant `text` names at `edge` of a range: a w3 date-time as it is (the end
/// just after it, as it is included), a date at the beginning of that day or of the
/// next.
fn instant(text: &str, edge: Edge, time_zone: Tz) -> Option<DateTime<Utc>> {
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        let time = time.with_timezone(&Utc);
        return Some(match edge {
            Edge::Start => time,
            Edge::End => time + ONE_TICK,
        });
    }
    let day = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    match edge {
        Edge::Start => day_start(day, time_zone),
        Edge::End => day_start(day.succ_opt()?, time_zone),
    }
}

/// When `day` begins in `time_zone`: midnight, or the first hour that exists where
/// a clock change skips midnight.
fn day_start(day: NaiveDate, time_zone: Tz) -> Option<DateTime<Utc>> {
    (0..3).find_map(|hour| {
        time_zone
            .from_local_datetime(&day.and_hms_opt(hour, 0, 0)?)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use segnala_shared::time::DEFAULT_TIME_ZONE;

    fn window(query: &str) -> Result<StatusQuery, Open311Error> {
        let params = Params::parse(Format::Json, Some(query))?;
        super::query(Format::Json, &params, DEFAULT_TIME_ZONE)
    }

    fn utc(text: &str) -> Option<DateTime<Utc>> {
        DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }

    #[test]
    fn dates_are_whole_days_in_the_citys_time_zone() {
        let query = window("start_date=2026-12-07&end_date=2026-12-07").ok();
        // Rome is an hour ahead of UTC in December.
        assert_eq!(
            query.as_ref().and_then(|q| q.created_after),
            utc("2026-12-06T23:00:00Z").map(|t| t - ONE_TICK)
        );
        assert_eq!(
            query.and_then(|q| q.created_before),
            utc("2026-12-07T23:00:00Z")
        );
        // Summer time: two hours ahead.
        let summer = window("start_date=2026-07-01&end_date=2026-07-31").ok();
        assert_eq!(
            summer.and_then(|q| q.created_before),
            utc("2026-07-31T22:00:00Z")
        );
    }

    #[test]
    fn date_times_include_themselves_and_bad_dates_are_named() {
        let query = window("start_date=2026-01-01T00:00:00Z&end_date=2026-01-02T00:00:00Z").ok();
        assert_eq!(
            query.as_ref().and_then(|q| q.created_after),
            utc("2026-01-01T00:00:00Z").map(|t| t - ONE_TICK)
        );
        assert_eq!(
            query.and_then(|q| q.created_before),
            utc("2026-01-02T00:00:00Z").map(|t| t + ONE_TICK)
        );
        for bad in [
            "start_date=2026-13-01",
            "end_date=07/12/2026",
            "start_date=ieri",
        ] {
            let error = window(bad)
                .err()
                .map(|e| e.errors.join(" "))
                .unwrap_or_default();
            assert!(
                error.contains("is not a w3 date and time"),
                "{bad}: {error}"
            );
        }
        assert!(window("start_date=2026-01-01&end_date=2026-06-01").is_err());
        assert!(window("start_date=2026-02-01&end_date=2026-01-01").is_err());
    }
}
