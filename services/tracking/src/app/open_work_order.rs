use async_trait::async_trait;
use chrono::Utc;
use sea_orm::DatabaseTransaction;
use segnala_proto::{common::v1 as common, triage::v1::ReportRouted};
use segnala_shared::messaging::{EventContext, EventHandler, HandlerError, Outbox};
use uuid::Uuid;

use crate::{
    domain::{Location, Priority, WorkOrder, WorkOrderState},
    events,
    store::WorkOrderStore,
};

/// Puts a routed report into its department's queue as a work order.
pub struct OpenWorkOrder {
    outbox: Outbox,
    store: WorkOrderStore,
}

impl OpenWorkOrder {
    pub fn new(outbox: Outbox) -> Self {
        Self {
            outbox,
            store: WorkOrderStore,
        }
    }
}

#[async_trait]
impl EventHandler<ReportRouted> for OpenWorkOrder {
    async fn handle(
        &self,
        txn: &DatabaseTransaction,
        event: ReportRouted,
        _: &EventContext,
    ) -> Result<(), HandlerError> {
        if event.report.is_empty() || event.department.is_empty() {
            return Err(HandlerError::Permanent(
                "ReportRouted without report or department".into(),
            ));
        }
        if self.store.of_report(txn, &event.report).await?.is_some() {
            // The report already has an order; routing it again is a later feature.
            return Ok(());
        }
        let now = Utc::now();
        let order = WorkOrder {
            id: Uuid::now_v7(),
            reports: vec![event.report.clone()],
            department: event.department,
            category: event.category,
            state: WorkOrderState::Queued,
            priority: priority(event.priority),
            description: event.description,
            location: event.location.map(|l| Location {
                latitude: l.latitude,
                longitude: l.longitude,
            }),
            address: event.address,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        self.store.insert(txn, &order).await?;
        self.outbox
            .record(txn, &events::work_order_changed(&order, None))
            .await?;
        tracing::info!(work_order = %order.id, department = %order.department, report = %event.report, "work order queued");
        Ok(())
    }
}

fn priority(value: i32) -> Priority {
    match common::Priority::try_from(value) {
        Ok(common::Priority::Low) => Priority::Low,
        Ok(common::Priority::High) => Priority::High,
        Ok(common::Priority::Critical) => Priority::Critical,
        _ => Priority::Normal,
    }
}
