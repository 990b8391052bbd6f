//! The events triage consumes, a delivered batch at a time: the work orders' changes are
//! applied with one statement, the received reports' earlier decisions read with one
//! query, the incidents they may join locked with one, and their new decisions and
//! announcements written with one statement each. Reports intake anonymised lose the
//! personal data in triage's copies of their text last, after the batch's decisions.

use async_trait::async_trait;
use sea_orm::DatabaseTransaction;
use segnala_proto::tracking::v1::WorkOrderChanged;
use segnala_shared::messaging::{BatchHandler, Delivered, HandlerError};

use super::{
    Decided, FollowWorkOrders, RouteReport,
    anonymize::{AnonymizedReport, anonymize},
};
use crate::domain::ReceivedReport;

/// An event triage consumes (`events` reads them off the bus).
pub enum TriageEvent {
    Received(ReceivedReport),
    WorkOrderChanged(WorkOrderChanged),
    Anonymized(AnonymizedReport),
}

/// What a batch decided, and the reports it anonymises once the decisions are written.
pub struct TriageBatch {
    decided: Decided,
    anonymized: Vec<AnonymizedReport>,
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
    type Item = Delivered<TriageEvent>;
    type Batch = TriageBatch;
    type Output = ();

    /// Reports come from intake and order changes from tracking: nothing orders one
    /// kind against the other, so the batch's order changes are applied first, all
    /// together, and its reports then meet incidents as they now are.
    async fn load(
        &self,
        txn: &DatabaseTransaction,
        events: &[Delivered<TriageEvent>],
    ) -> Result<TriageBatch, HandlerError> {
        let mut codes = Vec::new();
        let mut orders = Vec::new();
        for (event, _) in events {
            match event {
                TriageEvent::Received(report) => codes.push(report.tracking_code.clone()),
                TriageEvent::WorkOrderChanged(order) => orders.push(order.clone()),
                TriageEvent::Anonymized(_) => {}
            }
        }
        self.follow.follow(txn, orders).await?;
        Ok(TriageBatch {
            decided: self.route.begin(txn, codes).await?,
            anonymized: Vec::new(),
        })
    }

    async fn apply(
        &self,
        _txn: &DatabaseTransaction,
        batch: &mut TriageBatch,
        (event, context): Delivered<TriageEvent>,
    ) -> Result<(), HandlerError> {
        match event {
            // In the message's own span: what it announces continues its trace.
            TriageEvent::Received(report) => context
                .span
                .in_scope(|| self.route.route(report, &mut batch.decided)),
            // Applied with the others when the batch was loaded.
            TriageEvent::WorkOrderChanged(_) => Ok(()),
            TriageEvent::Anonymized(report) => {
                batch.anonymized.push(report);
                Ok(())
            }
        }
    }

    async fn flush(
        &self,
        txn: &DatabaseTransaction,
        batch: TriageBatch,
    ) -> Result<(), HandlerError> {
        self.route.finish(txn, batch.decided).await?;
        anonymize(txn, &batch.anonymized).await?;
        Ok(())
    }
}
