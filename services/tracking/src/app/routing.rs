//! Triage's decisions become work orders: one per incident, in its department's queue.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, DatabaseTransaction};
use segnala_proto::triage::v1::{ReportMerged, ReportRouted};
use segnala_shared::{
    messaging::{EventContext, EventHandler, HandlerError},
    time::from_timestamp,
};
use uuid::Uuid;

use super::Ledger;
use crate::{
    domain::{
        CancelReason, Clock, Command, Location, NewWorkOrder, Priority, ResolveWithin, WorkOrder,
    },
    events::priority_from,
    store::WorkOrderStore,
};

/// Who the audit log names for changes triage asked for.
const TRIAGE: &str = "triage";

/// What routing handlers share: the ledger, the clock and the default due times.
#[derive(Clone)]
struct Routing {
    ledger: Ledger,
    clock: Arc<dyn Clock>,
    resolve_within: ResolveWithin,
    orders: WorkOrderStore,
}

impl Routing {
    fn new(ledger: Ledger, clock: Arc<dyn Clock>, resolve_within: ResolveWithin) -> Self {
        Self {
            ledger,
            clock,
            resolve_within,
            orders: WorkOrderStore,
        }
    }

    async fn apply<C: ConnectionTrait>(
        &self,
        txn: &C,
        order: &mut WorkOrder,
        command: Command,
    ) -> Result<(), HandlerError> {
        let now = self.clock.now();
        let read_version = order.version;
        let applied = order
            .apply(command, now)
            .map_err(|e| HandlerError::Permanent(format!("{}: {e}", order.name())))?;
        self.ledger
            .record(txn, order, read_version, TRIAGE, &applied, now)
            .await?;
        Ok(())
    }

    async fn locked<C: ConnectionTrait>(
        &self,
        txn: &C,
        id: Uuid,
    ) -> Result<WorkOrder, HandlerError> {
        self.orders
            .get_for_update(txn, id)
            .await?
            .ok_or_else(|| HandlerError::Permanent(format!("work order {id} vanished")))
    }

    /// Takes `report` out of `order`, read locked; an order left without reports that
    /// nobody has worked on yet is cancelled as a duplicate.
    async fn detach<C: ConnectionTrait>(
        &self,
        txn: &C,
        mut order: WorkOrder,
        report: &str,
    ) -> Result<(), HandlerError> {
        self.apply(
            txn,
            &mut order,
            Command::DetachReport {
                report: report.to_owned(),
            },
        )
        .await?;
        if order.reports.is_empty() && order.state.is_open() {
            let cancel = Command::Cancel {
                reason: CancelReason::Duplicate,
                public_note: None,
            };
            self.apply(txn, &mut order, cancel).await?;
        }
        Ok(())
    }

    /// Adds `report` to order `id`.
    async fn attach<C: ConnectionTrait>(
        &self,
        txn: &C,
        id: Uuid,
        report: &str,
        version: i64,
        priority: Option<Priority>,
    ) -> Result<(), HandlerError> {
        let mut order = self.locked(txn, id).await?;
        self.orders.link_report(txn, report, id, version).await?;
        let attach = Command::AttachReport {
            report: report.to_owned(),
            priority,
        };
        self.apply(txn, &mut order, attach).await
    }

    fn due(&self, routed: &ReportRouted, priority: Priority, now: DateTime<Utc>) -> DateTime<Utc> {
        let route_time = from_timestamp(routed.route_time.as_ref()).unwrap_or(now);
        let within = routed
            .resolve_within
            .as_ref()
            .filter(|d| d.seconds > 0 || d.nanos > 0)
            .map(|d| Duration::seconds(d.seconds) + Duration::nanoseconds(i64::from(d.nanos)))
            .unwrap_or_else(|| self.resolve_within.for_priority(priority));
        route_time + within
    }
}

/// Puts a routed report's incident in its department's queue: a new order for a new
/// incident, the incident's order for a report that joins it, and a move to another
/// department when triage routes the report again.
pub struct OpenWorkOrder {
    routing: Routing,
}

impl OpenWorkOrder {
    pub fn new(ledger: Ledger, clock: Arc<dyn Clock>, resolve_within: ResolveWithin) -> Self {
        Self {
            routing: Routing::new(ledger, clock, resolve_within),
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
        let routing = &self.routing;
        let now = routing.clock.now();
        let priority = priority_from(event.priority).unwrap_or(Priority::Normal);
        let due_at = routing.due(&event, priority, now);
        match routing.orders.of_report(txn, &event.report).await? {
            Some((_, seen)) if event.version <= seen => {
                tracing::debug!(report = %event.report, version = event.version, "older routing ignored");
                Ok(())
            }
            Some((id, _)) => {
                let order = routing.locked(txn, id).await?;
                let moved_incident = !event.incident.is_empty() && event.incident != order.incident;
                if moved_incident {
                    // Taken out of its incident: it follows the new incident's order.
                    routing.detach(txn, order, &event.report).await?;
                    return self.place(txn, &event, priority, due_at, now).await;
                }
                routing
                    .orders
                    .link_report(txn, &event.report, id, event.version)
                    .await?;
                let mut order = order;
                if order.department != event.department
                    || order.category != event.category
                    || order.priority != priority
                {
                    let reroute = Command::Reroute {
                        department: event.department.clone(),
                        category: event.category.clone(),
                        priority,
                        due_at,
                    };
                    routing.apply(txn, &mut order, reroute).await?;
                    tracing::info!(work_order = %id, department = %event.department, "work order rerouted");
                }
                Ok(())
            }
            None => self.place(txn, &event, priority, due_at, now).await,
        }
    }
}

impl OpenWorkOrder {
    /// Joins the report to its incident's order, or opens one.
    async fn place(
        &self,
        txn: &DatabaseTransaction,
        event: &ReportRouted,
        priority: Priority,
        due_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), HandlerError> {
        let routing = &self.routing;
        if !event.incident.is_empty()
            && let Some(id) = routing.orders.of_incident(txn, &event.incident).await?
        {
            return routing
                .attach(txn, id, &event.report, event.version, Some(priority))
                .await;
        }
        let new = NewWorkOrder {
            incident: event.incident.clone(),
            report: event.report.clone(),
            department: event.department.clone(),
            category: event.category.clone(),
            zone: event.zone.clone(),
            priority,
            description: event.description.clone(),
            location: event.location.map(|l| Location {
                latitude: l.latitude,
                longitude: l.longitude,
            }),
            address: event.address.clone(),
            due_at,
        };
        let mut order = WorkOrder::queued(new, now);
        routing
            .ledger
            .open(txn, &mut order, TRIAGE, event.version)
            .await?;
        tracing::info!(work_order = %order.id, department = %order.department, report = %event.report, "work order queued");
        Ok(())
    }
}

/// A report merged into an incident follows the incident's order.
pub struct AttachMergedReport {
    routing: Routing,
}

impl AttachMergedReport {
    pub fn new(ledger: Ledger, clock: Arc<dyn Clock>, resolve_within: ResolveWithin) -> Self {
        Self {
            routing: Routing::new(ledger, clock, resolve_within),
        }
    }
}

#[async_trait]
impl EventHandler<ReportMerged> for AttachMergedReport {
    async fn handle(
        &self,
        txn: &DatabaseTransaction,
        event: ReportMerged,
        _: &EventContext,
    ) -> Result<(), HandlerError> {
        if event.report.is_empty() || event.incident.is_empty() {
            return Err(HandlerError::Permanent(
                "ReportMerged without report or incident".into(),
            ));
        }
        let routing = &self.routing;
        let Some(target) = routing.orders.of_incident(txn, &event.incident).await? else {
            // The incident's own routing has not arrived yet; it will.
            return Err(HandlerError::Transient(format!(
                "no work order for {} yet",
                event.incident
            )));
        };
        match routing.orders.of_report(txn, &event.report).await? {
            Some((_, seen)) if event.version < seen => return Ok(()),
            Some((current, _)) if current == target => return Ok(()),
            Some((current, _)) => {
                let order = routing.locked(txn, current).await?;
                routing.detach(txn, order, &event.report).await?;
            }
            None => {}
        }
        routing
            .attach(
                txn,
                target,
                &event.report,
                event.version,
                priority_from(event.priority),
            )
            .await?;
        tracing::info!(work_order = %target, report = %event.report, "report merged into work order");
        Ok(())
    }
}
