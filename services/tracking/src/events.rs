//! The bus edge of tracking: the events it consumes, as the domain's report events,
//! and the events it publishes, which carry state only, never crews' internal notes.

use chrono::{DateTime, Duration, Utc};
use segnala_proto::{
    common::v1 as common,
    intake::v1::{FixVerdict, ReportAnonymized, ReporterFeedbackReceived},
    tracking::v1 as pb,
    triage::v1::{ReportMerged, ReportRouted},
};
use segnala_shared::{
    lang::Lang,
    time::{from_timestamp, to_timestamp},
};

use crate::domain::{
    Anonymization, Applied, Feedback, Location, Merge, Priority, ReportEvent, Routing, WorkOrder,
    WorkOrderState,
};

impl From<ReportRouted> for ReportEvent {
    fn from(event: ReportRouted) -> Self {
        Self::Routed(Routing {
            report: event.report,
            incident: event.incident,
            department: event.department,
            category: event.category,
            zone: event.zone,
            priority: priority_from(event.priority),
            description: event.description,
            location: location(event.location),
            address: event.address,
            routed_at: from_timestamp(event.route_time.as_ref()),
            resolve_within: event
                .resolve_within
                .filter(|d| d.seconds > 0 || d.nanos > 0)
                .map(|d| Duration::seconds(d.seconds) + Duration::nanoseconds(i64::from(d.nanos))),
            version: event.version,
        })
    }
}

impl From<ReportAnonymized> for ReportEvent {
    fn from(event: ReportAnonymized) -> Self {
        Self::Anonymized(Anonymization {
            report: event.report,
            language: Lang::parse(&event.language_code),
        })
    }
}

impl From<ReportMerged> for ReportEvent {
    fn from(event: ReportMerged) -> Self {
        Self::Merged(Merge {
            report: event.report,
            incident: event.incident,
            priority: priority_from(event.priority),
            version: event.version,
        })
    }
}

impl From<ReporterFeedbackReceived> for ReportEvent {
    fn from(event: ReporterFeedbackReceived) -> Self {
        let fixed = match FixVerdict::try_from(event.verdict) {
            Ok(FixVerdict::Fixed) => Some(true),
            Ok(FixVerdict::NotFixed) => Some(false),
            _ => None,
        };
        Self::Feedback(Feedback {
            report: event.report,
            fixed,
            reason: event.reason,
            resolved_at: from_timestamp(event.resolve_time.as_ref()),
        })
    }
}

/// `applied` is the change that led here; `None` for a new order.
pub fn work_order_changed(order: &WorkOrder, applied: Option<&Applied>) -> pb::WorkOrderChanged {
    pb::WorkOrderChanged {
        work_order: order.name(),
        reports: order.reports.clone(),
        department: order.department.clone(),
        state: state(order.state) as i32,
        previous_state: applied.map_or(pb::WorkOrderState::Unspecified, |a| state(a.previous_state))
            as i32,
        priority: priority(order.priority) as i32,
        change_time: Some(to_timestamp(order.updated_at)),
        version: order.version,
        incident: order.incident.clone(),
        expected_time: Some(to_timestamp(order.due_at)),
        public_note: applied
            .and_then(|a| a.public_note.clone())
            .unwrap_or_default(),
        reason: applied.and_then(|a| a.reason.clone()).unwrap_or_default(),
        category: order.category.clone(),
        zone: order.zone.clone(),
    }
}

pub fn work_order_escalated(order: &WorkOrder, now: DateTime<Utc>) -> pb::WorkOrderEscalated {
    pb::WorkOrderEscalated {
        work_order: order.name(),
        department: order.department.clone(),
        priority: priority(order.priority) as i32,
        due_time: Some(to_timestamp(order.due_at)),
        escalate_time: Some(to_timestamp(now)),
        incident: order.incident.clone(),
        zone: order.zone.clone(),
        state: state(order.state) as i32,
        crew: order.crew.clone().unwrap_or_default(),
    }
}

pub fn state(state: WorkOrderState) -> pb::WorkOrderState {
    match state {
        WorkOrderState::Queued => pb::WorkOrderState::Queued,
        WorkOrderState::Claimed => pb::WorkOrderState::Claimed,
        WorkOrderState::InProgress => pb::WorkOrderState::InProgress,
        WorkOrderState::OnHold => pb::WorkOrderState::OnHold,
        WorkOrderState::Resolved => pb::WorkOrderState::Resolved,
        WorkOrderState::Closed => pb::WorkOrderState::Closed,
        WorkOrderState::Cancelled => pb::WorkOrderState::Cancelled,
        WorkOrderState::Reopened => pb::WorkOrderState::Reopened,
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

/// `None` for an unspecified or unknown priority.
fn priority_from(value: i32) -> Option<Priority> {
    match common::Priority::try_from(value) {
        Ok(common::Priority::Low) => Some(Priority::Low),
        Ok(common::Priority::Normal) => Some(Priority::Normal),
        Ok(common::Priority::High) => Some(Priority::High),
        Ok(common::Priority::Critical) => Some(Priority::Critical),
        _ => None,
    }
}

pub fn location(location: Option<common::LatLng>) -> Option<Location> {
    location.map(|l| Location {
        latitude: l.latitude,
        longitude: l.longitude,
    })
}
