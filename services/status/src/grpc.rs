//! The gRPC edge of status. Public: no credentials needed.

use segnala_proto::status::v1::{
    self as pb,
    status_service_server::{StatusService, StatusServiceServer},
};
use segnala_shared::{
    AppError,
    grpc::{Access, MethodPolicy, into_status},
    time::to_timestamp,
    tracking_code::TrackingCode,
};
use tonic::{Request, Response, Status};

use crate::{
    app::Statuses,
    domain::{PublicState, ReportStatus},
};

const DOMAIN: &str = "status.segnala";

pub fn policy() -> MethodPolicy {
    MethodPolicy::new().allow(
        "/segnala.status.v1.StatusService/GetReportStatus",
        Access::Public,
    )
}

pub fn server(statuses: Statuses) -> StatusServiceServer<StatusApi> {
    StatusServiceServer::new(StatusApi { statuses })
}

pub struct StatusApi {
    statuses: Statuses,
}

#[tonic::async_trait]
impl StatusService for StatusApi {
    async fn get_report_status(
        &self,
        request: Request<pb::GetReportStatusRequest>,
    ) -> Result<Response<pb::GetReportStatusResponse>, Status> {
        let tracking_code = request.into_inner().tracking_code;
        let result = async {
            let code = TrackingCode::parse(&tracking_code)
                .map_err(|e| AppError::invalid("tracking_code", e.to_string()))?;
            self.statuses.get(&code).await
        }
        .await;
        let status = result.map_err(|e| into_status(e, DOMAIN))?;
        Ok(Response::new(pb::GetReportStatusResponse {
            status: Some(to_proto(status)),
        }))
    }
}

fn to_proto(status: ReportStatus) -> pb::ReportStatus {
    pb::ReportStatus {
        name: format!("reports/{}/status", status.tracking_code),
        tracking_code: status.tracking_code,
        state: state(status.state) as i32,
        department: status.department.unwrap_or_default(),
        category: status.category.unwrap_or_default(),
        timeline: status
            .timeline
            .into_iter()
            .map(|entry| pb::TimelineEntry {
                time: Some(to_timestamp(entry.time)),
                state: state(entry.state) as i32,
                message: entry.message,
            })
            .collect(),
        create_time: Some(to_timestamp(status.created_at)),
        update_time: Some(to_timestamp(status.updated_at)),
    }
}

fn state(state: PublicState) -> pb::PublicState {
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
