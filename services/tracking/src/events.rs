//! The events tracking publishes: state only, never crews' private notes.

use segnala_proto::{common::v1 as common, tracking::v1 as pb};
use segnala_shared::time::to_timestamp;

use crate::domain::{Priority, WorkOrder, WorkOrderState};

pub fn work_order_changed(
    order: &WorkOrder,
    previous: Option<WorkOrderState>,
) -> pb::WorkOrderChanged {
    pb::WorkOrderChanged {
        work_order: order.name(),
        reports: order.reports.clone(),
        department: order.department.clone(),
        state: state(order.state) as i32,
        previous_state: previous.map_or(pb::WorkOrderState::Unspecified, state) as i32,
        priority: priority(order.priority) as i32,
        change_time: Some(to_timestamp(order.updated_at)),
        version: order.version,
    }
}

pub fn state(state: WorkOrderState) -> pb::WorkOrderState {
    match state {
        WorkOrderState::Queued => pb::WorkOrderState::Queued,
        WorkOrderState::Claimed => pb::WorkOrderState::Claimed,
        WorkOrderState::InProgress => pb::WorkOrderState::InProgress,
        WorkOrderState::OnHold => pb::WorkOrderState::OnHold,
        WorkOrderState::Resolved => pb::WorkOrderState::Resolved,
        WorkOrderState::Closed => pb::WorkOrderState::Closed,
        WorkOrderState::Cancelled => pb::WorkOrderState::Cancelled,
        WorkOrderState::Reopened => pb::WorkOrderState::Reopened,
    }
}

pub fn priority(priority: Priority) -> common::Priority {
    match priority {
        Priority::Low => common::Priority::Low,
        Priority::Normal => common::Priority::Normal,
        Priority::High => common::Priority::High,
        Priority::Critical => common::Priority::Critical,
    }
}
