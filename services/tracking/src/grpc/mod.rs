//! The gRPC edge of tracking: `TrackingService` for operators, `WorkQueueService` for
//! crews. Handlers only convert and call the use cases.

mod command;
mod convert;
mod tracking;
mod work_queue;

use segnala_shared::{
    AppError,
    grpc::{Access, MethodPolicy, Principal, Role, into_status},
    request_id::RequestId,
};
use tonic::{Request, Response, Status};
use uuid::Uuid;

use crate::app::Actor;

pub use tracking::server as tracking_server;
pub use work_queue::server as work_queue_server;

const DOMAIN: &str = "tracking.segnala";

pub fn policy() -> MethodPolicy {
    const STAFF: &[Role] = &[Role::Operator, Role::Crew];
    const OPERATORS: &[Role] = &[Role::Operator];
    const CREWS: &[Role] = &[Role::Crew];
    let tracking = |method: &str| format!("/segnala.tracking.v1.TrackingService/{method}");
    let queue = |method: &str| format!("/segnala.tracking.v1.WorkQueueService/{method}");
    let mut policy = MethodPolicy::new()
        .allow(&tracking("GetWorkOrder"), Access::Roles(STAFF))
        .allow(&tracking("ListWorkOrders"), Access::Roles(STAFF));
    for method in [
        "AssignWorkOrder",
        "CancelWorkOrder",
        "ReopenWorkOrder",
        "CloseWorkOrder",
        "ListDepartmentStats",
        "VerifyAuditLog",
    ] {
        policy = policy.allow(&tracking(method), Access::Roles(OPERATORS));
    }
    for method in [
        "ClaimNext",
        "RenewLease",
        "StartWork",
        "HoldWork",
        "ResolveWork",
        "ReleaseWork",
        "ListMyWorkOrders",
    ] {
        policy = policy.allow(&queue(method), Access::Roles(CREWS));
    }
    // Operators write notes and follow queues too.
    for method in ["AddNote", "AddPhoto", "WatchQueue"] {
        policy = policy.allow(&queue(method), Access::Roles(STAFF));
    }
    policy
}

/// The caller, as the authentication layer found it: a crew limited to its departments,
/// anyone else everywhere.
fn actor<T>(request: &Request<T>) -> Result<Actor, AppError> {
    let principal = request.extensions().get::<Principal>().ok_or_else(|| {
        AppError::internal(std::io::Error::other(
            "no principal on an authenticated call",
        ))
    })?;
    Ok(Actor {
        name: principal.name.clone(),
        departments: (principal.role == Role::Crew).then(|| principal.departments.clone()),
    })
}

fn parse_name(name: &str) -> Result<Uuid, AppError> {
    name.strip_prefix("workOrders/")
        .unwrap_or(name)
        .parse::<Uuid>()
        .map_err(|_| AppError::invalid("name", "must be workOrders/{work_order_id}"))
}

fn request_id(text: &str) -> Result<Option<RequestId>, AppError> {
    RequestId::parse(text).map_err(|violation| AppError::InvalidArgument(vec![violation]))
}

fn answer<T>(result: Result<T, AppError>) -> Result<Response<T>, Status> {
    result
        .map(Response::new)
        .map_err(|e| into_status(e, DOMAIN))
}
