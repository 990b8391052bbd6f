use sea_orm::DatabaseTransaction;
use segnala_proto::tracking::v1::{WorkOrderChanged, WorkOrderState};
use segnala_shared::messaging::HandlerError;

use super::Incidents;

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
    pub async fn follow(
        &self,
        txn: &DatabaseTransaction,
        event: WorkOrderChanged,
    ) -> Result<(), HandlerError> {
        // Orders of reports routed before incidents existed name none.
        let Some(id) = event.incident.strip_prefix("incidents/") else {
            return Ok(());
        };
        let open = match WorkOrderState::try_from(event.state) {
            Ok(WorkOrderState::Resolved | WorkOrderState::Closed | WorkOrderState::Cancelled) => {
                false
            }
            Ok(WorkOrderState::Unspecified) | Err(_) => {
                return Err(HandlerError::Permanent(format!(
                    "WorkOrderChanged of {} without a known state ({})",
                    event.work_order, event.state
                )));
            }
            Ok(_) => true,
        };
        self.incidents
            .order_changed(txn, id, open, event.version)
            .await?;
        Ok(())
    }
}
