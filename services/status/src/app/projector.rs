//! The event edge of status: turns the events it consumes into facts about reports,
//! keeps each report's public status, and announces every public change.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::DatabaseTransaction;
use segnala_proto::{
    common::v1::Channel,
    intake::v1::ReportReceived,
    status::v1::ReportStatusChanged,
    tracking::v1::{WorkOrderChanged, WorkOrderState},
    triage::v1::{ReportMerged, ReportNeedsReview, ReportRejected, ReportRouted},
};
use segnala_shared::{
    messaging::{EventContext, EventHandler, HandlerError, Outbox},
    time::{from_timestamp, to_timestamp},
    tracking_code::{TrackingCode, parse_report_name},
};

use super::{StatusNotice, StatusWatch, Subscriptions};
use crate::{
    convert,
    domain::{
        Change, Merged, PublicState, Received, Routed, StatusRecord, StepKind, TriageHold,
        WorkOrderUpdate,
    },
    store::StatusStore,
};

/// Keeps the public status of each report up to date.
#[derive(Clone)]
pub struct Projector {
    store: StatusStore,
    outbox: Outbox,
    watch: StatusWatch,
    subscriptions: Subscriptions,
    /// Where the public pages live, without a trailing slash.
    public_url: String,
}

impl Projector {
    pub fn new(
        outbox: Outbox,
        watch: StatusWatch,
        subscriptions: Subscriptions,
        public_url: &str,
    ) -> Self {
        Self {
            store: StatusStore,
            outbox,
            watch,
            subscriptions,
            public_url: public_url.trim_end_matches('/').to_owned(),
        }
    }

    async fn record(
        &self,
        txn: &DatabaseTransaction,
        code: &TrackingCode,
        at: DateTime<Utc>,
    ) -> Result<StatusRecord, HandlerError> {
        Ok(self
            .store
            .record(txn, code.as_str())
            .await?
            .unwrap_or_else(|| StatusRecord::new(code.as_str(), at)))
    }

    /// Loads the report's status, applies one fact to it, and keeps what changed.
    async fn apply(
        &self,
        txn: &DatabaseTransaction,
        context: &EventContext,
        code: &TrackingCode,
        at: DateTime<Utc>,
        fact: impl FnOnce(&mut StatusRecord) -> Option<Change>,
    ) -> Result<(), HandlerError> {
        let mut record = self.record(txn, code, at).await?;
        let Some(change) = fact(&mut record) else {
            return Ok(());
        };
        self.keep(txn, context, &record, &change).await
    }

    async fn keep(
        &self,
        txn: &DatabaseTransaction,
        context: &EventContext,
        record: &StatusRecord,
        change: &Change,
    ) -> Result<(), HandlerError> {
        let code = &record.status.tracking_code;
        self.store.save(txn, record).await?;
        if !change.quiet {
            self.store
                .add_entry(txn, code, context.message_id, &change.entry)
                .await?;
            self.subscriptions
                .announce(txn, &record.status, change)
                .await?;
        }
        if change.is_news() {
            self.outbox
                .record(txn, &self.status_changed(record, change))
                .await?;
        }
        self.watch.notify(StatusNotice {
            tracking_code: code.clone(),
            version: record.status.version,
        });
        Ok(())
    }

    fn status_changed(&self, record: &StatusRecord, change: &Change) -> ReportStatusChanged {
        let status = &record.status;
        let message = if change.entry.note.is_empty() {
            status.reason.clone().unwrap_or_default()
        } else {
            change.entry.note.clone()
        };
        ReportStatusChanged {
            report: format!("reports/{}", status.tracking_code),
            tracking_code: status.tracking_code.clone(),
            state: convert::state(status.state) as i32,
            previous_state: change
                .previous_state
                .map_or(0, |state| convert::state(state) as i32),
            department: status.department.clone().unwrap_or_default(),
            message,
            expected_time: status.expected_at.map(to_timestamp),
            duplicate_of: status
                .duplicate_of
                .as_ref()
                .map(|code| format!("reports/{code}"))
                .unwrap_or_default(),
            status_url: format!("{}/r/{}", self.public_url, status.tracking_code),
            channel: status
                .channel
                .as_deref()
                .map_or(0, |name| convert::channel(name) as i32),
            change_time: Some(to_timestamp(change.entry.time)),
            version: status.version,
        }
    }
}

fn code_of(text: &str) -> Result<TrackingCode, HandlerError> {
    TrackingCode::parse(text)
        .map_err(|e| HandlerError::Permanent(format!("tracking code `{text}`: {e}")))
}

fn time_of(timestamp: Option<&prost_types::Timestamp>, context: &EventContext) -> DateTime<Utc> {
    from_timestamp(timestamp).unwrap_or(context.occurred_at)
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
        let at = time_of(event.receive_time.as_ref(), context);
        let channel = Channel::try_from(event.channel)
            .ok()
            .and_then(convert::channel_name);
        let fact = Received {
            at,
            version: event.version,
            service_code: event.service_code,
            description: event.description,
            channel,
            location: event.location.map(|l| (l.latitude, l.longitude)),
        };
        self.apply(txn, context, &code, at, |r| r.apply_received(fact))
            .await
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
        let at = time_of(event.route_time.as_ref(), context);
        let fact = Routed {
            at,
            version: event.version,
            department: event.department,
            category: event.category,
            service_code: event.service_code,
            zone: event.zone,
            incident: event.incident,
        };
        self.apply(txn, context, &code, at, |r| r.apply_routed(fact))
            .await
    }
}

#[async_trait]
impl EventHandler<ReportMerged> for Projector {
    async fn handle(
        &self,
        txn: &DatabaseTransaction,
        event: ReportMerged,
        context: &EventContext,
    ) -> Result<(), HandlerError> {
        let code = code_of(&event.tracking_code)?;
        let at = time_of(event.merge_time.as_ref(), context);
        let duplicate_of = if event.duplicate_of.is_empty() {
            String::new()
        } else {
            parse_report_name(&event.duplicate_of)
                .map_err(|e| {
                    HandlerError::Permanent(format!("duplicate_of `{}`: {e}", event.duplicate_of))
                })?
                .to_string()
        };
        let sibling = self
            .store
            .report_with_order(txn, &event.incident, code.as_str())
            .await?;
        let fact = Merged {
            at,
            version: event.version,
            incident: event.incident,
            duplicate_of,
            department: event.department,
            category: event.category,
        };
        self.apply(txn, context, &code, at, |r| {
            r.apply_merged(fact, sibling.as_ref())
        })
        .await
    }
}

#[async_trait]
impl EventHandler<ReportNeedsReview> for Projector {
    async fn handle(
        &self,
        txn: &DatabaseTransaction,
        event: ReportNeedsReview,
        context: &EventContext,
    ) -> Result<(), HandlerError> {
        let code = code_of(&event.tracking_code)?;
        let at = time_of(event.review_time.as_ref(), context);
        let fact = TriageHold {
            at,
            version: event.version,
            rejected: false,
            reason: event.reason,
        };
        self.apply(txn, context, &code, at, |r| r.apply_triage_hold(fact))
            .await
    }
}

#[async_trait]
impl EventHandler<ReportRejected> for Projector {
    async fn handle(
        &self,
        txn: &DatabaseTransaction,
        event: ReportRejected,
        context: &EventContext,
    ) -> Result<(), HandlerError> {
        let code = code_of(&event.tracking_code)?;
        let at = time_of(event.reject_time.as_ref(), context);
        let fact = TriageHold {
            at,
            version: event.version,
            rejected: true,
            reason: event.message,
        };
        self.apply(txn, context, &code, at, |r| r.apply_triage_hold(fact))
            .await
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
        let Some((step, state)) = public_step(order_state) else {
            return Err(HandlerError::Permanent(format!(
                "work order state {} is not known",
                event.state
            )));
        };
        let at = time_of(event.change_time.as_ref(), context);
        let mut listed = Vec::with_capacity(event.reports.len());
        for report in &event.reports {
            let code = parse_report_name(report)
                .map_err(|e| HandlerError::Permanent(format!("report `{report}`: {e}")))?;
            listed.push(code.to_string());
        }
        // Every report of the incident follows its order, also those the event does
        // not list because they joined after it was written.
        let mut records: BTreeMap<String, StatusRecord> = self
            .store
            .records_of_order(txn, &listed, &event.incident)
            .await?
            .into_iter()
            .map(|record| (record.status.tracking_code.clone(), record))
            .collect();
        for code in listed {
            records
                .entry(code)
                .or_insert_with_key(|code| StatusRecord::new(code, at));
        }
        let update = WorkOrderUpdate {
            at,
            work_order: event.work_order,
            version: event.version,
            step,
            state,
            department: event.department,
            category: event.category,
            zone: event.zone,
            incident: event.incident,
            expected_at: from_timestamp(event.expected_time.as_ref()),
            public_note: event.public_note,
            reason: event.reason,
            state_changed: event.state != event.previous_state,
        };
        for record in records.values_mut() {
            if let Some(change) = record.apply_work_order(update.clone()) {
                self.keep(txn, context, record, &change).await?;
            }
        }
        Ok(())
    }
}

/// What a work order's state means to the public.
fn public_step(state: WorkOrderState) -> Option<(StepKind, PublicState)> {
    Some(match state {
        WorkOrderState::Queued => (StepKind::WorkQueued, PublicState::Assigned),
        WorkOrderState::Reopened => (StepKind::Reopened, PublicState::Assigned),
        WorkOrderState::Claimed => (StepKind::CrewClaimed, PublicState::InProgress),
        WorkOrderState::InProgress => (StepKind::WorkStarted, PublicState::InProgress),
        WorkOrderState::OnHold => (StepKind::OnHold, PublicState::InProgress),
        WorkOrderState::Resolved => (StepKind::WorkResolved, PublicState::Resolved),
        WorkOrderState::Closed => (StepKind::WorkClosed, PublicState::Closed),
        WorkOrderState::Cancelled => (StepKind::WorkCancelled, PublicState::Rejected),
        WorkOrderState::Unspecified => return None,
    })
}
