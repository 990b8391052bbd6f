//! The events intake publishes, built from domain reports. No reporter contact here.

use segnala_proto::{common::v1 as common, intake::v1::ReportReceived};
use segnala_shared::{time::to_timestamp, tracking_code::report_name};

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
