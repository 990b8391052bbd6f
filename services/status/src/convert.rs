//! Conversions between the domain and the protobuf contracts, for the gRPC and event
//! edges.

use segnala_proto::{
    common::v1::{Channel, LatLng},
    status::v1 as pb,
    triage::v1::TaxonomyPublished,
};
use segnala_shared::{
    AppError,
    error::FieldViolation,
    time::{from_timestamp, to_timestamp},
};

use crate::{
    domain::{
        Alert, DisplayNames, Names, PublicState, PublishedCategory, PublishedDepartment,
        PublishedTaxonomy, ReportStatus, Severity, StepKind, Subscription, TimelineEntry, Topic,
    },
    i18n::{Lang, step_text},
    store::Update,
};

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

/// `None` for `UNSPECIFIED`.
pub fn state_from_proto(state: pb::PublicState) -> Option<PublicState> {
    PublicState::ALL
        .into_iter()
        .find(|s| self::state(*s) == state)
}

/// The public name of a channel ("telegram"), `None` when unspecified.
pub fn channel_name(channel: Channel) -> Option<String> {
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

pub fn alert(alert: Alert) -> pb::Alert {
    pb::Alert {
        name: format!("alerts/{}", alert.id),
        severity: severity(alert.severity) as i32,
        title: alert.title.into_iter().collect(),
        body: alert.body.into_iter().collect(),
        zone: alert.zone.unwrap_or_default(),
        publish_time: Some(to_timestamp(alert.published_at)),
        expire_time: alert.expires_at.map(to_timestamp),
        end_time: alert.ended_at.map(to_timestamp),
    }
}

/// An operator's new alert, published now under a new id. Field names in errors are
/// those of `PublishAlertRequest`.
pub fn new_alert(alert: Option<pb::Alert>) -> Result<Alert, AppError> {
    let alert = alert.ok_or_else(|| AppError::invalid("alert", "is required"))?;
    let severity = match pb::AlertSeverity::try_from(alert.severity) {
        Ok(pb::AlertSeverity::Info) => Severity::Info,
        Ok(pb::AlertSeverity::Warning) => Severity::Warning,
        Ok(pb::AlertSeverity::Emergency) => Severity::Emergency,
        _ => {
            return Err(AppError::invalid(
                "alert.severity",
                "must be info, warning or emergency",
            ));
        }
    };
    let expires_at = match &alert.expire_time {
        None => None,
        Some(time) => Some(
            from_timestamp(Some(time))
                .ok_or_else(|| AppError::invalid("alert.expire_time", "is not a valid time"))?,
        ),
    };
    Ok(Alert {
        id: uuid::Uuid::now_v7(),
        severity,
        title: alert.title.into_iter().collect(),
        body: alert.body.into_iter().collect(),
        zone: Some(alert.zone.trim().to_owned()).filter(|z| !z.is_empty()),
        published_at: chrono::Utc::now(),
        expires_at,
        ended_at: None,
    })
}

/// Names the alert's fields as `PublishAlertRequest` does (`alert.title`).
pub fn in_alert(error: AppError) -> AppError {
    match error {
        AppError::InvalidArgument(violations) => AppError::InvalidArgument(
            violations
                .into_iter()
                .map(|v| match v.field.as_str() {
                    "request_id" => v,
                    field => FieldViolation::new(format!("alert.{field}"), v.description),
                })
                .collect(),
        ),
        other => other,
    }
}

pub fn subscription(subscription: Subscription) -> pb::Subscription {
    let (tracking_code, zone) = match subscription.topic {
        Topic::Report(code) => (code, String::new()),
        Topic::Zone(zone) => (String::new(), zone),
    };
    pb::Subscription {
        name: format!("subscriptions/{}", subscription.id),
        target_url: subscription.target_url,
        tracking_code,
        zone,
        create_time: Some(to_timestamp(subscription.created_at)),
    }
}

/// `alerts/{id}` to the id.
pub fn alert_id(name: &str) -> Result<uuid::Uuid, AppError> {
    name.strip_prefix("alerts/")
        .and_then(|id| uuid::Uuid::parse_str(id).ok())
        .ok_or_else(|| AppError::invalid("name", "must be `alerts/{id}` as PublishAlert gave it"))
}

/// The names triage published, as status keeps them.
pub fn taxonomy(event: TaxonomyPublished) -> PublishedTaxonomy {
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

/// The language a read asks its sentences in: English unless it names one we speak.
pub fn language(code: &str) -> Lang {
    Lang::parse(code).unwrap_or(Lang::En)
}

/// A timeline step with its sentence in `lang`, departments by name.
fn timeline_entry(entry: TimelineEntry, lang: Lang, names: &Names) -> pb::TimelineEntry {
    pb::TimelineEntry {
        time: Some(to_timestamp(entry.time)),
        state: state(entry.state) as i32,
        message: step_text(lang, &entry, names),
        step: step(entry.kind) as i32,
        note: entry.note,
    }
}

/// One change of a report, with the report's current state, department and zone.
pub fn update(
    update: Update,
    status: Option<&ReportStatus>,
    public_url: &str,
    names: &Names,
) -> pb::Update {
    let code = update.tracking_code;
    pb::Update {
        report: format!("reports/{code}"),
        entry: Some(timeline_entry(update.entry, Lang::En, names)),
        report_state: status.map_or(0, |s| state(s.state) as i32),
        department: status
            .and_then(|s| s.department.clone())
            .unwrap_or_default(),
        zone: status.and_then(|s| s.zone.clone()).unwrap_or_default(),
        status_url: format!("{public_url}/r/{code}"),
        tracking_code: code,
    }
}

/// The gRPC view of a status, its timeline's sentences in `lang`.
pub fn status(status: ReportStatus, lang: Lang, names: &Names) -> pb::ReportStatus {
    let expected_time = status.public_expected_at().map(to_timestamp);
    let reason = status.public_reason().unwrap_or_default().to_owned();
    pb::ReportStatus {
        name: format!("reports/{}/status", status.tracking_code),
        state: state(status.state) as i32,
        department: status.department.unwrap_or_default(),
        category: status.category.unwrap_or_default(),
        timeline: status
            .timeline
            .iter()
            .map(|entry| timeline_entry(entry.clone(), lang, names))
            .collect(),
        create_time: Some(to_timestamp(status.created_at)),
        update_time: Some(to_timestamp(status.updated_at)),
        service_code: status.service_code.unwrap_or_default(),
        expected_time,
        zone: status.zone.unwrap_or_default(),
        incident: status.incident.unwrap_or_default(),
        duplicate_of: status
            .duplicate_of
            .map(|code| format!("reports/{code}"))
            .unwrap_or_default(),
        approximate_location: status.location.map(|l| LatLng {
            latitude: l.latitude,
            longitude: l.longitude,
        }),
        reason,
        channel: status.channel.as_deref().map_or(0, |c| channel(c) as i32),
        description: status.description.unwrap_or_default(),
        tracking_code: status.tracking_code,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_and_states_read_back() {
        assert_eq!(channel_name(Channel::Telegram).as_deref(), Some("telegram"));
        assert_eq!(channel("telegram"), Channel::Telegram);
        assert_eq!(channel_name(Channel::Unspecified), None);
        for s in PublicState::ALL {
            assert_eq!(state_from_proto(state(s)), Some(s));
        }
        assert_eq!(language("it-IT"), Lang::It);
        assert_eq!(language(""), Lang::En);
        assert_eq!(language("de"), Lang::En);
        assert_eq!(state_from_proto(pb::PublicState::Unspecified), None);
    }
}
