//! Conversions between the domain and the gRPC contracts.

use segnala_proto::{common::v1::LatLng, status::v1 as pb};
use segnala_shared::{
    AppError,
    error::FieldViolation,
    lang::Lang,
    time::{from_timestamp, to_timestamp},
};

use crate::{
    domain::{
        Alert, Names, PublicState, ReportStatus, Severity, StatusView, Subscription, TimelineEntry,
        Topic,
    },
    events::{channel, severity, state, step},
    i18n::step_text,
    store::{StatusFilter, Update},
};

/// `None` for `UNSPECIFIED`.
pub fn state_from_proto(state: pb::PublicState) -> Option<PublicState> {
    PublicState::ALL
        .into_iter()
        .find(|s| self::state(*s) == state)
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

pub fn page_size(page_size: i32) -> Result<u64, AppError> {
    u64::try_from(page_size).map_err(|_| AppError::invalid("page_size", "must not be negative"))
}

pub fn non_empty(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_owned())
}

/// The states asked for: the listed ones, narrowed to open or closed ones.
pub fn states_filter(states: &[i32], openness: pb::Openness) -> Result<Vec<PublicState>, AppError> {
    let mut wanted = Vec::new();
    for (i, value) in states.iter().enumerate() {
        let state = pb::PublicState::try_from(*value)
            .ok()
            .and_then(state_from_proto)
            .ok_or_else(|| AppError::invalid(format!("states[{i}]"), "is not a public state"))?;
        wanted.push(state);
    }
    if wanted.is_empty() {
        wanted = PublicState::ALL.to_vec();
    }
    let all_wanted = wanted.len() == PublicState::ALL.len();
    wanted.retain(|state| match openness {
        pb::Openness::Unspecified => true,
        pb::Openness::Open => state.is_open(),
        pb::Openness::Closed => !state.is_open(),
    });
    if all_wanted && openness == pb::Openness::Unspecified {
        wanted.clear();
    } else if wanted.is_empty() {
        return Err(AppError::invalid(
            "openness",
            "no state asked for is of this openness",
        ));
    }
    Ok(wanted)
}

/// The view asked for; the full one when unspecified.
pub fn status_view(view: i32) -> Result<StatusView, AppError> {
    match pb::ReportStatusView::try_from(view) {
        Ok(pb::ReportStatusView::Basic) => Ok(StatusView::Basic),
        Ok(pb::ReportStatusView::Full | pb::ReportStatusView::Unspecified) => Ok(StatusView::Full),
        Err(_) => Err(AppError::invalid("view", "is not a known view")),
    }
}

pub fn list_filter(request: &pb::ListReportStatusesRequest) -> Result<StatusFilter, AppError> {
    let openness = pb::Openness::try_from(request.openness)
        .map_err(|_| AppError::invalid("openness", "is not a known openness"))?;
    let time = |field: &str, value: &Option<prost_types::Timestamp>| match value {
        None => Ok(None),
        Some(t) => from_timestamp(Some(t))
            .map(Some)
            .ok_or_else(|| AppError::invalid(field, "is not a valid time")),
    };
    Ok(StatusFilter {
        department: non_empty(&request.department),
        service_code: non_empty(&request.service_code),
        zone: non_empty(&request.zone),
        incident: None,
        states: states_filter(&request.states, openness)?,
        created_after: time("created_after", &request.created_after)?,
        created_before: time("created_before", &request.created_before)?,
        updated_after: time("updated_after", &request.updated_after)?,
        updated_before: time("updated_before", &request.updated_before)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_read_back() {
        for s in PublicState::ALL {
            assert_eq!(state_from_proto(state(s)), Some(s));
        }
        assert_eq!(language("it-IT"), Lang::It);
        assert_eq!(language(""), Lang::En);
        assert_eq!(language("de"), Lang::En);
        assert_eq!(state_from_proto(pb::PublicState::Unspecified), None);
    }
}
