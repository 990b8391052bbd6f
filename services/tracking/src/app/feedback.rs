use std::sync::Arc;

use async_trait::async_trait;
use sea_orm::DatabaseTransaction;
use segnala_proto::intake::v1::ReporterFeedback;
use segnala_shared::messaging::{EventContext, EventHandler, HandlerError};

use super::{Ledger, operations::reopen};
use crate::{
    domain::{Clock, Command, ResolveWithin, WorkOrderState},
    store::WorkOrderStore,
};

/// After resolution the reporters are asked whether it is really fixed: "not fixed"
/// reopens the order, "fixed" closes it.
pub struct ReopenWhenNotFixed {
    ledger: Ledger,
    clock: Arc<dyn Clock>,
    resolve_within: ResolveWithin,
    orders: WorkOrderStore,
}

impl ReopenWhenNotFixed {
    pub fn new(ledger: Ledger, clock: Arc<dyn Clock>, resolve_within: ResolveWithin) -> Self {
        Self {
            ledger,
            clock,
            resolve_within,
            orders: WorkOrderStore,
        }
    }
}

#[async_trait]
impl EventHandler<ReporterFeedback> for ReopenWhenNotFixed {
    async fn handle(
        &self,
        txn: &DatabaseTransaction,
        event: ReporterFeedback,
        _: &EventContext,
    ) -> Result<(), HandlerError> {
        let Some((id, _)) = self.orders.of_report(txn, &event.report).await? else {
            tracing::info!(report = %event.report, "feedback on a report without a work order; nothing to do");
            return Ok(());
        };
        let Some(mut order) = self.orders.get_for_update(txn, id).await? else {
            return Ok(());
        };
        let now = self.clock.now();
        let command = match (event.fixed, order.state) {
            (false, WorkOrderState::Resolved | WorkOrderState::Closed) => reopen(
                &order,
                "a reporter says it is not fixed",
                now,
                &self.resolve_within,
            ),
            (true, WorkOrderState::Resolved) => Command::Close,
            (fixed, state) => {
                tracing::info!(work_order = %id, fixed, state = state.as_str(), "feedback does not change the order");
                return Ok(());
            }
        };
        let read_version = order.version;
        let applied = order
            .apply(command, now)
            .map_err(|e| HandlerError::Permanent(e.to_string()))?;
        self.ledger
            .record(txn, &mut order, read_version, "reporter", &applied, now)
            .await?;
        tracing::info!(work_order = %id, action = applied.action, "reporter feedback applied");
        Ok(())
    }
}
