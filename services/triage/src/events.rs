//! The events triage publishes.

use segnala_proto::{common::v1 as common, intake::v1::ReportReceived, triage::v1::ReportRouted};
use segnala_shared::time::to_timestamp;

use crate::{domain::Priority, store::StoredDecision};

pub fn report_routed(received: &ReportReceived, stored: &StoredDecision) -> ReportRouted {
    ReportRouted {
        report: received.report.clone(),
        tracking_code: stored.tracking_code.clone(),
        department: stored.decision.department.clone(),
        category: String::new(),
        priority: priority(stored.decision.priority) as i32,
        description: received.description.clone(),
        location: received.location,
        address: received.address.clone(),
        route_time: Some(to_timestamp(stored.decided_at)),
        version: stored.version,
    }
}

pub fn priority(priority: Priority) -> common::Priority {
    match priority {
        Priority::Normal => common::Priority::Normal,
        Priority::Critical => common::Priority::Critical,
    }
}
