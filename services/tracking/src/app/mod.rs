//! Tracking's use cases.

mod actor;
mod changes;
mod consumer;
mod held_orders;
mod ledger;
mod operations;
mod sweeper;
mod watch;
mod work_orders;
mod work_queue;

pub use actor::Actor;
pub use changes::OrderChanges;
pub use consumer::TrackingConsumer;
pub use ledger::Ledger;
pub use operations::{DepartmentStats, Operations};
pub use segnala_shared::request_id::RequestId;
pub use sweeper::Sweeper;
pub use watch::QueueWatch;
pub use work_orders::{AuditCheck, MAX_PAGE_SIZE, WorkOrderView, WorkOrders};
pub use work_queue::{CrewStep, NewPhoto, QueueSnapshot, WorkQueue};

use segnala_shared::AppError;

use crate::domain::TransitionError;

/// A refused transition is the caller's problem, not the server's.
fn refused(error: TransitionError) -> AppError {
    match error {
        TransitionError::Missing { field } => AppError::invalid(field, "is required"),
        other => AppError::FailedPrecondition {
            reason: other.reason(),
            message: other.to_string(),
        },
    }
}
