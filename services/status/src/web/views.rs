//! What the pages, feeds and JSON show of a status, in one language. Only public
//! fields: no description, no channel, a rounded position.

use chrono::{DateTime, Utc};

use crate::{
    domain::{ApproximateLocation, PublicState, ReportStatus},
    i18n::{Lang, department_name, state_label, step_text},
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
    pub zone: Option<String>,
    pub duplicate_of: Option<String>,
    pub expected_at: Option<DateTime<Utc>>,
    pub reason: Option<String>,
    pub location: Option<ApproximateLocation>,
    pub timeline: Vec<StepView>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ReportView {
    pub fn new(status: &ReportStatus, lang: Lang) -> Self {
        Self {
            code: status.tracking_code.clone(),
            state: status.state,
            state_label: state_label(lang, status.state),
            department: status.department.clone(),
            department_name: status
                .department
                .as_deref()
                .map(|d| department_name(lang, d)),
            category: status.category.clone(),
            zone: status.zone.clone(),
            duplicate_of: status.duplicate_of.clone(),
            expected_at: status.expected_at,
            reason: status.reason.clone(),
            location: status.location,
            timeline: status
                .timeline
                .iter()
                .map(|entry| StepView {
                    time: entry.time,
                    state: entry.state,
                    text: step_text(lang, entry),
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

pub fn updates(updates: &[Update], statuses: &[ReportStatus], lang: Lang) -> Vec<UpdateView> {
    updates
        .iter()
        .filter_map(|update| {
            let status = statuses
                .iter()
                .find(|s| s.tracking_code == update.tracking_code)?;
            Some(UpdateView {
                id: update.seq,
                report: ReportView::new(status, lang),
                step: StepView {
                    time: update.entry.time,
                    state: update.entry.state,
                    text: step_text(lang, &update.entry),
                    note: update.entry.note.clone(),
                },
            })
        })
        .collect()
}

/// A date as people read it in `lang`.
pub fn date(time: DateTime<Utc>, lang: Lang) -> String {
    match lang {
        Lang::It => time.format("%d/%m/%Y %H:%M UTC").to_string(),
        Lang::En => time.format("%Y-%m-%d %H:%M UTC").to_string(),
    }
}

pub fn day(time: DateTime<Utc>, lang: Lang) -> String {
    match lang {
        Lang::It => time.format("%d/%m/%Y").to_string(),
        Lang::En => time.format("%Y-%m-%d").to_string(),
    }
}
