//! The gRPC edge of the reporter's rights: export and erasure, for operators.

use segnala_proto::intake::v1::{
    self as pb,
    reporter_data_service_server::{ReporterDataService, ReporterDataServiceServer},
};
use segnala_shared::{
    AppError,
    grpc::{into_status, principal_name, status::required},
    time::to_timestamp,
};
use tonic::{Request, Response, Status};

use super::{
    DOMAIN,
    convert::{channel_from, to_proto},
};
use crate::{
    app::{ReporterData, ReporterExport},
    domain::Reporter,
};

pub fn server(reporters: ReporterData) -> ReporterDataServiceServer<ReporterDataApi> {
    ReporterDataServiceServer::new(ReporterDataApi { reporters })
}

pub struct ReporterDataApi {
    reporters: ReporterData,
}

#[tonic::async_trait]
impl ReporterDataService for ReporterDataApi {
    async fn export_reporter_data(
        &self,
        request: Request<pb::ExportReporterDataRequest>,
    ) -> Result<Response<pb::ExportReporterDataResponse>, Status> {
        let operator = principal_name(&request);
        let result = async {
            let reporter = reporter_from(request.into_inner().reporter)?;
            self.reporters.export(&reporter, &operator).await
        }
        .await;
        let export = result.map_err(|e| into_status(e, DOMAIN))?;
        Ok(Response::new(export_to_proto(export)))
    }

    async fn erase_reporter_data(
        &self,
        request: Request<pb::EraseReporterDataRequest>,
    ) -> Result<Response<pb::EraseReporterDataResponse>, Status> {
        let operator = principal_name(&request);
        let result = async {
            let reporter = reporter_from(request.into_inner().reporter)?;
            self.reporters.erase(&reporter, &operator).await
        }
        .await;
        let erasure = result.map_err(|e| into_status(e, DOMAIN))?;
        Ok(Response::new(pb::EraseReporterDataResponse {
            tracking_codes: erasure.tracking_codes,
            erased_records: i64::try_from(erasure.records).unwrap_or(i64::MAX),
        }))
    }
}

fn reporter_from(reporter: Option<pb::Reporter>) -> Result<Reporter, AppError> {
    let reporter = required(reporter, "reporter")?;
    if reporter.channel == 0 {
        return Err(AppError::invalid("reporter.channel", "is required"));
    }
    let channel = channel_from(reporter.channel)
        .map_err(|_| AppError::invalid("reporter.channel", "is not a channel intake knows"))?;
    Reporter::new(channel, &reporter.id).map_err(|v| AppError::InvalidArgument(vec![v]))
}

fn export_to_proto(export: ReporterExport) -> pb::ExportReporterDataResponse {
    pb::ExportReporterDataResponse {
        reports: export.reports.iter().map(|r| to_proto(r, true)).collect(),
        conversations: export
            .conversations
            .into_iter()
            .map(|c| pb::PendingConversation {
                description: c.description.unwrap_or_default(),
                latitude: c.location.map_or(0.0, |p| p.latitude),
                longitude: c.location.map_or(0.0, |p| p.longitude),
                expire_time: Some(to_timestamp(c.expires_at)),
            })
            .collect(),
        replies: export
            .replies
            .into_iter()
            .map(|r| pb::ReporterReply {
                body: r.body,
                state: r.state,
                create_time: Some(to_timestamp(r.created_at)),
            })
            .collect(),
        satisfaction_questions: export
            .questions
            .into_iter()
            .map(|q| pb::SatisfactionQuestion {
                tracking_code: q.tracking_code,
                ask_time: Some(to_timestamp(q.asked_at)),
                state: q.state,
            })
            .collect(),
    }
}
