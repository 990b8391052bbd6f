//! The events intake publishes, built from domain reports. No reporter contact here.

use chrono::{DateTime, Utc};
use segnala_proto::{
    common::v1 as common,
    intake::v1::{FixVerdict, ReportReceived, ReporterFeedbackReceived},
};
use segnala_shared::{time::to_timestamp, tracking_code::report_name};
use uuid::Uuid;

use crate::domain::{Channel, GeoPoint, Report};

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
