//! The events triage consumes, a delivered batch at a time: the received reports' earlier
//! decisions are read with one query, and their new decisions and announcements written
//! with one statement each.

use async_trait::async_trait;
use sea_orm::DatabaseTransaction;
use segnala_proto::{intake::v1::ReportReceived, tracking::v1::WorkOrderChanged};
use segnala_shared::messaging::{BatchHandler, EventContext, HandlerError};
use tracing::Instrument;

use super::{FollowWorkOrders, RouteReport};

/// An event triage consumes.
pub enum TriageEvent {
    Received(ReportReceived),
    WorkOrderChanged(WorkOrderChanged),
}

impl From<ReportReceived> for TriageEvent {
    fn from(event: ReportReceived) -> Self {
        Self::Received(event)
    }
}

impl From<WorkOrderChanged> for TriageEvent {
    fn from(event: WorkOrderChanged) -> Self {
        Self::WorkOrderChanged(event)
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
        let received = events
            .iter()
            .filter_map(|(event, _)| match event {
                TriageEvent::Received(report) => Some(report.tracking_code.clone()),
                TriageEvent::WorkOrderChanged(_) => None,
            })
            .collect();
        let mut decided = self.route.begin(txn, received).await?;
        for (event, context) in events {
            // In the message's own span: what it announces continues its trace.
            match event {
                TriageEvent::Received(report) => {
                    self.route
                        .route(txn, report, &mut decided)
                        .instrument(context.span)
                        .await?
                }
                TriageEvent::WorkOrderChanged(order) => {
                    self.follow
                        .follow(txn, order)
                        .instrument(context.span)
                        .await?
                }
            }
        }
        self.route.finish(txn, decided).await
    }
}
