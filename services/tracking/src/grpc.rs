//! The gRPC edge of tracking.

use segnala_proto::{
    common::v1 as common,
    tracking::v1::{
        self as pb,
        tracking_service_server::{TrackingService, TrackingServiceServer},
    },
};
use segnala_shared::{
    AppError,
    grpc::{Access, MethodPolicy, Role, into_status},
    time::to_timestamp,
};
use tonic::{Request, Response, Status};
use uuid::Uuid;

use crate::{
    app::{MAX_PAGE_SIZE, WorkOrders},
    domain::WorkOrder,
    events,
    store::ListFilter,
};

const DOMAIN: &str = "tracking.segnala";

pub fn policy() -> MethodPolicy {
    const STAFF: &[Role] = &[Role::Operator, Role::Crew];
    MethodPolicy::new()
        .allow(
            "/segnala.tracking.v1.TrackingService/GetWorkOrder",
            Access::Roles(STAFF),
        )
        .allow(
            "/segnala.tracking.v1.TrackingService/ListWorkOrders",
            Access::Roles(STAFF),
        )
}

pub fn server(orders: WorkOrders) -> TrackingServiceServer<TrackingApi> {
    TrackingServiceServer::new(TrackingApi { orders })
}

pub struct TrackingApi {
    orders: WorkOrders,
}

#[tonic::async_trait]
impl TrackingService for TrackingApi {
    async fn get_work_order(
        &self,
        request: Request<pb::GetWorkOrderRequest>,
    ) -> Result<Response<pb::GetWorkOrderResponse>, Status> {
        let name = request.into_inner().name;
        let result = async {
            let id = name
                .strip_prefix("workOrders/")
                .and_then(|id| Uuid::parse_str(id).ok())
                .ok_or_else(|| AppError::invalid("name", "must be workOrders/{work_order_id}"))?;
            self.orders.get(id).await
        }
        .await;
        let order = result.map_err(|e| into_status(e, DOMAIN))?;
        Ok(Response::new(pb::GetWorkOrderResponse {
            work_order: Some(to_proto(order)),
        }))
    }

    async fn list_work_orders(
        &self,
        request: Request<pb::ListWorkOrdersRequest>,
    ) -> Result<Response<pb::ListWorkOrdersResponse>, Status> {
        let request = request.into_inner();
        let result = async {
            let filter = list_filter(&request)?;
            let offset = filter.offset;
            let (orders, more) = self.orders.list(filter).await?;
            let next_page_token = if more {
                page_token(offset + orders.len() as u64)
            } else {
                String::new()
            };
            Ok::<_, AppError>(pb::ListWorkOrdersResponse {
                work_orders: orders.into_iter().map(to_proto).collect(),
                next_page_token,
            })
        }
        .await;
        result
            .map(Response::new)
            .map_err(|e| into_status(e, DOMAIN))
    }
}

fn list_filter(request: &pb::ListWorkOrdersRequest) -> Result<ListFilter, AppError> {
    if request.page_size < 0 {
        return Err(AppError::invalid("page_size", "must not be negative"));
    }
    let offset = if request.page_token.is_empty() {
        0
    } else {
        parse_page_token(&request.page_token)
            .ok_or_else(|| AppError::invalid("page_token", "is not a token this API gave out"))?
    };
    let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    Ok(ListFilter {
        department: non_empty(&request.department),
        report: non_empty(&request.report),
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

fn to_proto(order: WorkOrder) -> pb::WorkOrder {
    pb::WorkOrder {
        name: order.name(),
        reports: order.reports,
        department: order.department,
        category: order.category,
        state: events::state(order.state) as i32,
        priority: events::priority(order.priority) as i32,
        description: order.description,
        location: order.location.map(|l| common::LatLng {
            latitude: l.latitude,
            longitude: l.longitude,
        }),
        address: order.address,
        create_time: Some(to_timestamp(order.created_at)),
        update_time: Some(to_timestamp(order.updated_at)),
        version: order.version,
    }
}
