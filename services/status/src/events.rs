//! The bus edge of status: the events it consumes, as facts about reports, and the
//! events it publishes. This is where a report becomes public, so the words citizens
//! and crews wrote are redacted here, once: nothing status keeps or serves carries
//! their personal data.

use chrono::{DateTime, Utc};
use segnala_proto::{
    common::v1::Channel,
    intake::v1::ReportReceived,
    status::v1::{self as pb, AlertPublished, ReportStatusChanged},
    tracking::v1::{WorkOrderChanged, WorkOrderState},
    triage::v1::{
        ReportMerged, ReportNeedsReview, ReportRejected, ReportRouted, TaxonomyPublished,
    },
};
use segnala_shared::{
    lang::Lang,
    messaging::HandlerError,
    redaction::redact_text,
    time::{from_timestamp, to_timestamp},
    tracking_code::{TrackingCode, parse_report_name},
};

use crate::domain::{
    Alert, Change, DisplayNames, Fact, Merged, PublicState, PublishedCategory, PublishedDepartment,
    PublishedTaxonomy, Received, Routed, Severity, StatusRecord, StepKind, TriageHold,
    WorkOrderUpdate,
};

segnala_shared::consumed_events! {
    /// An event status consumes.
    pub enum StatusEvent {
        Received(ReportReceived),
        Routed(ReportRouted),
        Merged(ReportMerged),
        NeedsReview(ReportNeedsReview),
        Rejected(ReportRejected),
        WorkOrderChanged(WorkOrderChanged),
        TaxonomyPublished(TaxonomyPublished),
    }
}

impl StatusEvent {
    /// The reports it names, and the incident whose reports it needs to see; a code
    /// that is none fails the batch before anything is read.
    pub fn reads(&self) -> Result<(Vec<String>, Option<&str>), HandlerError> {
        let one = |code: &str| code_of(code).map(|code| vec![code.to_string()]);
        Ok(match self {
            Self::Received(event) => (one(&event.tracking_code)?, None),
            Self::Routed(event) => (one(&event.tracking_code)?, None),
            Self::NeedsReview(event) => (one(&event.tracking_code)?, None),
            Self::Rejected(event) => (one(&event.tracking_code)?, None),
            Self::Merged(event) => (one(&event.tracking_code)?, Some(event.incident.as_str())),
            Self::WorkOrderChanged(event) => (
                event
                    .reports
                    .iter()
                    .map(|report| listed_code(report))
                    .collect::<Result<_, _>>()?,
                Some(event.incident.as_str()),
            ),
            Self::TaxonomyPublished(_) => (Vec::new(), None),
        })
    }

    /// What the event says about reports, checked and redacted; times it does not give
    /// are `occurred_at`, when it was published. A received report's zone is left to
    /// the jurisdiction.
    pub fn fact(self, occurred_at: DateTime<Utc>) -> Result<Fact, HandlerError> {
        let time_of = |timestamp: Option<&prost_types::Timestamp>| {
            from_timestamp(timestamp).unwrap_or(occurred_at)
        };
        Ok(match self {
            Self::Received(event) => Fact::Received(
                code_of(&event.tracking_code)?,
                Received {
                    at: time_of(event.receive_time.as_ref()),
                    version: event.version,
                    service_code: event.service_code,
                    description: redact_text(&event.description, Lang::parse(&event.language_code)),
                    channel: Channel::try_from(event.channel).ok().and_then(channel_name),
                    location: event.location.map(|l| (l.latitude, l.longitude)),
                    zone: None,
                },
            ),
            Self::Routed(event) => Fact::Routed(
                code_of(&event.tracking_code)?,
                Routed {
                    at: time_of(event.route_time.as_ref()),
                    version: event.version,
                    department: event.department,
                    category: event.category,
                    service_code: event.service_code,
                    zone: event.zone,
                    incident: event.incident,
                },
            ),
            Self::Merged(event) => {
                let duplicate_of = if event.duplicate_of.is_empty() {
                    String::new()
                } else {
                    parse_report_name(&event.duplicate_of)
                        .map_err(|e| {
                            HandlerError::Permanent(format!(
                                "duplicate_of `{}`: {e}",
                                event.duplicate_of
                            ))
                        })?
                        .to_string()
                };
                Fact::Merged(
                    code_of(&event.tracking_code)?,
                    Merged {
                        at: time_of(event.merge_time.as_ref()),
                        version: event.version,
                        incident: event.incident,
                        duplicate_of,
                        department: event.department,
                        category: event.category,
                        service_code: event.service_code,
                    },
                )
            }
            Self::NeedsReview(event) => Fact::TriageHold(
                code_of(&event.tracking_code)?,
                TriageHold {
                    at: time_of(event.review_time.as_ref()),
                    version: event.version,
                    rejected: false,
                    // `reason` is the classifier's explanation, for operators only;
                    // events from before `message` existed give the public none.
                    reason: redact_text(&event.message, None),
                },
            ),
            Self::Rejected(event) => Fact::TriageHold(
                code_of(&event.tracking_code)?,
                TriageHold {
                    at: time_of(event.reject_time.as_ref()),
                    version: event.version,
                    rejected: true,
                    reason: redact_text(&event.message, None),
                },
            ),
            Self::WorkOrderChanged(event) => {
                let order_state =
                    WorkOrderState::try_from(event.state).unwrap_or(WorkOrderState::Unspecified);
                let Some((step, state)) = public_step(order_state) else {
                    return Err(HandlerError::Permanent(format!(
                        "work order state {} is not known",
                        event.state
                    )));
                };
                let listed = event
                    .reports
                    .iter()
                    .map(|report| listed_code(report))
                    .collect::<Result<Vec<_>, _>>()?;
                Fact::WorkOrder(
                    listed,
                    WorkOrderUpdate {
                        at: time_of(event.change_time.as_ref()),
                        work_order: event.work_order,
                        version: event.version,
                        step,
                        state,
                        department: event.department,
                        category: event.category,
                        zone: event.zone,
                        incident: event.incident,
                        expected_at: from_timestamp(event.expected_time.as_ref()),
                        public_note: redact_text(&event.public_note, None),
                        reason: redact_text(&event.reason, None),
                        state_changed: event.state != event.previous_state,
                    },
                )
            }
            Self::TaxonomyPublished(event) => Fact::Taxonomy(taxonomy(event)),
        })
    }
}

fn code_of(text: &str) -> Result<TrackingCode, HandlerError> {
    TrackingCode::parse(text)
        .map_err(|e| HandlerError::Permanent(format!("tracking code `{text}`: {e}")))
}

/// The code of a report a work order lists by name.
fn listed_code(report: &str) -> Result<String, HandlerError> {
    parse_report_name(report)
        .map(|code| code.to_string())
        .map_err(|e| HandlerError::Permanent(format!("report `{report}`: {e}")))
}

/// What a work order's state means to the public.
fn public_step(state: WorkOrderState) -> Option<(StepKind, PublicState)> {
    Some(match state {
        WorkOrderState::Queued => (StepKind::WorkQueued, PublicState::Assigned),
        WorkOrderState::Reopened => (StepKind::Reopened, PublicState::Assigned),
        WorkOrderState::Claimed => (StepKind::CrewClaimed, PublicState::InProgress),
        WorkOrderState::InProgress => (StepKind::WorkStarted, PublicState::InProgress),
        WorkOrderState::OnHold => (StepKind::OnHold, PublicState::InProgress),
        WorkOrderState::Resolved => (StepKind::WorkResolved, PublicState::Resolved),
        WorkOrderState::Closed => (StepKind::WorkClosed, PublicState::Closed),
        WorkOrderState::Cancelled => (StepKind::WorkCancelled, PublicState::Rejected),
        WorkOrderState::Unspecified => return None,
    })
}

/// The names triage published, as status keeps them.
fn taxonomy(event: TaxonomyPublished) -> PublishedTaxonomy {
    let names = |map: std::collections::HashMap<String, String>| -> DisplayNames {
        map.into_iter().collect()
    };
    PublishedTaxonomy {
        version: event.version,
        departments: event
            .departments
            .into_iter()
            .map(|department| PublishedDepartment {
                id: department.department_id,
                names: names(department.display_names),
                categories: department
                    .categories
                    .into_iter()
                    .map(|category| PublishedCategory {
                        id: category.category_id,
                        names: names(category.display_names),
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// The announcement of a public change of `record`; its page lives under `public_url`.
pub fn report_status_changed(
    record: &StatusRecord,
    change: &Change,
    public_url: &str,
) -> ReportStatusChanged {
    let status = &record.status;
    let message = if change.entry.note.is_empty() {
        status.public_reason().unwrap_or_default().to_owned()
    } else {
        change.entry.note.clone()
    };
    ReportStatusChanged {
        report: format!("reports/{}", status.tracking_code),
        tracking_code: status.tracking_code.clone(),
        state: state(status.state) as i32,
        previous_state: change
            .previous_state
            .map_or(0, |previous| state(previous) as i32),
        department: status.department.clone().unwrap_or_default(),
        message,
        expected_time: status.public_expected_at().map(to_timestamp),
        duplicate_of: status
            .duplicate_of
            .as_ref()
            .map(|code| format!("reports/{code}"))
            .unwrap_or_default(),
        status_url: format!("{public_url}/r/{}", status.tracking_code),
        channel: status
            .channel
            .as_deref()
            .map_or(0, |name| channel(name) as i32),
        change_time: Some(to_timestamp(change.entry.time)),
        version: status.version,
        step: step(change.entry.kind) as i32,
    }
}

pub fn alert_published(alert: &Alert) -> AlertPublished {
    AlertPublished {
        alert: format!("alerts/{}", alert.id),
        severity: severity(alert.severity) as i32,
        title: alert.title.clone().into_iter().collect(),
        body: alert.body.clone().into_iter().collect(),
        zone: alert.zone.clone().unwrap_or_default(),
        publish_time: Some(to_timestamp(alert.published_at)),
        expire_time: alert.expires_at.map(to_timestamp),
    }
}

pub fn state(state: PublicState) -> pb::PublicState {
    match state {
        PublicState::Received => pb::PublicState::Received,
        PublicState::InReview => pb::PublicState::InReview,
        PublicState::Assigned => pb::PublicState::Assigned,
        PublicState::InProgress => pb::PublicState::InProgress,
        PublicState::Resolved => pb::PublicState::Resolved,
        PublicState::Closed => pb::PublicState::Closed,
        PublicState::Duplicate => pb::PublicState::Duplicate,
        PublicState::Rejected => pb::PublicState::Rejected,
    }
}

pub fn step(kind: StepKind) -> pb::StatusStep {
    match kind {
        StepKind::Received => pb::StatusStep::Received,
        StepKind::InReview => pb::StatusStep::InReview,
        StepKind::Routed => pb::StatusStep::Routed,
        StepKind::Merged => pb::StatusStep::Merged,
        StepKind::Rejected => pb::StatusStep::Rejected,
        StepKind::WorkQueued => pb::StatusStep::WorkQueued,
        StepKind::Reopened => pb::StatusStep::Reopened,
        StepKind::CrewClaimed => pb::StatusStep::CrewClaimed,
        StepKind::WorkStarted => pb::StatusStep::WorkStarted,
        StepKind::OnHold => pb::StatusStep::OnHold,
        StepKind::WorkResolved => pb::StatusStep::WorkResolved,
        StepKind::WorkClosed => pb::StatusStep::WorkClosed,
        StepKind::WorkCancelled => pb::StatusStep::WorkCancelled,
    }
}

/// The public name of a channel ("telegram"), `None` when unspecified.
fn channel_name(channel: Channel) -> Option<String> {
    if channel == Channel::Unspecified {
        return None;
    }
    channel
        .as_str_name()
        .strip_prefix("CHANNEL_")
        .map(str::to_ascii_lowercase)
}

pub fn channel(name: &str) -> Channel {
    Channel::from_str_name(&format!("CHANNEL_{}", name.to_ascii_uppercase()))
        .unwrap_or(Channel::Unspecified)
}

pub fn severity(severity: Severity) -> pb::AlertSeverity {
    match severity {
        Severity::Info => pb::AlertSeverity::Info,
        Severity::Warning => pb::AlertSeverity::Warning,
        Severity::Emergency => pb::AlertSeverity::Emergency,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_read_back() {
        assert_eq!(channel_name(Channel::Telegram).as_deref(), Some("telegram"));
        assert_eq!(channel("telegram"), Channel::Telegram);
        assert_eq!(channel_name(Channel::Unspecified), None);
    }
}
