//! The events triage consumes, a delivered batch at a time: the work orders' changes are
//! applied with one statement, the received reports' earlier decisions read with one
//! query, the incidents they may join locked with one, and their new decisions and
//! announcements written with one statement each.

use async_trait::async_trait;
use sea_orm::DatabaseTransaction;
use segnala_proto::{intake::v1::ReportReceived, tracking::v1::WorkOrderChanged};
use segnala_shared::messaging::{BatchHandler, EventContext, HandlerError};

use super::{FollowWorkOrders, RouteReport};

segnala_shared::consumed_events! {
    /// An event triage consumes.
    pub enum TriageEvent {
        Received(ReportReceived),
        WorkOrderChanged(WorkOrderChanged),
    }
}

/// Routes received reports and follows the work orders of incidents.
pub struct TriageConsumer {
    route: RouteReport,
    follow: FollowWorkOrders,
}

impl TriageConsumer {
    pub fn new(route: RouteReport, follow: FollowWorkOrders) -> Self {
        Self { route, follow }
    }
}

#[async_trait]
impl BatchHandler for TriageConsumer {
    type Event = TriageEvent;

    async fn handle_batch(
        &self,
        txn: &DatabaseTransaction,
        events: Vec<(TriageEvent, EventContext)>,
    ) -> Result<(), HandlerError> {
        // Reports come from intake and order changes from tracking: nothing orders one
        // kind against the other, so the batch's order changes are applied first, all
        // together, and its reports then meet incidents as they now are.
        let mut received = Vec::new();
        let mut orders = Vec::new();
        for (event, context) in events {
            match event {
                TriageEvent::Received(report) => received.push((report, context)),
                TriageEvent::WorkOrderChanged(order) => orders.push(order),
            }
        }
        self.follow.follow(txn, orders).await?;
        let codes = received
            .iter()
            .map(|(report, _)| report.tracking_code.clone())
            .collect();
        let mut decided = self.route.begin(txn, codes).await?;
        for (report, context) in received {
            // In the message's own span: what it announces continues its trace.
            context
                .span
                .in_scope(|| self.route.route(report, &mut decided))?;
        }
        self.route.finish(txn, decided).await
    }
}
