//! The gRPC edge of intake: the server and its access policy; the proto ⇄ domain
//! conversions are in `convert`.

mod convert;
mod reporter_data;

pub use reporter_data::server as reporter_data_server;

use segnala_proto::intake::v1::{
    self as pb,
    intake_service_server::{IntakeService, IntakeServiceServer},
};
use segnala_shared::{
    AppError,
    grpc::{Access, MethodPolicy, Role, into_status, principal_name, status::required},
    time::from_timestamp,
    tracking_code::parse_report_name,
};
use tonic::{Request, Response, Status};

use self::convert::{
    channel_from, draft_from, page_token, parse_page_token, parse_photo_name, photo_to_proto,
    to_proto,
};
use crate::{
    app::Reports,
    domain::{PhotoVisibility, RequestId},
    store::ReportFilter,
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
        .allow(
            "/segnala.intake.v1.IntakeService/GetPhoto",
            Access::Roles(&[Role::Operator]),
        )
        .allow(
            "/segnala.intake.v1.IntakeService/HidePhoto",
            Access::Roles(&[Role::Operator]),
        )
        .allow(
            "/segnala.intake.v1.IntakeService/ShowPhoto",
            Access::Roles(&[Role::Operator]),
        )
        .allow(
            "/segnala.intake.v1.ReporterDataService/ExportReporterData",
            Access::Roles(&[Role::Operator]),
        )
        .allow(
            "/segnala.intake.v1.ReporterDataService/EraseReporterData",
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
            let draft =
                draft_from(required(request.report, "report")?, self.max_media_bytes).await?;
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

    async fn get_photo(
        &self,
        request: Request<pb::GetPhotoRequest>,
    ) -> Result<Response<pb::GetPhotoResponse>, Status> {
        let result = async {
            let id = parse_photo_name(&request.get_ref().name)?;
            self.reports.photo_visibility(id).await
        }
        .await;
        let photo = result.map_err(|e| into_status(e, DOMAIN))?;
        Ok(Response::new(pb::GetPhotoResponse {
            photo: Some(self.photo_to_proto(&photo)),
        }))
    }

    async fn hide_photo(
        &self,
        request: Request<pb::HidePhotoRequest>,
    ) -> Result<Response<pb::HidePhotoResponse>, Status> {
        let photo = self
            .change_photo_visibility(
                &request,
                &request.get_ref().name,
                true,
                &request.get_ref().reason,
            )
            .await?;
        Ok(Response::new(pb::HidePhotoResponse { photo: Some(photo) }))
    }

    async fn show_photo(
        &self,
        request: Request<pb::ShowPhotoRequest>,
    ) -> Result<Response<pb::ShowPhotoResponse>, Status> {
        let photo = self
            .change_photo_visibility(
                &request,
                &request.get_ref().name,
                false,
                &request.get_ref().reason,
            )
            .await?;
        Ok(Response::new(pb::ShowPhotoResponse { photo: Some(photo) }))
    }
}

impl IntakeApi {
    async fn change_photo_visibility<T>(
        &self,
        request: &Request<T>,
        name: &str,
        hidden: bool,
        reason: &str,
    ) -> Result<pb::Photo, Status> {
        let result = async {
            let id = parse_photo_name(name)?;
            self.reports
                .change_photo_visibility(&principal_name(request), id, hidden, reason)
                .await
        }
        .await;
        let photo = result.map_err(|e| into_status(e, DOMAIN))?;
        Ok(self.photo_to_proto(&photo))
    }

    fn photo_to_proto(&self, photo: &PhotoVisibility) -> pb::Photo {
        photo_to_proto(photo, &self.reports.media_link(photo.id))
    }
}
