//! Intake's bus edge, both ways: the events it consumes read into domain notices, and
//! the events it publishes built from domain reports. No reporter contact goes out.

use chrono::{DateTime, Utc};
use segnala_proto::{
    common::v1 as common,
    intake::v1::{FixVerdict, ReportAnonymized, ReportReceived, ReporterFeedbackReceived},
    status::v1::{self as status, AlertPublished, ReportStatusChanged},
    triage::v1::EmergencyDetected,
};
use segnala_shared::{
    time::{from_timestamp, to_timestamp},
    tracking_code::report_name,
};
use uuid::Uuid;

use crate::domain::{
    Alert, Channel, GeoPoint, Notice, PublicState, Report, StatusChange, StatusStep,
};

impl From<ReportStatusChanged> for Notice {
    fn from(event: ReportStatusChanged) -> Self {
        Self::StatusChanged(StatusChange {
            channel: channel_from(event.channel),
            state: public_state(event.state),
            step: status_step(event.step),
            note: event.message,
            status_url: Some(event.status_url).filter(|url| !url.is_empty()),
            expected_at: from_timestamp(event.expected_time.as_ref()),
            changed_at: from_timestamp(event.change_time.as_ref()),
            version: event.version,
            tracking_code: event.tracking_code,
        })
    }
}

impl From<EmergencyDetected> for Notice {
    fn from(event: EmergencyDetected) -> Self {
        Self::Emergency {
            tracking_code: event.tracking_code,
        }
    }
}

impl From<AlertPublished> for Notice {
    fn from(event: AlertPublished) -> Self {
        Self::Alert(Alert {
            id: event.alert,
            titles: event.title,
            bodies: event.body,
        })
    }
}

/// A public state as the status service's contract numbers it; one this intake does
/// not know is unspecified.
pub fn public_state(value: i32) -> PublicState {
    use status::PublicState as Pb;
    match Pb::try_from(value).unwrap_or(Pb::Unspecified) {
        Pb::Unspecified => PublicState::Unspecified,
        Pb::Received => PublicState::Received,
        Pb::InReview => PublicState::InReview,
        Pb::Assigned => PublicState::Assigned,
        Pb::InProgress => PublicState::InProgress,
        Pb::Resolved => PublicState::Resolved,
        Pb::Closed => PublicState::Closed,
        Pb::Duplicate => PublicState::Duplicate,
        Pb::Rejected => PublicState::Rejected,
    }
}

/// A step as the status service's contract numbers it; one this intake does not know
/// is unspecified.
pub fn status_step(value: i32) -> StatusStep {
    use status::StatusStep as Pb;
    match Pb::try_from(value).unwrap_or(Pb::Unspecified) {
        Pb::Unspecified => StatusStep::Unspecified,
        Pb::Received => StatusStep::Received,
        Pb::InReview => StatusStep::InReview,
        Pb::Routed => StatusStep::Routed,
        Pb::Merged => StatusStep::Merged,
        Pb::Rejected => StatusStep::Rejected,
        Pb::WorkQueued => StatusStep::WorkQueued,
        Pb::Reopened => StatusStep::Reopened,
        Pb::CrewClaimed => StatusStep::CrewClaimed,
        Pb::WorkStarted => StatusStep::WorkStarted,
        Pb::OnHold => StatusStep::OnHold,
        Pb::WorkResolved => StatusStep::WorkResolved,
        Pb::WorkClosed => StatusStep::WorkClosed,
        Pb::WorkCancelled => StatusStep::WorkCancelled,
    }
}

pub fn report_received(report: &Report) -> ReportReceived {
    ReportReceived {
        report: report_name(&report.tracking_code),
        tracking_code: report.tracking_code.to_string(),
        description: report.description.clone(),
        location: report.location.map(lat_lng),
        address: report.address.clone().unwrap_or_default(),
        channel: channel(report.channel) as i32,
        service_code: report.service_code.clone().unwrap_or_default(),
        language_code: report.language_code.clone().unwrap_or_default(),
        receive_time: Some(to_timestamp(report.created_at)),
        version: 1,
        media_urls: report.media_urls.clone(),
        attributes: report
            .attributes
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    }
}

/// The report `tracking_code`, in `language_code`, lost the personal data in its
/// texts at `at`.
pub fn report_anonymized(
    tracking_code: &str,
    language_code: Option<&str>,
    at: DateTime<Utc>,
) -> ReportAnonymized {
    ReportAnonymized {
        report: format!("reports/{tracking_code}"),
        tracking_code: tracking_code.to_owned(),
        language_code: language_code.unwrap_or_default().to_owned(),
        anonymize_time: Some(to_timestamp(at)),
    }
}

/// A reporter's answer to "is it fixed?" about the resolution announced at
/// `resolved_at`. `reason` must already be free of their personal data.
pub fn reporter_feedback_received(
    tracking_code: &str,
    fixed: bool,
    reason: &str,
    channel: Channel,
    resolved_at: Option<DateTime<Utc>>,
    received_at: DateTime<Utc>,
) -> ReporterFeedbackReceived {
    ReporterFeedbackReceived {
        name: format!("feedback/{}", Uuid::now_v7()),
        report: format!("reports/{tracking_code}"),
        tracking_code: tracking_code.to_owned(),
        verdict: if fixed {
            FixVerdict::Fixed
        } else {
            FixVerdict::NotFixed
        } as i32,
        reason: reason.to_owned(),
        channel: self::channel(channel) as i32,
        receive_time: Some(to_timestamp(received_at)),
        resolve_time: resolved_at.map(to_timestamp),
    }
}

pub fn lat_lng(point: GeoPoint) -> common::LatLng {
    common::LatLng {
        latitude: point.latitude,
        longitude: point.longitude,
    }
}

/// A channel as the contract numbers it; `None` for unspecified or unknown.
pub fn channel_from(value: i32) -> Option<Channel> {
    Channel::ALL
        .into_iter()
        .find(|channel| self::channel(*channel) as i32 == value)
}

pub fn channel(channel: Channel) -> common::Channel {
    match channel {
        Channel::Api => common::Channel::Api,
        Channel::Open311 => common::Channel::Open311,
        Channel::Telegram => common::Channel::Telegram,
        Channel::WhatsApp => common::Channel::Whatsapp,
        Channel::Mastodon => common::Channel::Mastodon,
        Channel::X => common::Channel::X,
        Channel::Web => common::Channel::Web,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Open311 names states and steps after the status service's contract.
    #[test]
    fn every_state_and_step_reads_as_the_contract_names_it() {
        let contract_name = |name: &str, prefix: &str| {
            name.strip_prefix(prefix)
                .unwrap_or_default()
                .to_ascii_lowercase()
        };
        for value in 0..=8 {
            let Ok(state) = status::PublicState::try_from(value) else {
                panic!("no state {value}");
            };
            assert_eq!(
                public_state(value).name(),
                contract_name(state.as_str_name(), "PUBLIC_STATE_")
            );
        }
        for value in 0..=13 {
            let Ok(step) = status::StatusStep::try_from(value) else {
                panic!("no step {value}");
            };
            assert_eq!(
                status_step(value).name(),
                contract_name(step.as_str_name(), "STATUS_STEP_")
            );
        }
        assert_eq!(public_state(99), PublicState::Unspecified);
        assert_eq!(status_step(99), StatusStep::Unspecified);
    }
}
