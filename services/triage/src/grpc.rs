//! The gRPC edge of triage.

use segnala_proto::triage::v1::{
    self as pb,
    triage_service_server::{TriageService, TriageServiceServer},
};
use segnala_shared::{
    AppError,
    grpc::{Access, MethodPolicy, Role, into_status},
    time::to_timestamp,
    tracking_code::parse_report_name,
};
use tonic::{Request, Response, Status};

use crate::{app::Decisions, events};

const DOMAIN: &str = "triage.segnala";

pub fn policy() -> MethodPolicy {
    MethodPolicy::new().allow(
        "/segnala.triage.v1.TriageService/GetDecision",
        Access::Roles(&[Role::Operator]),
    )
}

pub fn server(decisions: Decisions) -> TriageServiceServer<TriageApi> {
    TriageServiceServer::new(TriageApi { decisions })
}

pub struct TriageApi {
    decisions: Decisions,
}

#[tonic::async_trait]
impl TriageService for TriageApi {
    async fn get_decision(
        &self,
        request: Request<pb::GetDecisionRequest>,
    ) -> Result<Response<pb::GetDecisionResponse>, Status> {
        let name = request.into_inner().name;
        let result = async {
            let code = name
                .strip_suffix("/decision")
                .ok_or(())
                .and_then(|report| parse_report_name(report).map_err(drop))
                .map_err(|()| {
                    AppError::invalid("name", "must be reports/{tracking_code}/decision")
                })?;
            self.decisions.get(&code).await
        }
        .await;
        let stored = result.map_err(|e| into_status(e, DOMAIN))?;
        Ok(Response::new(pb::GetDecisionResponse {
            decision: Some(pb::Decision {
                name: format!("reports/{}/decision", stored.tracking_code),
                department: stored.decision.department,
                category: String::new(),
                priority: events::priority(stored.decision.priority) as i32,
                matched_keywords: stored.decision.matched_keywords,
                method: stored.decision.method,
                decide_time: Some(to_timestamp(stored.decided_at)),
                version: stored.version,
            }),
        }))
    }
}
