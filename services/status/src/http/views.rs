//! What the pages, feeds and JSON show of a status, in one language. Only public
//! fields: no description, no channel, a rounded position; departments, categories
//! and zones by name.

use chrono::{DateTime, Utc};
use segnala_shared::{lang::Lang, time::Tz};

use crate::{
    domain::{ApproximateLocation, Names, PublicState, ReportStatus},
    i18n::{state_label, step_text},
    store::Update,
};

#[derive(Clone, Debug)]
pub struct StepView {
    pub time: DateTime<Utc>,
    pub state: PublicState,
    pub text: String,
    pub note: String,
}

#[derive(Clone, Debug)]
pub struct ReportView {
    pub code: String,
    pub state: PublicState,
    pub state_label: &'static str,
    pub department: Option<String>,
    pub department_name: Option<String>,
    pub category: Option<String>,
    pub category_name: Option<String>,
    pub zone: Option<String>,
    pub zone_name: Option<String>,
    pub duplicate_of: Option<String>,
    /// Only while the report is open.
    pub expected_at: Option<DateTime<Utc>>,
    /// Only while it applies.
    pub reason: Option<String>,
    pub location: Option<ApproximateLocation>,
    pub timeline: Vec<StepView>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ReportView {
    pub fn new(status: &ReportStatus, lang: Lang, names: &Names) -> Self {
        let language = lang.code();
        Self {
            code: status.tracking_code.clone(),
            state: status.state,
            state_label: state_label(lang, status.state),
            department: status.department.clone(),
            department_name: status
                .department
                .as_deref()
                .map(|d| names.department(d, language)),
            category: status.category.clone(),
            category_name: status
                .department
                .as_deref()
                .zip(status.category.as_deref())
                .map(|(d, c)| names.category(d, c, language)),
            zone: status.zone.clone(),
            zone_name: status.zone.as_deref().map(|z| names.zone(z)),
            duplicate_of: status.duplicate_of.clone(),
            expected_at: status.public_expected_at(),
            reason: status.public_reason().map(str::to_owned),
            location: status.location,
            timeline: status
                .timeline
                .iter()
                .map(|entry| StepView {
                    time: entry.time,
                    state: entry.state,
                    text: step_text(lang, entry, names),
                    note: entry.note.clone(),
                })
                .collect(),
            created_at: status.created_at,
            updated_at: status.updated_at,
        }
    }
}

/// One line of the city's recent updates.
#[derive(Clone, Debug)]
pub struct UpdateView {
    pub id: i64,
    pub report: ReportView,
    pub step: StepView,
}

pub fn updates(
    updates: &[Update],
    statuses: &[ReportStatus],
    lang: Lang,
    names: &Names,
) -> Vec<UpdateView> {
    updates
        .iter()
        .filter_map(|update| {
            let status = statuses
                .iter()
                .find(|s| s.tracking_code == update.tracking_code)?;
            Some(UpdateView {
                id: update.seq,
                report: ReportView::new(status, lang, names),
                step: StepView {
                    time: update.entry.time,
                    state: update.entry.state,
                    text: step_text(lang, &update.entry, names),
                    note: update.entry.note.clone(),
                },
            })
        })
        .collect()
}

/// A time as people of the city read it: on its clock, with the zone's abbreviation
/// (CET, CEST), so that nobody takes it for UTC.
pub fn date(time: DateTime<Utc>, lang: Lang, zone: Tz) -> String {
    let local = time.with_timezone(&zone);
    match lang {
        Lang::It => local.format("%d/%m/%Y %H:%M %Z").to_string(),
        Lang::En => local.format("%Y-%m-%d %H:%M %Z").to_string(),
    }
}

/// The city's calendar day of `time`.
pub fn day(time: DateTime<Utc>, lang: Lang, zone: Tz) -> String {
    let local = time.with_timezone(&zone);
    match lang {
        Lang::It => local.format("%d/%m/%Y").to_string(),
        Lang::En => local.format("%Y-%m-%d").to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_on_the_citys_clock_with_its_abbreviation() {
        let rome = segnala_shared::time::DEFAULT_TIME_ZONE;
        // 23:30 UTC in January is the next day in Rome; in July, two hours ahead.
        let winter = DateTime::parse_from_rfc3339("2027-01-15T23:30:00Z")
            .map(|t| t.to_utc())
            .unwrap_or_default();
        assert_eq!(date(winter, Lang::It, rome), "16/01/2027 00:30 CET");
        assert_eq!(day(winter, Lang::En, rome), "2027-01-16");
        let summer = DateTime::parse_from_rfc3339("2027-07-01T08:00:00Z")
            .map(|t| t.to_utc())
            .unwrap_or_default();
        assert_eq!(date(summer, Lang::En, rome), "2027-07-01 10:00 CEST");
        let london: Tz = "Europe/London".parse().unwrap_or(rome);
        assert_eq!(date(summer, Lang::En, london), "2027-07-01 09:00 BST");
    }
}
