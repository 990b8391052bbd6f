//! The gRPC edge of intake: proto ⇄ domain conversions and the access policy.

use segnala_proto::{
    common::v1 as common,
    intake::v1::{
        self as pb,
        intake_service_server::{IntakeService, IntakeServiceServer},
    },
};
use segnala_shared::{
    AppError,
    grpc::{Access, MethodPolicy, Role, into_status, status::required},
    time::to_timestamp,
    tracking_code::{parse_report_name, report_name},
};

use chrono::{DateTime, Utc};
use segnala_shared::time::from_timestamp;
use tonic::{Request, Response, Status};
use uuid::Uuid;

use crate::{
    app::Reports,
    domain::{Channel, GeoPoint, MediaDraft, Report, ReportDraft, ReporterContact, RequestId},
    events,
    store::{PageCursor, ReportFilter},
};

const DEFAULT_PAGE_SIZE: u64 = 50;

const DOMAIN: &str = "intake.segnala";

pub fn policy() -> MethodPolicy {
    MethodPolicy::new()
        .allow(
            "/segnala.intake.v1.IntakeService/CreateReport",
            Access::Roles(&[Role::Integrator, Role::Operator]),
        )
        .allow(
            "/segnala.intake.v1.IntakeService/GetReport",
            Access::Roles(&[Role::Operator]),
        )
        .allow(
            "/segnala.intake.v1.IntakeService/ListReports",
            Access::Roles(&[Role::Operator]),
        )
}

/// `language` is the city's: service codes are checked against its list.
pub fn server(
    reports: Reports,
    language: String,
    max_media_bytes: usize,
) -> IntakeServiceServer<IntakeApi> {
    // Room for the photos beside the report itself.
    let max_message = max_media_bytes * crate::domain::MAX_MEDIA_PER_REPORT + 256 * 1024;
    IntakeServiceServer::new(IntakeApi {
        reports,
        language,
        max_media_bytes,
    })
    .max_decoding_message_size(max_message)
}

pub struct IntakeApi {
    reports: Reports,
    /// The city's: service codes are checked against its list.
    language: String,
    max_media_bytes: usize,
}

#[tonic::async_trait]
impl IntakeService for IntakeApi {
    async fn create_report(
        &self,
        request: Request<pb::CreateReportRequest>,
    ) -> Result<Response<pb::CreateReportResponse>, Status> {
        let request = request.into_inner();
        let result = async {
            let request_id = RequestId::parse(&request.request_id)
                .map_err(|v| AppError::InvalidArgument(vec![v]))?;
            let draft = draft_from(required(request.report, "report")?, self.max_media_bytes)?;
            self.reports
                .requested_service(draft.service_code.as_deref(), &self.language)
                .await?;
            self.reports.create(draft, request_id).await
        }
        .await;
        let report = result.map_err(|e| into_status(e, DOMAIN))?;
        Ok(Response::new(pb::CreateReportResponse {
            report: Some(to_proto(&report, false)),
        }))
    }

    async fn get_report(
        &self,
        request: Request<pb::GetReportRequest>,
    ) -> Result<Response<pb::GetReportResponse>, Status> {
        let name = request.into_inner().name;
        let result = async {
            let code = parse_report_name(&name).map_err(|e| {
                AppError::invalid("name", format!("must be reports/{{tracking_code}}: {e}"))
            })?;
            self.reports.get(&code).await
        }
        .await;
        let report = result.map_err(|e| into_status(e, DOMAIN))?;
        Ok(Response::new(pb::GetReportResponse {
            report: Some(to_proto(&report, true)),
        }))
    }

    async fn list_reports(
        &self,
        request: Request<pb::ListReportsRequest>,
    ) -> Result<Response<pb::ListReportsResponse>, Status> {
        let request = request.into_inner();
        let result = async {
            let filter = ReportFilter {
                channel: match request.channel {
                    0 => None,
                    channel => Some(channel_from(channel)?),
                },
                service_code: Some(request.service_code).filter(|c| !c.is_empty()),
                created_after: from_timestamp(request.create_time_after.as_ref()),
                created_before: from_timestamp(request.create_time_before.as_ref()),
            };
            let after = parse_page_token(&request.page_token)?;
            let page_size = match request.page_size {
                0 => DEFAULT_PAGE_SIZE,
                n if n < 0 => return Err(AppError::invalid("page_size", "must not be negative")),
                n => n.unsigned_abs().into(),
            };
            self.reports.list(&filter, after, page_size).await
        }
        .await;
        let page = result.map_err(|e| into_status(e, DOMAIN))?;
        Ok(Response::new(pb::ListReportsResponse {
            reports: page.reports.iter().map(|r| to_proto(r, true)).collect(),
            next_page_token: page.next.map(page_token).unwrap_or_default(),
        }))
    }
}

/// "{microseconds since 1970}.{report id}" of the last report of the previous page.
fn page_token(cursor: PageCursor) -> String {
    format!(
        "{}.{}",
        cursor.created_at.timestamp_micros(),
        cursor.id.simple()
    )
}

fn parse_page_token(token: &str) -> Result<Option<PageCursor>, AppError> {
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

fn channel_from(value: i32) -> Result<Channel, AppError> {
    match common::Channel::try_from(value) {
        Ok(common::Channel::Unspecified) | Ok(common::Channel::Api) => Ok(Channel::Api),
        Ok(common::Channel::Open311) => Ok(Channel::Open311),
        Ok(common::Channel::Telegram) => Ok(Channel::Telegram),
        Ok(common::Channel::Whatsapp) => Ok(Channel::WhatsApp),
        Ok(common::Channel::Mastodon) => Ok(Channel::Mastodon),
        Ok(common::Channel::X) => Ok(Channel::X),
        Ok(common::Channel::Web) => Ok(Channel::Web),
        Err(_) => Err(AppError::invalid("channel", "is not a known channel")),
    }
}

fn draft_from(report: pb::Report, max_media_bytes: usize) -> Result<ReportDraft, AppError> {
    let channel = channel_from(report.channel)
        .map_err(|_| AppError::invalid("report.channel", "is not a known channel"))?;
    let mut media = Vec::with_capacity(report.media.len());
    let mut violations = Vec::new();
    for (i, item) in report.media.into_iter().enumerate() {
        match item.source {
            Some(pb::media::Source::Url(url)) => media.push(MediaDraft::Url(url)),
            Some(pb::media::Source::Content(bytes)) => {
                match MediaDraft::upload(bytes::Bytes::from(bytes), max_media_bytes) {
                    Ok(upload) => media.push(upload),
                    Err(problem) => violations.push(segnala_shared::FieldViolation::new(
                        format!("report.media[{i}].content"),
                        problem,
                    )),
                }
            }
            None => violations.push(segnala_shared::FieldViolation::new(
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
fn to_proto(report: &Report, with_contact: bool) -> pb::Report {
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
