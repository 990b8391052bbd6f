//! Proto ⇄ domain for intake's gRPC API: drafts from requests, reports and page
//! tokens for answers.

use chrono::{DateTime, Utc};
use segnala_proto::{common::v1 as common, intake::v1 as pb};
use segnala_shared::{AppError, FieldViolation, time::to_timestamp, tracking_code::report_name};
use uuid::Uuid;

use crate::{
    app::upload_photo,
    domain::{
        Channel, GeoPoint, MediaDraft, PhotoVisibility, Report, ReportDraft, ReporterContact,
    },
    events,
    store::PageCursor,
};

/// "{microseconds since 1970}.{report id}" of the last report of the previous page.
pub fn page_token(cursor: PageCursor) -> String {
    format!(
        "{}.{}",
        cursor.created_at.timestamp_micros(),
        cursor.id.simple()
    )
}

pub fn parse_page_token(token: &str) -> Result<Option<PageCursor>, AppError> {
    if token.is_empty() {
        return Ok(None);
    }
    let invalid = || AppError::invalid("page_token", "is not a token this API gave");
    let (micros, id) = token.split_once('.').ok_or_else(invalid)?;
    let created_at: DateTime<Utc> = micros
        .parse::<i64>()
        .ok()
        .and_then(DateTime::from_timestamp_micros)
        .ok_or_else(invalid)?;
    let id = Uuid::parse_str(id).map_err(|_| invalid())?;
    Ok(Some(PageCursor { created_at, id }))
}

/// A channel as the contract numbers it; unspecified is the API's own.
pub fn channel_from(value: i32) -> Result<Channel, AppError> {
    if value == common::Channel::Unspecified as i32 {
        return Ok(Channel::Api);
    }
    events::channel_from(value)
        .ok_or_else(|| AppError::invalid("channel", "is not a known channel"))
}

pub async fn draft_from(
    report: pb::Report,
    max_media_bytes: usize,
) -> Result<ReportDraft, AppError> {
    let channel = channel_from(report.channel)
        .map_err(|_| AppError::invalid("report.channel", "is not a known channel"))?;
    let mut media = Vec::with_capacity(report.media.len());
    let mut violations = Vec::new();
    for (i, item) in report.media.into_iter().enumerate() {
        match item.source {
            Some(pb::media::Source::Url(url)) => media.push(MediaDraft::Url(url)),
            Some(pb::media::Source::Content(bytes)) => {
                match upload_photo(bytes::Bytes::from(bytes), max_media_bytes).await {
                    Ok(upload) => media.push(upload),
                    Err(problem) => violations.push(FieldViolation::new(
                        format!("report.media[{i}].content"),
                        problem,
                    )),
                }
            }
            None => violations.push(FieldViolation::new(
                format!("report.media[{i}]"),
                "give a url or the content",
            )),
        }
    }
    if !violations.is_empty() {
        return Err(AppError::InvalidArgument(violations));
    }
    let reporter = report.reporter.unwrap_or_default();
    Ok(ReportDraft {
        description: report.description,
        location: report.location.map(|l| GeoPoint {
            latitude: l.latitude,
            longitude: l.longitude,
        }),
        address: Some(report.address),
        channel,
        external_id: Some(report.external_id),
        reporter: ReporterContact {
            display_name: Some(reporter.display_name),
            email: Some(reporter.email),
            phone: Some(reporter.phone),
            handle: Some(reporter.handle),
        },
        service_code: Some(report.service_code),
        language_code: Some(report.language_code),
        address_id: Some(report.address_id),
        attributes: report.attributes.into_iter().collect(),
        media,
    })
}

/// `with_contact` only for operators: the reporter's contact is personal data.
pub fn to_proto(report: &Report, with_contact: bool) -> pb::Report {
    let reporter = with_contact.then(|| pb::ReporterContact {
        display_name: report.reporter.display_name.clone().unwrap_or_default(),
        email: report.reporter.email.clone().unwrap_or_default(),
        phone: report.reporter.phone.clone().unwrap_or_default(),
        handle: report.reporter.handle.clone().unwrap_or_default(),
    });
    pb::Report {
        name: report_name(&report.tracking_code),
        tracking_code: report.tracking_code.to_string(),
        description: report.description.clone(),
        location: report.location.map(events::lat_lng),
        address: report.address.clone().unwrap_or_default(),
        channel: events::channel(report.channel) as i32,
        external_id: report.external_id.clone().unwrap_or_default(),
        reporter,
        service_code: report.service_code.clone().unwrap_or_default(),
        language_code: report.language_code.clone().unwrap_or_default(),
        create_time: Some(to_timestamp(report.created_at)),
        media: Vec::new(),
        media_urls: report.media_urls.clone(),
        address_id: report.address_id.clone().unwrap_or_default(),
        attributes: report
            .attributes
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    }
}

/// The photo's id from its resource name, "photos/{id}".
pub fn parse_photo_name(name: &str) -> Result<Uuid, AppError> {
    name.strip_prefix("photos/")
        .and_then(|id| Uuid::parse_str(id).ok())
        .ok_or_else(|| {
            AppError::invalid(
                "name",
                "must be photos/{id}, {id} ending the photo's link (…/media/{id})",
            )
        })
}

pub fn photo_to_proto(photo: &PhotoVisibility, uri: &str) -> pb::Photo {
    pb::Photo {
        name: format!("photos/{}", photo.id),
        report: report_name(&photo.tracking_code),
        uri: uri.to_owned(),
        hidden: photo.hidden,
        changes: photo
            .changes
            .iter()
            .map(|c| pb::PhotoVisibilityChange {
                hidden: c.hidden,
                operator: c.operator.clone(),
                reason: c.reason.clone(),
                change_time: Some(to_timestamp(c.changed_at)),
            })
            .collect(),
    }
}
