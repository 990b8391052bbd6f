//! The events tracking consumes, a delivered batch at a time. Triage's decisions become
//! work orders, one per incident, in its department's queue; reporters' feedback closes
//! or reopens them. The orders the batch touches are read with a few statements before
//! it and written with a few after it.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use sea_orm::DatabaseTransaction;
use segnala_shared::messaging::{BatchHandler, Delivered, HandlerError};
use uuid::Uuid;

use super::{Ledger, held_orders::HeldOrders, operations::reopen};
use crate::domain::{
    Anonymization, CancelReason, Clock, Command, Feedback, Merge, NewWorkOrder, Priority,
    ReportEvent, ResolveWithin, Routing, WorkOrder, WorkOrderState,
};

/// Who the audit log names for changes triage asked for.
const TRIAGE: &str = "triage";
/// Who the audit log names for what reporters said.
const REPORTER: &str = "reporter";

/// Puts routed reports' incidents in their departments' queues and applies reporters'
/// feedback.
pub struct TrackingConsumer {
    ledger: Ledger,
    clock: Arc<dyn Clock>,
    resolve_within: ResolveWithin,
}

impl TrackingConsumer {
    pub fn new(ledger: Ledger, clock: Arc<dyn Clock>, resolve_within: ResolveWithin) -> Self {
        Self {
            ledger,
            clock,
            resolve_within,
        }
    }
}

#[async_trait]
impl BatchHandler for TrackingConsumer {
    type Item = Delivered<ReportEvent>;
    type Batch = HeldOrders;
    type Output = ();

    /// The orders of every report and incident the batch names, with one query each.
    async fn load(
        &self,
        txn: &DatabaseTransaction,
        events: &[Delivered<ReportEvent>],
    ) -> Result<HeldOrders, HandlerError> {
        let reports = events.iter().map(|(e, _)| e.report().to_owned()).collect();
        let incidents = events
            .iter()
            .filter_map(|(e, _)| e.incident().map(str::to_owned))
            .collect();
        Ok(HeldOrders::load(txn, self.ledger.clone(), reports, incidents).await?)
    }

    async fn apply(
        &self,
        _txn: &DatabaseTransaction,
        orders: &mut HeldOrders,
        (event, context): Delivered<ReportEvent>,
    ) -> Result<(), HandlerError> {
        // In the message's own span: what it announces continues its trace.
        context.span.in_scope(|| match event {
            ReportEvent::Routed(routing) => self.routed(orders, routing),
            ReportEvent::Merged(merge) => self.merged(orders, merge),
            ReportEvent::Feedback(feedback) => self.feedback(orders, feedback),
            ReportEvent::Anonymized(anonymization) => anonymized(orders, &anonymization),
        })
    }

    async fn flush(
        &self,
        txn: &DatabaseTransaction,
        orders: HeldOrders,
    ) -> Result<(), HandlerError> {
        orders.flush(txn).await
    }
}

/// The order of an anonymised report loses the personal data in its description; a
/// report without an order (rejected, or not routed yet) has nothing here to lose.
fn anonymized(orders: &mut HeldOrders, event: &Anonymization) -> Result<(), HandlerError> {
    match orders.of_report(&event.report) {
        Some((id, _)) => orders.redact_description(id, event.language),
        None => Ok(()),
    }
}

impl TrackingConsumer {
    /// A new incident gets a new order, a report that joins one follows its order, and
    /// a report routed again moves its order to the new department.
    fn routed(&self, orders: &mut HeldOrders, event: Routing) -> Result<(), HandlerError> {
        if event.report.is_empty() || event.department.is_empty() {
            return Err(HandlerError::Permanent(
                "ReportRouted without report or department".into(),
            ));
        }
        let now = self.clock.now();
        let priority = event.priority.unwrap_or(Priority::Normal);
        let due_at = self.due(&event, priority, now);
        match orders.of_report(&event.report) {
            Some((_, seen)) if event.version <= seen => {
                tracing::debug!(report = %event.report, version = event.version, "older routing ignored");
                Ok(())
            }
            Some((id, _)) => {
                let order = orders.get(id)?;
                let moved_incident = !event.incident.is_empty() && event.incident != order.incident;
                let rerouted = order.department != event.department
                    || order.category != event.category
                    || order.priority != priority;
                if moved_incident {
                    // Taken out of its incident: it follows the new incident's order.
                    detach(orders, id, &event.report, now)?;
                    return place(orders, &event, priority, due_at, now);
                }
                orders.link(&event.report, id, event.version);
                if rerouted {
                    orders.apply(id, reroute(&event, priority, due_at), TRIAGE, now)?;
                    tracing::info!(work_order = %id, department = %event.department, "work order rerouted");
                }
                Ok(())
            }
            None => place(orders, &event, priority, due_at, now),
        }
    }

    /// A report merged into an incident follows the incident's order.
    fn merged(&self, orders: &mut HeldOrders, event: Merge) -> Result<(), HandlerError> {
        if event.report.is_empty() || event.incident.is_empty() {
            return Err(HandlerError::Permanent(
                "ReportMerged without report or incident".into(),
            ));
        }
        let now = self.clock.now();
        let Some(target) = orders.of_incident(&event.incident) else {
            // The incident's own routing has not arrived yet; it will.
            return Err(HandlerError::Transient(format!(
                "no work order for {} yet",
                event.incident
            )));
        };
        match orders.of_report(&event.report) {
            Some((_, seen)) if event.version < seen => return Ok(()),
            Some((current, _)) if current == target => return Ok(()),
            Some((current, _)) => detach(orders, current, &event.report, now)?,
            None => {}
        }
        attach(
            orders,
            target,
            &event.report,
            event.version,
            event.priority,
            now,
        )?;
        tracing::info!(work_order = %target, report = %event.report, "report merged into work order");
        Ok(())
    }

    /// After resolution the reporters are asked whether it is really fixed. Every
    /// answer is recorded; "not fixed" reopens a resolved or closed order, "fixed"
    /// closes a resolved one. An answer about an earlier resolution than the order's
    /// latest, or one that comes after the order moved on, changes nothing else.
    fn feedback(&self, orders: &mut HeldOrders, event: Feedback) -> Result<(), HandlerError> {
        let Some(fixed) = event.fixed else {
            tracing::info!(report = %event.report, "feedback without a verdict; nothing to apply");
            return Ok(());
        };
        let Some(order) = orders
            .of_report(&event.report)
            .and_then(|(id, _)| orders.get(id).ok())
        else {
            tracing::info!(report = %event.report, "feedback on a report without a work order; nothing to do");
            return Ok(());
        };
        let now = self.clock.now();
        let stale = event
            .resolved_at
            .zip(order.resolved_at)
            .is_some_and(|(asked, latest)| latest > asked + Duration::seconds(1));
        let follow_up = match (fixed, order.state) {
            _ if stale => None,
            (false, WorkOrderState::Resolved | WorkOrderState::Closed) => Some(reopen(
                order,
                "a reporter says it is not fixed",
                now,
                &self.resolve_within,
            )),
            (true, WorkOrderState::Resolved) => Some(Command::Close),
            _ => None,
        };
        let (id, state) = (order.id, order.state);
        orders.apply(
            id,
            Command::Feedback {
                fixed,
                reason: event.reason,
            },
            REPORTER,
            now,
        )?;
        match follow_up {
            Some(command) => {
                let action = command.action();
                orders.apply(id, command, REPORTER, now)?;
                tracing::info!(work_order = %id, action, "reporter feedback applied");
            }
            None => {
                tracing::info!(work_order = %id, fixed, stale, state = state.as_str(), "reporter feedback recorded; the order stays as it is");
            }
        }
        Ok(())
    }

    fn due(&self, routing: &Routing, priority: Priority, now: DateTime<Utc>) -> DateTime<Utc> {
        let within = routing
            .resolve_within
            .unwrap_or_else(|| self.resolve_within.for_priority(priority));
        routing.routed_at.unwrap_or(now) + within
    }
}

/// Joins the routed report to its incident's order, or opens one.
fn place(
    orders: &mut HeldOrders,
    event: &Routing,
    priority: Priority,
    due_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), HandlerError> {
    if !event.incident.is_empty()
        && let Some(id) = orders.of_incident(&event.incident)
    {
        take_up_again(orders, id, event, priority, due_at, now)?;
        return attach(
            orders,
            id,
            &event.report,
            event.version,
            Some(priority),
            now,
        );
    }
    let new = NewWorkOrder {
        incident: event.incident.clone(),
        report: event.report.clone(),
        department: event.department.clone(),
        category: event.category.clone(),
        zone: event.zone.clone(),
        priority,
        description: event.description.clone(),
        location: event.location,
        address: event.address.clone(),
        due_at,
    };
    let order = WorkOrder::queued(new, now);
    tracing::info!(work_order = %order.id, department = %order.department, report = %event.report, "work order queued");
    orders.open(order, TRIAGE, event.version);
    Ok(())
}

/// An incident's order cancelled when its reports were merged into another incident,
/// whose incident an operator opened again (a report taken back out): the order takes
/// the work up again, in the department the report is routed to now.
fn take_up_again(
    orders: &mut HeldOrders,
    id: Uuid,
    event: &Routing,
    priority: Priority,
    due_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), HandlerError> {
    let order = orders.get(id)?;
    let emptied = order.state == WorkOrderState::Cancelled
        && order.cancel_reason == Some(CancelReason::Duplicate)
        && order.reports.is_empty();
    if !emptied {
        return Ok(());
    }
    let moved = order.department != event.department || order.category != event.category;
    let reopen = Command::Reopen {
        reason: "a report of its incident was taken out of the one it had joined".into(),
        due_at,
    };
    orders.apply(id, reopen, TRIAGE, now)?;
    if moved {
        orders.apply(id, reroute(event, priority, due_at), TRIAGE, now)?;
    }
    tracing::info!(work_order = %id, incident = %event.incident, "work order taken up again");
    Ok(())
}

/// Moves an order to where `event` routes its report.
fn reroute(event: &Routing, priority: Priority, due_at: DateTime<Utc>) -> Command {
    Command::Reroute {
        department: event.department.clone(),
        category: event.category.clone(),
        priority,
        due_at,
    }
}

/// Adds `report` to order `id`.
fn attach(
    orders: &mut HeldOrders,
    id: Uuid,
    report: &str,
    version: i64,
    priority: Option<Priority>,
    now: DateTime<Utc>,
) -> Result<(), HandlerError> {
    orders.link(report, id, version);
    let attach = Command::AttachReport {
        report: report.to_owned(),
        priority,
    };
    orders.apply(id, attach, TRIAGE, now)
}

/// Takes `report` out of order `id`; an order left without reports that nobody has
/// worked on yet is cancelled as a duplicate.
fn detach(
    orders: &mut HeldOrders,
    id: Uuid,
    report: &str,
    now: DateTime<Utc>,
) -> Result<(), HandlerError> {
    let detach = Command::DetachReport {
        report: report.to_owned(),
    };
    orders.apply(id, detach, TRIAGE, now)?;
    let order = orders.get(id)?;
    if order.reports.is_empty() && order.state.is_open() {
        let cancel = Command::Cancel {
            reason: CancelReason::Duplicate,
            public_note: None,
        };
        orders.apply(id, cancel, TRIAGE, now)?;
    }
    Ok(())
}
