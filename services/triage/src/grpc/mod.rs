//! The gRPC edge of triage.

mod convert;

use std::sync::Arc;

use segnala_proto::triage::v1::{
    self as pb,
    triage_service_server::{TriageService, TriageServiceServer},
};
use segnala_shared::{
    AppError,
    grpc::{Access, MethodPolicy, Role, into_status, principal_name},
    lang::Lang,
    tracking_code::{TrackingCode, parse_report_name},
};
use tonic::{Request, Response, Status};

use crate::{
    app::{AssessText, Decisions, Destination, Operators},
    contract,
    domain::{Audience, Taxonomy},
};

const DOMAIN: &str = "triage.segnala";

pub fn policy() -> MethodPolicy {
    MethodPolicy::new()
        .allow(
            "/segnala.triage.v1.TriageService/GetDecision",
            Access::Roles(&[Role::Operator]),
        )
        .allow(
            "/segnala.triage.v1.TriageService/ListDepartments",
            Access::Public,
        )
        .allow(
            "/segnala.triage.v1.TriageService/ListReviewItems",
            Access::Roles(&[Role::Operator]),
        )
        .allow(
            "/segnala.triage.v1.TriageService/ResolveReviewItem",
            Access::Roles(&[Role::Operator]),
        )
        .allow(
            "/segnala.triage.v1.TriageService/RejectReviewItem",
            Access::Roles(&[Role::Operator]),
        )
        .allow(
            "/segnala.triage.v1.TriageService/RerouteReport",
            Access::Roles(&[Role::Operator]),
        )
        .allow(
            "/segnala.triage.v1.TriageService/ListCorrections",
            Access::Roles(&[Role::Operator]),
        )
        .allow(
            "/segnala.triage.v1.TriageService/MergeIncidents",
            Access::Roles(&[Role::Operator]),
        )
        .allow(
            "/segnala.triage.v1.TriageService/UnmergeReport",
            Access::Roles(&[Role::Operator]),
        )
        .allow(
            "/segnala.triage.v1.TriageService/AssessText",
            Access::Public,
        )
}

pub fn server(
    decisions: Decisions,
    operators: Operators,
    assessor: AssessText,
    taxonomy: Arc<Taxonomy>,
) -> TriageServiceServer<TriageApi> {
    TriageServiceServer::new(TriageApi {
        decisions,
        operators,
        assessor,
        departments: contract::departments(&taxonomy),
    })
}

pub struct TriageApi {
    decisions: Decisions,
    operators: Operators,
    assessor: AssessText,
    /// The taxonomy as the API shows it, converted once.
    departments: Vec<pb::Department>,
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
            decision: Some(convert::decision(stored)),
        }))
    }

    async fn list_departments(
        &self,
        request: Request<pb::ListDepartmentsRequest>,
    ) -> Result<Response<pb::ListDepartmentsResponse>, Status> {
        let request = request.into_inner();
        let page = page(
            self.departments.len(),
            request.page_size,
            &request.page_token,
        )
        .map_err(|e| into_status(e, DOMAIN))?;
        Ok(Response::new(pb::ListDepartmentsResponse {
            departments: self.departments[page.start..page.end].to_vec(),
            next_page_token: page.next_token,
        }))
    }

    async fn list_review_items(
        &self,
        request: Request<pb::ListReviewItemsRequest>,
    ) -> Result<Response<pb::ListReviewItemsResponse>, Status> {
        let request = request.into_inner();
        let result = async {
            let (offset, limit) = offset_page(request.page_size, &request.page_token, 50)?;
            let items = self.operators.review_queue(offset, limit + 1).await?;
            Ok::<_, AppError>((offset, limit, items))
        }
        .await;
        let (offset, limit, mut items) = result.map_err(|e| into_status(e, DOMAIN))?;
        let more = items.len() as u64 > limit;
        items.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        Ok(Response::new(pb::ListReviewItemsResponse {
            next_page_token: if more {
                (offset + limit).to_string()
            } else {
                String::new()
            },
            review_items: items.into_iter().map(convert::review_item).collect(),
        }))
    }

    async fn resolve_review_item(
        &self,
        request: Request<pb::ResolveReviewItemRequest>,
    ) -> Result<Response<pb::ResolveReviewItemResponse>, Status> {
        let operator = principal_name(&request);
        let request = request.into_inner();
        let decision = self
            .correct(
                Correction::Resolve,
                &operator,
                &request.report,
                request.department,
                request.category,
            )
            .await?;
        Ok(Response::new(pb::ResolveReviewItemResponse {
            decision: Some(decision),
        }))
    }

    async fn reject_review_item(
        &self,
        request: Request<pb::RejectReviewItemRequest>,
    ) -> Result<Response<pb::RejectReviewItemResponse>, Status> {
        let operator = principal_name(&request);
        let request = request.into_inner();
        let result = async {
            let code = report_code(&request.report)?;
            self.operators
                .reject(&code, &request.message, &operator)
                .await
        }
        .await;
        let decision = result
            .map(convert::decision)
            .map_err(|e| into_status(e, DOMAIN))?;
        Ok(Response::new(pb::RejectReviewItemResponse {
            decision: Some(decision),
        }))
    }

    async fn reroute_report(
        &self,
        request: Request<pb::RerouteReportRequest>,
    ) -> Result<Response<pb::RerouteReportResponse>, Status> {
        let operator = principal_name(&request);
        let request = request.into_inner();
        let decision = self
            .correct(
                Correction::Reroute,
                &operator,
                &request.report,
                request.department,
                request.category,
            )
            .await?;
        Ok(Response::new(pb::RerouteReportResponse {
            decision: Some(decision),
        }))
    }

    async fn list_corrections(
        &self,
        request: Request<pb::ListCorrectionsRequest>,
    ) -> Result<Response<pb::ListCorrectionsResponse>, Status> {
        let request = request.into_inner();
        let result = async {
            let limit = match request.page_size {
                0 => 1000,
                n => u64::try_from(n)
                    .map_err(|_| AppError::invalid("page_size", "must not be negative"))?,
            };
            let after = if request.page_token.is_empty() {
                0
            } else {
                request.page_token.parse::<i64>().map_err(|_| {
                    AppError::invalid("page_token", "is not a token this API returned")
                })?
            };
            self.operators
                .corrections(after, limit + 1)
                .await
                .map(|c| (limit, c))
        }
        .await;
        let (limit, mut corrections) = result.map_err(|e| into_status(e, DOMAIN))?;
        let more = corrections.len() as u64 > limit;
        corrections.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        Ok(Response::new(pb::ListCorrectionsResponse {
            next_page_token: match corrections.last() {
                Some(last) if more => last.id.to_string(),
                _ => String::new(),
            },
            corrections: corrections.into_iter().map(convert::correction).collect(),
        }))
    }

    async fn merge_incidents(
        &self,
        request: Request<pb::MergeIncidentsRequest>,
    ) -> Result<Response<pb::MergeIncidentsResponse>, Status> {
        let operator = principal_name(&request);
        let request = request.into_inner();
        let result = async {
            let kept = incident_id(&request.incident, "incident")?;
            let merged = incident_id(&request.merged_incident, "merged_incident")?;
            self.operators.merge(kept, merged, &operator).await
        }
        .await;
        let (incident, moved_reports) = result.map_err(|e| into_status(e, DOMAIN))?;
        Ok(Response::new(pb::MergeIncidentsResponse {
            incident: format!("incidents/{}", incident.id),
            report_count: i32::try_from(incident.report_count).unwrap_or(i32::MAX),
            moved_reports,
        }))
    }

    async fn unmerge_report(
        &self,
        request: Request<pb::UnmergeReportRequest>,
    ) -> Result<Response<pb::UnmergeReportResponse>, Status> {
        let operator = principal_name(&request);
        let request = request.into_inner();
        let result = async {
            let code = report_code(&request.report)?;
            self.operators.unmerge(&code, &operator).await
        }
        .await;
        let stored = result.map_err(|e| into_status(e, DOMAIN))?;
        Ok(Response::new(pb::UnmergeReportResponse {
            decision: Some(convert::decision(stored)),
        }))
    }

    async fn assess_text(
        &self,
        request: Request<pb::AssessTextRequest>,
    ) -> Result<Response<pb::AssessTextResponse>, Status> {
        let request = request.into_inner();
        let assessment = self
            .assessor
            .assess(
                &request.text,
                Lang::parse(&request.language_code),
                audience(request.public_mention),
            )
            .map_err(|e| into_status(e, DOMAIN))?;
        Ok(Response::new(pb::AssessTextResponse {
            emergency: !assessment.matched_terms.is_empty(),
            matched_terms: assessment.matched_terms,
            safety_message: assessment.safety_message.unwrap_or_default(),
            language_code: assessment.language.code().to_owned(),
            not_a_report: assessment.not_a_report_message.is_some(),
            not_a_report_message: assessment.not_a_report_message.unwrap_or_default(),
        }))
    }
}

fn audience(public_mention: bool) -> Audience {
    if public_mention {
        Audience::Mention
    } else {
        Audience::Direct
    }
}

fn incident_id<'a>(name: &'a str, field: &str) -> Result<&'a str, AppError> {
    name.strip_prefix("incidents/")
        .filter(|id| !id.is_empty())
        .ok_or_else(|| AppError::invalid(field, "must be incidents/{incident_id}"))
}

/// What an operator does with a report's department and category.
#[derive(Clone, Copy)]
enum Correction {
    /// Decides a report that waited for review.
    Resolve,
    /// Moves a routed report elsewhere.
    Reroute,
}

impl TriageApi {
    async fn correct(
        &self,
        correction: Correction,
        operator: &str,
        report: &str,
        department: String,
        category: String,
    ) -> Result<pb::Decision, Status> {
        let result = async {
            let code = report_code(report)?;
            let to = Destination {
                department,
                category,
            };
            match correction {
                Correction::Resolve => self.operators.resolve(&code, to, operator).await,
                Correction::Reroute => self.operators.reroute(&code, to, operator).await,
            }
        }
        .await;
        result
            .map(convert::decision)
            .map_err(|e| into_status(e, DOMAIN))
    }
}

fn report_code(name: &str) -> Result<TrackingCode, AppError> {
    parse_report_name(name)
        .map_err(|_| AppError::invalid("report", "must be reports/{tracking_code}"))
}

/// Offset and size of a page; the token is the offset of the page's first item.
fn offset_page(page_size: i32, page_token: &str, default: u64) -> Result<(u64, u64), AppError> {
    let offset = if page_token.is_empty() {
        0
    } else {
        page_token
            .parse::<u64>()
            .map_err(|_| AppError::invalid("page_token", "is not a token this API returned"))?
    };
    let limit = match page_size {
        0 => default,
        n => u64::try_from(n)
            .map_err(|_| AppError::invalid("page_size", "must not be negative"))?
            .min(500),
    };
    Ok((offset, limit))
}

struct Page {
    start: usize,
    end: usize,
    next_token: String,
}

/// The slice of `len` items a page size and token select; the token is the index of
/// the page's first item.
fn page(len: usize, page_size: i32, page_token: &str) -> Result<Page, AppError> {
    let start = if page_token.is_empty() {
        0
    } else {
        page_token
            .parse::<usize>()
            .ok()
            .filter(|start| *start < len)
            .ok_or_else(|| AppError::invalid("page_token", "is not a token this API returned"))?
    };
    let size = usize::try_from(page_size)
        .map_err(|_| AppError::invalid("page_size", "must not be negative"))?;
    let end = if size == 0 {
        len
    } else {
        start.saturating_add(size).min(len)
    };
    Ok(Page {
        start,
        end,
        next_token: if end < len {
            end.to_string()
        } else {
            String::new()
        },
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn pages_walk_the_list_and_bad_tokens_are_refused() {
        let first = page(12, 5, "").unwrap();
        assert_eq!(
            (first.start, first.end, first.next_token.as_str()),
            (0, 5, "5")
        );
        let last = page(12, 5, "10").unwrap();
        assert_eq!(
            (last.start, last.end, last.next_token.as_str()),
            (10, 12, "")
        );
        let all = page(12, 0, "").unwrap();
        assert_eq!((all.start, all.end), (0, 12));
        assert!(page(12, 5, "12").is_err());
        assert!(page(12, 5, "x").is_err());
        assert!(page(12, -1, "").is_err());
    }
}
