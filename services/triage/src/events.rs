//! The events triage publishes.

use segnala_proto::{
    common::v1 as common,
    intake::v1::ReportReceived,
    triage::v1::{
        DepartmentScore, EmergencyDetected, RejectionReason, ReportMerged, ReportNeedsReview,
        ReportRejected, ReportRouted,
    },
};
use segnala_shared::{place::Jurisdiction, time::to_timestamp};

use crate::{
    domain::{
        Priority, Taxonomy, Verdict,
        text::{self, Language as TextLanguage},
    },
    store::{StoredDecision, StoredIncident},
};

/// The language of the answers triage writes for the reporter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Language {
    Italian,
    English,
}

impl Language {
    /// The report's language code when intake knew it, else a guess from its words.
    pub fn of(language_code: &str, words: &[String]) -> Self {
        match language_code.split(['-', '_']).next().unwrap_or_default() {
            "it" => Self::Italian,
            "en" => Self::English,
            _ => match text::language(words) {
                TextLanguage::Italian => Self::Italian,
                TextLanguage::English => Self::English,
            },
        }
    }

    /// The language of a report as triage received it.
    pub fn of_report(received: &ReportReceived) -> Self {
        Self::of(&received.language_code, &text::words(&received.description))
    }

    pub fn pick<'a>(self, italian: &'a str, english: &'a str) -> &'a str {
        match self {
            Self::Italian => italian,
            Self::English => english,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::Italian => "it",
            Self::English => "en",
        }
    }
}

pub fn report_routed(
    received: &ReportReceived,
    stored: &StoredDecision,
    taxonomy: &Taxonomy,
) -> ReportRouted {
    let department = taxonomy.department(&stored.department);
    ReportRouted {
        report: received.report.clone(),
        tracking_code: stored.tracking_code.clone(),
        department: stored.department.clone(),
        category: stored.category.clone(),
        priority: priority(stored.priority) as i32,
        description: received.description.clone(),
        location: received.location,
        address: received.address.clone(),
        route_time: Some(to_timestamp(stored.decided_at)),
        version: stored.version,
        incident: format!("incidents/{}", stored.incident()),
        emergency: stored.emergency,
        zone: stored.zone.clone(),
        resolve_within: department.map(|d| duration(taxonomy.resolve_within(d, stored.priority))),
        service_code: service_code(taxonomy, &stored.department, &stored.category),
    }
}

/// The Open311 service code of a department's category; empty when it has none.
fn service_code(taxonomy: &Taxonomy, department: &str, category: &str) -> String {
    taxonomy
        .department(department)
        .and_then(|d| d.category(category))
        .map(|c| c.service_code.clone())
        .unwrap_or_default()
}

/// The report duplicates `incident`, which it joined, and is handled under the
/// incident's service from now on.
pub fn report_merged(
    stored: &StoredDecision,
    incident: &StoredIncident,
    taxonomy: &Taxonomy,
) -> ReportMerged {
    ReportMerged {
        report: format!("reports/{}", stored.tracking_code),
        tracking_code: stored.tracking_code.clone(),
        incident: format!("incidents/{}", incident.id),
        duplicate_of: format!("reports/{}", incident.id),
        department: incident.department.clone(),
        category: incident.category.clone(),
        report_count: i32::try_from(incident.report_count).unwrap_or(i32::MAX),
        priority: priority(incident.priority) as i32,
        merge_time: Some(to_timestamp(stored.decided_at)),
        version: stored.version,
        service_code: service_code(taxonomy, &incident.department, &incident.category),
    }
}

pub fn emergency_detected(
    received: &ReportReceived,
    stored: &StoredDecision,
    taxonomy: &Taxonomy,
    language: Language,
) -> EmergencyDetected {
    EmergencyDetected {
        report: received.report.clone(),
        tracking_code: stored.tracking_code.clone(),
        matched_terms: stored.explanation.matched_keywords.clone(),
        location: received.location,
        zone: stored.zone.clone(),
        detect_time: Some(to_timestamp(stored.decided_at)),
        safety_message: language
            .pick(
                &taxonomy.emergency.message_it,
                &taxonomy.emergency.message_en,
            )
            .to_owned(),
    }
}

/// The report waits for an operator: `reason` (the classifier's scores) is for
/// operators, the taxonomy's sentence in the report's language for the reporter.
pub fn needs_review(
    received: &ReportReceived,
    stored: &StoredDecision,
    reason: &str,
    taxonomy: &Taxonomy,
    language: Language,
) -> ReportNeedsReview {
    ReportNeedsReview {
        report: received.report.clone(),
        tracking_code: stored.tracking_code.clone(),
        reason: reason.to_owned(),
        message: language
            .pick(
                &taxonomy.needs_review.message_it,
                &taxonomy.needs_review.message_en,
            )
            .to_owned(),
        candidates: stored
            .explanation
            .scores
            .iter()
            .map(|(department, score)| DepartmentScore {
                department: department.clone(),
                category: String::new(),
                score: f64::from(*score),
            })
            .collect(),
        review_time: Some(to_timestamp(stored.decided_at)),
        version: stored.version,
    }
}

pub fn rejected(
    received: &ReportReceived,
    stored: &StoredDecision,
    verdict: &Verdict,
    taxonomy: &Taxonomy,
    jurisdiction: &Jurisdiction,
    language: Language,
) -> ReportRejected {
    let (reason, message) = match verdict {
        Verdict::OutOfRemit => (
            RejectionReason::NotCityResponsibility,
            language.pick(
                &taxonomy.out_of_remit.message_it,
                &taxonomy.out_of_remit.message_en,
            ),
        ),
        Verdict::OutsideJurisdiction => (
            RejectionReason::OutsideJurisdiction,
            language.pick(
                &taxonomy.outside_jurisdiction.message_it,
                &taxonomy.outside_jurisdiction.message_en,
            ),
        ),
        _ => (
            RejectionReason::NotAReport,
            language.pick(
                &taxonomy.not_a_report.message_it,
                &taxonomy.not_a_report.message_en,
            ),
        ),
    };
    rejection(
        received,
        stored,
        reason,
        message.replace("{jurisdiction}", &jurisdiction.name),
    )
}

/// An operator rejected a report in review as not a report: with `message`, or with the
/// taxonomy's answer to such messages in the report's language.
pub fn rejected_as_not_a_report(
    received: &ReportReceived,
    stored: &StoredDecision,
    taxonomy: &Taxonomy,
    message: Option<&str>,
) -> ReportRejected {
    let message = message.map_or_else(
        || {
            Language::of_report(received)
                .pick(
                    &taxonomy.not_a_report.message_it,
                    &taxonomy.not_a_report.message_en,
                )
                .to_owned()
        },
        str::to_owned,
    );
    rejection(received, stored, RejectionReason::NotAReport, message)
}

fn rejection(
    received: &ReportReceived,
    stored: &StoredDecision,
    reason: RejectionReason,
    message: String,
) -> ReportRejected {
    ReportRejected {
        report: received.report.clone(),
        tracking_code: stored.tracking_code.clone(),
        reason: reason as i32,
        message,
        reject_time: Some(to_timestamp(stored.decided_at)),
        version: stored.version,
    }
}

pub fn duration(duration: std::time::Duration) -> prost_types::Duration {
    prost_types::Duration {
        seconds: i64::try_from(duration.as_secs()).unwrap_or(i64::MAX),
        nanos: 0,
    }
}

pub fn priority(priority: Priority) -> common::Priority {
    match priority {
        Priority::Low => common::Priority::Low,
        Priority::Normal => common::Priority::Normal,
        Priority::High => common::Priority::High,
        Priority::Critical => common::Priority::Critical,
    }
}
