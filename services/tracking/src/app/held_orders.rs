//! The work orders a batch of events touches, held in memory: read and locked with a few
//! statements before the batch, changed in memory by each event in turn, and written
//! with a few statements after it. A later event of the batch sees what earlier ones did.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr};
use segnala_shared::{lang::Lang, messaging::HandlerError, redaction::redact_text};
use uuid::Uuid;

use super::{
    Ledger,
    ledger::{CONCURRENT_CHANGE, Entries},
};
use crate::{
    domain::{Command, WorkOrder},
    store::{ReportLink, WorkOrderStore},
};

/// An order as the batch left it so far.
struct Held {
    order: WorkOrder,
    /// The version read from the database; `None` for an order opened in this batch.
    read_version: Option<i64>,
    changed: bool,
}

pub struct HeldOrders {
    ledger: Ledger,
    store: WorkOrderStore,
    orders: HashMap<Uuid, Held>,
    /// Ids in the order the batch opened or first changed them: the order they are written in.
    touched: Vec<Uuid>,
    of_report: HashMap<String, ReportLink>,
    of_incident: HashMap<String, Uuid>,
    /// Reports whose link the batch changed.
    relinked: HashSet<String>,
    /// Orders whose description lost personal data.
    redacted: Vec<Uuid>,
    entries: Entries,
}

impl HeldOrders {
    /// Reads the orders of `reports` and `incidents`, locked until the transaction ends.
    pub async fn load<C: ConnectionTrait>(
        db: &C,
        ledger: Ledger,
        reports: Vec<String>,
        incidents: Vec<String>,
    ) -> Result<Self, DbErr> {
        let store = WorkOrderStore;
        let of_report: HashMap<String, ReportLink> = store
            .of_reports(db, reports)
            .await?
            .into_iter()
            .map(|link| (link.report.clone(), link))
            .collect();
        let of_incident: HashMap<String, Uuid> = store
            .of_incidents(db, incidents)
            .await?
            .into_iter()
            .collect();
        let ids: HashSet<Uuid> = of_report
            .values()
            .map(|link| link.work_order_id)
            .chain(of_incident.values().copied())
            .collect();
        let orders = store
            .get_all_for_update(db, ids.into_iter().collect())
            .await?
            .into_iter()
            .map(|order| {
                let held = Held {
                    read_version: Some(order.version),
                    order,
                    changed: false,
                };
                (held.order.id, held)
            })
            .collect();
        Ok(Self {
            ledger,
            store,
            orders,
            touched: Vec::new(),
            of_report,
            of_incident,
            relinked: HashSet::new(),
            redacted: Vec::new(),
            entries: Entries::default(),
        })
    }

    /// The order `report` belongs to and the routing version that put it there.
    pub fn of_report(&self, report: &str) -> Option<(Uuid, i64)> {
        self.of_report
            .get(report)
            .map(|link| (link.work_order_id, link.route_version))
    }

    pub fn of_incident(&self, incident: &str) -> Option<Uuid> {
        self.of_incident.get(incident).copied()
    }

    /// Order `id`; an error if it is gone although a link names it.
    pub fn get(&self, id: Uuid) -> Result<&WorkOrder, HandlerError> {
        self.orders
            .get(&id)
            .map(|held| &held.order)
            .ok_or_else(|| vanished(id))
    }

    /// Applies `command` to order `id` on behalf of `actor`.
    pub fn apply(
        &mut self,
        id: Uuid,
        command: Command,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<(), HandlerError> {
        let held = self.orders.get_mut(&id).ok_or_else(|| vanished(id))?;
        let applied = held
            .order
            .apply(command, now)
            .map_err(|e| HandlerError::Permanent(format!("{}: {e}", held.order.name())))?;
        self.ledger
            .changed(&mut held.order, actor, &applied, now, &mut self.entries);
        if !held.changed {
            held.changed = true;
            self.touched.push(id);
        }
        Ok(())
    }

    /// Removes the personal data from order `id`'s description, read as `language`.
    /// Not a change of the work: no version, no audit entry.
    pub fn redact_description(
        &mut self,
        id: Uuid,
        language: Option<Lang>,
    ) -> Result<(), HandlerError> {
        let held = self.orders.get_mut(&id).ok_or_else(|| vanished(id))?;
        held.order.description = redact_text(&held.order.description, language);
        if !self.redacted.contains(&id) {
            self.redacted.push(id);
        }
        Ok(())
    }

    /// Opens `order` with its reports at routing version `route_version`.
    pub fn open(&mut self, mut order: WorkOrder, actor: &str, route_version: i64) {
        self.ledger.opened(&mut order, actor, &mut self.entries);
        for report in &order.reports {
            self.link(report, order.id, route_version);
        }
        if !order.incident.is_empty() {
            self.of_incident.insert(order.incident.clone(), order.id);
        }
        self.touched.push(order.id);
        let held = Held {
            order,
            read_version: None,
            changed: true,
        };
        self.orders.insert(held.order.id, held);
    }

    /// Makes `report` part of order `id` at routing version `route_version`.
    pub fn link(&mut self, report: &str, id: Uuid, route_version: i64) {
        let link = ReportLink {
            report: report.to_owned(),
            work_order_id: id,
            route_version,
        };
        self.of_report.insert(report.to_owned(), link);
        self.relinked.insert(report.to_owned());
    }

    /// Writes what the batch did: new orders, changed orders, links, then the audit log,
    /// notes and events.
    pub async fn flush<C: ConnectionTrait>(mut self, db: &C) -> Result<(), HandlerError> {
        let mut opened = Vec::new();
        let mut changed = Vec::new();
        for id in &self.touched {
            let held = &self.orders[id];
            match held.read_version {
                None => opened.push(&held.order),
                Some(read_version) => changed.push((&held.order, read_version)),
            }
        }
        if !self.store.update_all(db, &changed).await? {
            return Err(DbErr::Custom(CONCURRENT_CHANGE.into()).into());
        }
        self.store.insert_all(db, &opened).await?;
        for id in &self.redacted {
            let order = &self.orders[id].order;
            self.store
                .set_description(db, order.id, &order.description)
                .await?;
        }
        let links: Vec<ReportLink> = self
            .relinked
            .iter()
            .filter_map(|report| self.of_report.remove(report))
            .collect();
        self.store.link_all(db, &links).await?;
        self.ledger.write(db, self.entries).await?;
        Ok(())
    }
}

/// A link names an order that is not there.
fn vanished(id: Uuid) -> HandlerError {
    HandlerError::Permanent(format!("work order {id} vanished"))
}
