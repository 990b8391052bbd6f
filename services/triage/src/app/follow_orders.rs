use std::collections::HashMap;

use sea_orm::DatabaseTransaction;
use segnala_proto::tracking::v1::{WorkOrderChanged, WorkOrderState};
use segnala_shared::messaging::HandlerError;

use super::Incidents;
use crate::store::OrderChange;

/// The version of a new work order's first event (the `WorkOrderChanged` contract).
const FIRST_VERSION: i64 = 1;

/// Closes an incident to new reports when its work order is resolved, closed or
/// cancelled, and opens it again when the order is reopened.
pub struct FollowWorkOrders {
    incidents: Incidents,
}

impl FollowWorkOrders {
    pub fn new(incidents: Incidents) -> Self {
        Self { incidents }
    }
}

impl FollowWorkOrders {
    /// Applies the changes of `orders` together. Only each incident's latest change
    /// counts: an earlier one would be ignored after it anyway.
    pub async fn follow(
        &self,
        txn: &DatabaseTransaction,
        orders: Vec<WorkOrderChanged>,
    ) -> Result<(), HandlerError> {
        let mut latest: HashMap<String, OrderChange> = HashMap::new();
        for event in orders {
            let Some(change) = change_of(&event)? else {
                continue;
            };
            match latest.get(&change.incident) {
                Some(seen) if seen.order_version >= change.order_version => {}
                _ => {
                    latest.insert(change.incident.clone(), change);
                }
            }
        }
        // An order's first version, the order made for a new incident, leaves the
        // incident open as it was: writing it would order no later change (all have
        // higher versions) and cost a row update for every incident.
        let changes: Vec<OrderChange> = latest
            .into_values()
            .filter(|change| !(change.open && change.order_version <= FIRST_VERSION))
            .collect();
        self.incidents.orders_changed(txn, &changes).await?;
        Ok(())
    }
}

/// What `event` means for its incident; nothing for orders of reports routed before
/// incidents existed, which name none.
fn change_of(event: &WorkOrderChanged) -> Result<Option<OrderChange>, HandlerError> {
    let Some(id) = event.incident.strip_prefix("incidents/") else {
        return Ok(None);
    };
    let open = match WorkOrderState::try_from(event.state) {
        Ok(WorkOrderState::Resolved | WorkOrderState::Closed | WorkOrderState::Cancelled) => false,
        Ok(WorkOrderState::Unspecified) | Err(_) => {
            return Err(HandlerError::Permanent(format!(
                "WorkOrderChanged of {} without a known state ({})",
                event.work_order, event.state
            )));
        }
        Ok(_) => true,
    };
    Ok(Some(OrderChange {
        incident: id.to_owned(),
        open,
        order_version: event.version,
    }))
}
