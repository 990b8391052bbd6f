//! The common shape of the calls that change one work order: who asks, which order,
//! the request id, then the use case, then the order as it is after the change.

use std::future::Future;

use segnala_proto::tracking::v1 as pb;
use segnala_shared::{AppError, request_id::RequestId};
use tonic::{Request, Response, Status};
use uuid::Uuid;

use super::{actor, answer, convert, parse_name, request_id};
use crate::{
    app::Actor,
    domain::{Clock, WorkOrder},
};

/// A request naming one work order, with a request id.
pub trait OrderRequest {
    fn name(&self) -> &str;
    fn request_id(&self) -> &str;
}

/// An [`OrderRequest`] answered with the changed order.
pub trait OrderChange: OrderRequest {
    type Response;
    fn respond(work_order: pb::WorkOrder) -> Self::Response;
}

macro_rules! order_requests {
    ($($request:ident),* $(,)?) => {$(
        impl OrderRequest for pb::$request {
            fn name(&self) -> &str {
                &self.name
            }
            fn request_id(&self) -> &str {
                &self.request_id
            }
        }
    )*};
}

order_requests!(
    RenewLeaseRequest,
    StartWorkRequest,
    HoldWorkRequest,
    AddNoteRequest,
    AddPhotoRequest,
    ResolveWorkRequest,
    ReleaseWorkRequest,
    AssignWorkOrderRequest,
    CancelWorkOrderRequest,
    ReopenWorkOrderRequest,
    CloseWorkOrderRequest,
);

macro_rules! order_changes {
    ($($request:ident => $response:ident),* $(,)?) => {$(
        impl OrderChange for pb::$request {
            type Response = pb::$response;
            fn respond(work_order: pb::WorkOrder) -> pb::$response {
                pb::$response {
                    work_order: Some(work_order),
                }
            }
        }
    )*};
}

order_changes!(
    RenewLeaseRequest => RenewLeaseResponse,
    StartWorkRequest => StartWorkResponse,
    HoldWorkRequest => HoldWorkResponse,
    AddNoteRequest => AddNoteResponse,
    ResolveWorkRequest => ResolveWorkResponse,
    ReleaseWorkRequest => ReleaseWorkResponse,
    AssignWorkOrderRequest => AssignWorkOrderResponse,
    CancelWorkOrderRequest => CancelWorkOrderResponse,
    ReopenWorkOrderRequest => ReopenWorkOrderResponse,
    CloseWorkOrderRequest => CloseWorkOrderResponse,
);

/// A checked [`OrderRequest`]: the caller, the order's id, the request id, and the
/// request for its other fields.
pub struct OrderCall<R> {
    pub actor: Actor,
    pub id: Uuid,
    pub request_id: Option<RequestId>,
    pub body: R,
}

impl<R: OrderRequest> OrderCall<R> {
    pub fn parse(request: Request<R>) -> Result<Self, AppError> {
        let actor = actor(&request)?;
        let body = request.into_inner();
        Ok(Self {
            actor,
            id: parse_name(body.name())?,
            request_id: request_id(body.request_id())?,
            body,
        })
    }
}

/// Checks `request`, lets `change` carry it out, and answers with the changed order
/// (or the error as a status).
pub async fn change<R, F, Fut>(
    request: Request<R>,
    clock: &dyn Clock,
    change: F,
) -> Result<Response<R::Response>, Status>
where
    R: OrderChange,
    F: FnOnce(OrderCall<R>) -> Fut,
    Fut: Future<Output = Result<WorkOrder, AppError>>,
{
    answer(
        async {
            let order = change(OrderCall::parse(request)?).await?;
            Ok(R::respond(convert::work_order(order, clock.now())))
        }
        .await,
    )
}
