//! Triage's bus events, at the edge: the reports it receives become domain reports,
//! and its decisions become the events it publishes.

use prost::Message;
use segnala_proto::{
    common::v1 as common,
    intake::v1::{ReportAnonymized, ReportReceived},
    tracking::v1::WorkOrderChanged,
    triage::v1::{
        DepartmentScore, EmergencyDetected, RejectionReason, ReportMerged, ReportNeedsReview,
        ReportRejected, ReportRouted,
    },
};
use segnala_shared::{lang::Lang, place::Jurisdiction, time::to_timestamp};

use crate::{
    app::{AnonymizedReport, TriageEvent},
    domain::{Decision, Priority, ReceivedReport, Taxonomy, Verdict, text::in_language},
    store::StoredIncident,
};

impl From<ReportReceived> for TriageEvent {
    fn from(event: ReportReceived) -> Self {
        Self::Received(received_report(event))
    }
}

impl From<ReportAnonymized> for TriageEvent {
    fn from(event: ReportAnonymized) -> Self {
        Self::Anonymized(AnonymizedReport {
            tracking_code: event.tracking_code,
            language: Lang::parse(&event.language_code),
        })
    }
}

impl From<WorkOrderChanged> for TriageEvent {
    fn from(event: WorkOrderChanged) -> Self {
        Self::WorkOrderChanged(event)
    }
}

/// A received report, as triage reads it.
fn received_report(event: ReportReceived) -> ReceivedReport {
    let present = |text: String| Some(text).filter(|text| !text.is_empty());
    let public_mention = matches!(
        event.channel(),
        common::Channel::Mastodon | common::Channel::X
    );
    ReceivedReport {
        tracking_code: event.tracking_code,
        description: event.description,
        location: event.location.map(|l| (l.latitude, l.longitude)),
        address: present(event.address),
        service_code: present(event.service_code),
        language: Lang::parse(&event.language_code),
        public_mention,
        channel: event.channel,
    }
}

/// The report as triage keeps it with its decision: a `ReportReceived` of what
/// triage reads of it.
pub fn encode_received(report: &ReceivedReport) -> Vec<u8> {
    ReportReceived {
        report: report_name_of(&report.tracking_code),
        tracking_code: report.tracking_code.clone(),
        description: report.description.clone(),
        location: location(report),
        address: report.address.clone().unwrap_or_default(),
        service_code: report.service_code.clone().unwrap_or_default(),
        language_code: report
            .language
            .map(|lang| lang.code().to_owned())
            .unwrap_or_default(),
        channel: report.channel,
        ..ReportReceived::default()
    }
    .encode_to_vec()
}

/// The report kept with a decision; `None` when the bytes are not a `ReportReceived`.
pub fn decode_received(bytes: &[u8]) -> Option<ReceivedReport> {
    ReportReceived::decode(bytes).ok().map(received_report)
}

/// `reports/{tracking_code}`.
fn report_name_of(tracking_code: &str) -> String {
    format!("reports/{tracking_code}")
}

fn location(report: &ReceivedReport) -> Option<common::LatLng> {
    report.location.map(|(latitude, longitude)| common::LatLng {
        latitude,
        longitude,
    })
}

/// The announcement of a routed report; none for a decision that routed nothing.
pub fn report_routed(
    received: &ReceivedReport,
    decision: &Decision,
    taxonomy: &Taxonomy,
) -> Option<ReportRouted> {
    let assignment = decision.assignment()?;
    let department = taxonomy.department(&assignment.department);
    Some(ReportRouted {
        report: report_name_of(&decision.tracking_code),
        tracking_code: decision.tracking_code.clone(),
        department: assignment.department.clone(),
        category: assignment.category.clone(),
        priority: priority(assignment.priority) as i32,
        description: received.description.clone(),
        location: location(received),
        address: received.address.clone().unwrap_or_default(),
        route_time: Some(to_timestamp(decision.decided_at)),
        version: decision.version,
        incident: format!("incidents/{}", decision.incident()?),
        emergency: decision.is_emergency(),
        zone: decision.zone.clone().unwrap_or_default(),
        resolve_within: department
            .map(|d| duration(taxonomy.resolve_within(d, assignment.priority))),
        service_code: service_code(taxonomy, &assignment.department, &assignment.category),
    })
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
    stored: &Decision,
    incident: &StoredIncident,
    taxonomy: &Taxonomy,
) -> ReportMerged {
    ReportMerged {
        report: report_name_of(&stored.tracking_code),
        tracking_code: stored.tracking_code.clone(),
        incident: format!("incidents/{}", incident.id),
        duplicate_of: report_name_of(&incident.id),
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
    received: &ReceivedReport,
    stored: &Decision,
    taxonomy: &Taxonomy,
    language: Lang,
) -> EmergencyDetected {
    EmergencyDetected {
        report: report_name_of(&stored.tracking_code),
        tracking_code: stored.tracking_code.clone(),
        matched_terms: stored.explanation.matched_keywords.clone(),
        location: location(received),
        zone: stored.zone.clone().unwrap_or_default(),
        detect_time: Some(to_timestamp(stored.decided_at)),
        safety_message: in_language(
            language,
            &taxonomy.emergency.message_it,
            &taxonomy.emergency.message_en,
        )
        .to_owned(),
    }
}

/// The report waits for an operator: the reason (the classifier's scores) is for
/// operators, the taxonomy's sentence in the report's language for the reporter. None
/// for a decision that is not waiting.
pub fn needs_review(
    stored: &Decision,
    taxonomy: &Taxonomy,
    language: Lang,
) -> Option<ReportNeedsReview> {
    Some(ReportNeedsReview {
        report: report_name_of(&stored.tracking_code),
        tracking_code: stored.tracking_code.clone(),
        reason: stored.review_reason()?.to_owned(),
        message: in_language(
            language,
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
    })
}

pub fn rejected(
    stored: &Decision,
    verdict: &Verdict,
    taxonomy: &Taxonomy,
    jurisdiction: &Jurisdiction,
    language: Lang,
) -> ReportRejected {
    let (reason, message) = match verdict {
        Verdict::OutOfRemit => (
            RejectionReason::NotCityResponsibility,
            in_language(
                language,
                &taxonomy.out_of_remit.message_it,
                &taxonomy.out_of_remit.message_en,
            ),
        ),
        Verdict::OutsideJurisdiction => (
            RejectionReason::OutsideJurisdiction,
            in_language(
                language,
                &taxonomy.outside_jurisdiction.message_it,
                &taxonomy.outside_jurisdiction.message_en,
            ),
        ),
        _ => (
            RejectionReason::NotAReport,
            in_language(
                language,
                &taxonomy.not_a_report.message_it,
                &taxonomy.not_a_report.message_en,
            ),
        ),
    };
    rejection(
        stored,
        reason,
        message.replace("{jurisdiction}", &jurisdiction.name),
    )
}

/// An operator rejected a report in review as not a report: with `message`, or with the
/// taxonomy's answer to such messages in the report's language.
pub fn rejected_as_not_a_report(
    received: &ReceivedReport,
    stored: &Decision,
    taxonomy: &Taxonomy,
    message: Option<&str>,
) -> ReportRejected {
    let message = message.map_or_else(
        || {
            in_language(
                received.language(),
                &taxonomy.not_a_report.message_it,
                &taxonomy.not_a_report.message_en,
            )
            .to_owned()
        },
        str::to_owned,
    );
    rejection(stored, RejectionReason::NotAReport, message)
}

fn rejection(stored: &Decision, reason: RejectionReason, message: String) -> ReportRejected {
    ReportRejected {
        report: report_name_of(&stored.tracking_code),
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
