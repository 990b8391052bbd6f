//! Conversions between the domain and the protobuf contracts, for the gRPC and event
//! edges.

use segnala_proto::{
    common::v1::{Channel, LatLng},
    status::v1 as pb,
};
use segnala_shared::time::to_timestamp;

use crate::{
    domain::{PublicState, ReportStatus},
    i18n::{Lang, step_text},
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

/// The gRPC view of a status; timeline sentences in English.
pub fn status(status: ReportStatus) -> pb::ReportStatus {
    pb::ReportStatus {
        name: format!("reports/{}/status", status.tracking_code),
        state: state(status.state) as i32,
        department: status.department.unwrap_or_default(),
        category: status.category.unwrap_or_default(),
        timeline: status
            .timeline
            .iter()
            .map(|entry| pb::TimelineEntry {
                time: Some(to_timestamp(entry.time)),
                state: state(entry.state) as i32,
                message: step_text(Lang::En, entry),
                note: entry.note.clone(),
            })
            .collect(),
        create_time: Some(to_timestamp(status.created_at)),
        update_time: Some(to_timestamp(status.updated_at)),
        service_code: status.service_code.unwrap_or_default(),
        expected_time: status.expected_at.map(to_timestamp),
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
        reason: status.reason.unwrap_or_default(),
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
        assert_eq!(state_from_proto(pb::PublicState::Unspecified), None);
    }
}
