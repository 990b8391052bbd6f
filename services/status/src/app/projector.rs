use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::DatabaseTransaction;
use segnala_proto::{
    intake::v1::ReportReceived,
    tracking::v1::{WorkOrderChanged, WorkOrderState},
    triage::v1::ReportRouted,
};
use segnala_shared::{
    messaging::{EventContext, EventHandler, HandlerError},
    time::from_timestamp,
    tracking_code::{TrackingCode, parse_report_name},
};

use crate::{
    domain::{PublicState, TimelineEntry},
    store::{StatusRow, StatusStore},
};

/// Keeps the public status of each report up to date. Events may arrive in any order:
/// each kind of fact carries its own version and an older one never overwrites a
/// newer one.
#[derive(Clone, Copy, Debug, Default)]
pub struct Projector {
    store: StatusStore,
}

impl Projector {
    async fn row(
        &self,
        txn: &DatabaseTransaction,
        code: &TrackingCode,
        at: DateTime<Utc>,
    ) -> Result<StatusRow, HandlerError> {
        Ok(self
            .store
            .row(txn, code.as_str())
            .await?
            .unwrap_or_else(|| StatusRow::new(code.as_str(), PublicState::Received, at)))
    }

    async fn record(
        &self,
        txn: &DatabaseTransaction,
        row: &StatusRow,
        context: &EventContext,
        entry: TimelineEntry,
    ) -> Result<(), HandlerError> {
        self.store.save(txn, row).await?;
        self.store
            .add_entry(txn, &row.tracking_code, context.message_id, &entry)
            .await?;
        Ok(())
    }
}

fn code_of(text: &str) -> Result<TrackingCode, HandlerError> {
    TrackingCode::parse(text)
        .map_err(|e| HandlerError::Permanent(format!("tracking code `{text}`: {e}")))
}

#[async_trait]
impl EventHandler<ReportReceived> for Projector {
    async fn handle(
        &self,
        txn: &DatabaseTransaction,
        event: ReportReceived,
        context: &EventContext,
    ) -> Result<(), HandlerError> {
        let code = code_of(&event.tracking_code)?;
        let received_at =
            from_timestamp(event.receive_time.as_ref()).unwrap_or(context.occurred_at);
        let mut row = self.row(txn, &code, received_at).await?;
        // A later event may have created the row first; keep its state, fix the date.
        row.created_at = row.created_at.min(received_at);
        let entry = TimelineEntry {
            time: received_at,
            state: PublicState::Received,
            message: "Report received".into(),
        };
        self.record(txn, &row, context, entry).await
    }
}

#[async_trait]
impl EventHandler<ReportRouted> for Projector {
    async fn handle(
        &self,
        txn: &DatabaseTransaction,
        event: ReportRouted,
        context: &EventContext,
    ) -> Result<(), HandlerError> {
        let code = code_of(&event.tracking_code)?;
        let at = from_timestamp(event.route_time.as_ref()).unwrap_or(context.occurred_at);
        let mut row = self.row(txn, &code, at).await?;
        if event.version <= row.routing_version {
            return Ok(());
        }
        row.routing_version = event.version;
        row.department = Some(event.department.clone());
        row.category = (!event.category.is_empty()).then_some(event.category);
        row.updated_at = row.updated_at.max(at);
        let entry = TimelineEntry {
            time: at,
            state: row.state,
            message: format!("Sent to the {} department", event.department),
        };
        self.record(txn, &row, context, entry).await
    }
}

#[async_trait]
impl EventHandler<WorkOrderChanged> for Projector {
    async fn handle(
        &self,
        txn: &DatabaseTransaction,
        event: WorkOrderChanged,
        context: &EventContext,
    ) -> Result<(), HandlerError> {
        let order_state =
            WorkOrderState::try_from(event.state).unwrap_or(WorkOrderState::Unspecified);
        let Some((state, message)) = public_state(order_state) else {
            return Err(HandlerError::Permanent(format!(
                "work order state {} is not known",
                event.state
            )));
        };
        let at = from_timestamp(event.change_time.as_ref()).unwrap_or(context.occurred_at);
        for report in &event.reports {
            let code = parse_report_name(report)
                .map_err(|e| HandlerError::Permanent(format!("report `{report}`: {e}")))?;
            let mut row = self.row(txn, &code, at).await?;
            let same_order = row.work_order.as_deref() == Some(event.work_order.as_str());
            if same_order && event.version <= row.work_order_version {
                continue;
            }
            row.work_order = Some(event.work_order.clone());
            row.work_order_version = event.version;
            row.state = state;
            // The order's queue is where the report is now, even if the routing event
            // that said so has not arrived yet.
            if !event.department.is_empty() {
                row.department = Some(event.department.clone());
            }
            row.updated_at = row.updated_at.max(at);
            let entry = TimelineEntry {
                time: at,
                state,
                message: message.to_owned(),
            };
            self.record(txn, &row, context, entry).await?;
        }
        Ok(())
    }
}

/// What a work order's state means to the public, and how the timeline says it.
fn public_state(state: WorkOrderState) -> Option<(PublicState, &'static str)> {
    Some(match state {
        WorkOrderState::Queued => (PublicState::Assigned, "In the department's work queue"),
        WorkOrderState::Reopened => (PublicState::Assigned, "Reopened: back in the work queue"),
        WorkOrderState::Claimed => (PublicState::InProgress, "A crew has taken the job"),
        WorkOrderState::InProgress => (PublicState::InProgress, "Work in progress"),
        WorkOrderState::OnHold => (PublicState::InProgress, "Work on hold"),
        WorkOrderState::Resolved => (PublicState::Resolved, "Resolved"),
        WorkOrderState::Closed => (PublicState::Closed, "Closed"),
        WorkOrderState::Cancelled => (PublicState::Rejected, "Cancelled"),
        WorkOrderState::Unspecified => return None,
    })
}
