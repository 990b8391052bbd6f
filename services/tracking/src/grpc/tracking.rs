use std::sync::Arc;

use segnala_proto::tracking::v1::{
    self as pb,
    tracking_service_server::{TrackingService, TrackingServiceServer},
};
use segnala_shared::{AppError, time::to_timestamp};
use tonic::{Request, Response, Status};

use super::{actor, answer, command::change, convert, parse_name};
use crate::{
    app::{MAX_PAGE_SIZE, Operations, WorkOrders},
    domain::Clock,
    store::ListFilter,
};

pub fn server(
    orders: WorkOrders,
    operations: Operations,
    clock: Arc<dyn Clock>,
) -> TrackingServiceServer<TrackingApi> {
    TrackingServiceServer::new(TrackingApi {
        orders,
        operations,
        clock,
    })
}

pub struct TrackingApi {
    orders: WorkOrders,
    operations: Operations,
    clock: Arc<dyn Clock>,
}

#[tonic::async_trait]
impl TrackingService for TrackingApi {
    async fn get_work_order(
        &self,
        request: Request<pb::GetWorkOrderRequest>,
    ) -> Result<Response<pb::GetWorkOrderResponse>, Status> {
        answer(
            async {
                let actor = actor(&request)?;
                let id = parse_name(&request.get_ref().name)?;
                let view = self.orders.get(&actor, id).await?;
                Ok(pb::GetWorkOrderResponse {
                    work_order: Some(convert::view(view, self.clock.now())),
                })
            }
            .await,
        )
    }

    async fn list_work_orders(
        &self,
        request: Request<pb::ListWorkOrdersRequest>,
    ) -> Result<Response<pb::ListWorkOrdersResponse>, Status> {
        answer(
            async {
                let actor = actor(&request)?;
                let now = self.clock.now();
                let filter = list_filter(request.get_ref(), now)?;
                let offset = filter.offset;
                let (orders, more) = self.orders.list(&actor, filter).await?;
                let next_page_token = if more {
                    page_token(offset + orders.len() as u64)
                } else {
                    String::new()
                };
                Ok(pb::ListWorkOrdersResponse {
                    work_orders: orders
                        .into_iter()
                        .map(|o| convert::work_order(o, now))
                        .collect(),
                    next_page_token,
                })
            }
            .await,
        )
    }

    async fn assign_work_order(
        &self,
        request: Request<pb::AssignWorkOrderRequest>,
    ) -> Result<Response<pb::AssignWorkOrderResponse>, Status> {
        change(request, self.clock.as_ref(), |call| async move {
            if call.body.crew.trim().is_empty() {
                return Err(AppError::invalid("crew", "is required"));
            }
            self.operations
                .assign(
                    &call.actor,
                    call.id,
                    &call.body.crew,
                    call.request_id.as_ref(),
                )
                .await
        })
        .await
    }

    async fn cancel_work_order(
        &self,
        request: Request<pb::CancelWorkOrderRequest>,
    ) -> Result<Response<pb::CancelWorkOrderResponse>, Status> {
        change(request, self.clock.as_ref(), |call| async move {
            let reason = convert::cancel_reason_from(call.body.reason).ok_or_else(|| {
                AppError::invalid(
                    "reason",
                    "must be DUPLICATE, NOT_CITY_RESPONSIBILITY or NO_FURTHER_ACTION",
                )
            })?;
            self.operations
                .cancel(
                    &call.actor,
                    call.id,
                    reason,
                    &call.body.public_note,
                    call.request_id.as_ref(),
                )
                .await
        })
        .await
    }

    async fn reopen_work_order(
        &self,
        request: Request<pb::ReopenWorkOrderRequest>,
    ) -> Result<Response<pb::ReopenWorkOrderResponse>, Status> {
        change(request, self.clock.as_ref(), |call| async move {
            self.operations
                .reopen(
                    &call.actor,
                    call.id,
                    &call.body.reason,
                    call.request_id.as_ref(),
                )
                .await
        })
        .await
    }

    async fn close_work_order(
        &self,
        request: Request<pb::CloseWorkOrderRequest>,
    ) -> Result<Response<pb::CloseWorkOrderResponse>, Status> {
        change(request, self.clock.as_ref(), |call| async move {
            self.operations
                .close(&call.actor, call.id, call.request_id.as_ref())
                .await
        })
        .await
    }

    async fn list_department_stats(
        &self,
        _request: Request<pb::ListDepartmentStatsRequest>,
    ) -> Result<Response<pb::ListDepartmentStatsResponse>, Status> {
        answer(
            async {
                let (stats, now) = self.operations.stats().await?;
                Ok(pb::ListDepartmentStatsResponse {
                    departments: stats
                        .into_iter()
                        .map(|s| pb::DepartmentStats {
                            department: s.department,
                            open: s.open,
                            overdue: s.overdue,
                            resolved: s.resolved,
                            median_time_to_resolve: s.median_time_to_resolve.map(convert::duration),
                        })
                        .collect(),
                    compute_time: Some(to_timestamp(now)),
                })
            }
            .await,
        )
    }

    async fn verify_audit_log(
        &self,
        _request: Request<pb::VerifyAuditLogRequest>,
    ) -> Result<Response<pb::VerifyAuditLogResponse>, Status> {
        answer(
            async {
                let check = self.orders.verify_audit().await?;
                Ok(pb::VerifyAuditLogResponse {
                    intact: check.first_break.is_none(),
                    entries_checked: check.entries_checked,
                    first_break: check.first_break.map(|b| pb::AuditLogBreak {
                        sequence: b.sequence,
                        work_order: format!("workOrders/{}", b.work_order_id),
                        order_sequence: b.order_sequence,
                        problem: b.problem,
                    }),
                })
            }
            .await,
        )
    }
}

fn list_filter(
    request: &pb::ListWorkOrdersRequest,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<ListFilter, AppError> {
    if request.page_size < 0 {
        return Err(AppError::invalid("page_size", "must not be negative"));
    }
    let offset = if request.page_token.is_empty() {
        0
    } else {
        parse_page_token(&request.page_token)
            .ok_or_else(|| AppError::invalid("page_token", "is not a token this API gave out"))?
    };
    let states = request
        .states
        .iter()
        .map(|s| {
            convert::state_from(*s).ok_or_else(|| {
                AppError::invalid("states", format!("{s} is not a work order state"))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    Ok(ListFilter {
        departments: non_empty(&request.department).map(|d| vec![d]),
        report: non_empty(&request.report),
        states,
        zone: non_empty(&request.zone),
        overdue_at: request.overdue.then_some(now),
        crew: non_empty(&request.crew),
        offset,
        limit: (request.page_size as u64).min(MAX_PAGE_SIZE),
    })
}

/// Page tokens are opaque to clients; this one is the offset of the next page.
fn page_token(offset: u64) -> String {
    format!("o{offset:x}")
}

fn parse_page_token(token: &str) -> Option<u64> {
    u64::from_str_radix(token.strip_prefix('o')?, 16).ok()
}
