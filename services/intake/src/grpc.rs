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
use tonic::{Request, Response, Status};

use crate::{
    app::Reports,
    domain::{Channel, GeoPoint, Report, ReportDraft, ReporterContact, RequestId},
    events,
};

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
}

pub fn server(reports: Reports) -> IntakeServiceServer<IntakeApi> {
    IntakeServiceServer::new(IntakeApi { reports })
}

pub struct IntakeApi {
    reports: Reports,
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
            let draft = draft_from(required(request.report, "report")?)?;
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
}

fn draft_from(report: pb::Report) -> Result<ReportDraft, AppError> {
    let channel = match common::Channel::try_from(report.channel) {
        Ok(common::Channel::Unspecified) => Channel::Api,
        Ok(common::Channel::Api) => Channel::Api,
        Ok(common::Channel::Open311) => Channel::Open311,
        Ok(common::Channel::Telegram) => Channel::Telegram,
        Ok(common::Channel::Whatsapp) => Channel::WhatsApp,
        Ok(common::Channel::Mastodon) => Channel::Mastodon,
        Ok(common::Channel::X) => Channel::X,
        Ok(common::Channel::Web) => Channel::Web,
        Err(_) => {
            return Err(AppError::invalid(
                "report.channel",
                "is not a known channel",
            ));
        }
    };
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
    }
}
