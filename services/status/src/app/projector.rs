//! Keeps each report's public status as the events about it arrive, and announces
//! every public change. A delivered batch is projected whole: the statuses it touches
//! are read with one query, changed in memory in delivery order, and written back with
//! one statement per table.

use std::collections::{BTreeSet, HashMap};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::DatabaseTransaction;
use segnala_shared::messaging::{
    BatchHandler, Delivered, Envelope, EventContext, HandlerError, Outbox,
};
use uuid::Uuid;

use super::{Directory, StatusNotice, StatusWatch, Subscriptions};
use crate::{
    domain::{Change, Fact, StatusRecord, TimelineEntry},
    events::{self, StatusEvent},
    store::StatusStore,
};

/// A batch's statuses in memory, and what it will write.
#[derive(Default)]
pub struct Projection {
    records: HashMap<String, StatusRecord>,
    changed: BTreeSet<String>,
    entries: Vec<(String, Uuid, TimelineEntry)>,
    events: Vec<Envelope>,
}

impl Projection {
    fn record(&mut self, code: &str, at: DateTime<Utc>) -> &mut StatusRecord {
        self.records
            .entry(code.to_owned())
            .or_insert_with(|| StatusRecord::new(code, at))
    }

    /// The reports of `incident` status knows, by code.
    fn of_incident(&self, incident: &str) -> impl Iterator<Item = &StatusRecord> {
        self.records
            .values()
            .filter(move |r| r.status.incident.as_deref() == Some(incident))
    }
}

/// Keeps the public status of each report up to date.
#[derive(Clone)]
pub struct Projector {
    store: StatusStore,
    outbox: Outbox,
    watch: StatusWatch,
    subscriptions: Subscriptions,
    directory: Directory,
    /// Where the public pages live, without a trailing slash.
    public_url: String,
}

impl Projector {
    pub fn new(
        outbox: Outbox,
        watch: StatusWatch,
        subscriptions: Subscriptions,
        directory: Directory,
        public_url: &str,
    ) -> Self {
        Self {
            store: StatusStore,
            outbox,
            watch,
            subscriptions,
            directory,
            public_url: public_url.trim_end_matches('/').to_owned(),
        }
    }

    /// Reads every status the batch's events touch, with one query.
    async fn read(
        &self,
        txn: &DatabaseTransaction,
        events: &[Delivered<StatusEvent>],
    ) -> Result<Projection, HandlerError> {
        let mut codes = BTreeSet::new();
        let mut incidents = BTreeSet::new();
        for (event, _) in events {
            let (named, incident) = event.reads()?;
            codes.extend(named);
            incidents.extend(incident.filter(|i| !i.is_empty()).map(str::to_owned));
        }
        let records = self
            .store
            .records_for(
                txn,
                codes.into_iter().collect(),
                incidents.into_iter().collect(),
            )
            .await?;
        Ok(Projection {
            records: records
                .into_iter()
                .map(|record| (record.status.tracking_code.clone(), record))
                .collect(),
            ..Projection::default()
        })
    }

    /// Applies one fact to the statuses in memory.
    async fn apply_fact(
        &self,
        txn: &DatabaseTransaction,
        projection: &mut Projection,
        fact: Fact,
        context: &EventContext,
    ) -> Result<(), HandlerError> {
        let (code, change) = match fact {
            Fact::Received(code, mut fact) => {
                // The jurisdiction's zone of the location: triage names the same one later.
                fact.zone = fact
                    .location
                    .and_then(|(latitude, longitude)| self.directory.zone_at(latitude, longitude));
                let change = projection
                    .record(code.as_str(), fact.at)
                    .apply_received(fact);
                (code, change)
            }
            Fact::Routed(code, fact) => {
                let change = projection.record(code.as_str(), fact.at).apply_routed(fact);
                (code, change)
            }
            Fact::Merged(code, fact) => {
                let sibling = projection
                    .of_incident(&fact.incident)
                    .filter(|r| r.status.tracking_code != code.as_str() && r.work_order.is_some())
                    .max_by_key(|r| r.work_order_version)
                    .cloned();
                let change = projection
                    .record(code.as_str(), fact.at)
                    .apply_merged(fact, sibling.as_ref());
                (code, change)
            }
            Fact::TriageHold(code, fact) => {
                let change = projection
                    .record(code.as_str(), fact.at)
                    .apply_triage_hold(fact);
                (code, change)
            }
            Fact::WorkOrder(listed, update) => {
                // Every report of the incident follows its order, also those the event
                // does not list because they joined after it was written.
                let mut codes: BTreeSet<String> = listed.into_iter().collect();
                if !update.incident.is_empty() {
                    codes.extend(
                        projection
                            .of_incident(&update.incident)
                            .map(|r| r.status.tracking_code.clone()),
                    );
                }
                for code in codes {
                    let record = projection.record(&code, update.at);
                    if let Some(change) = record.apply_work_order(update.clone()) {
                        self.keep(txn, projection, &code, change, context).await?;
                    }
                }
                return Ok(());
            }
            Fact::Taxonomy(taxonomy) => {
                self.directory.keep(txn, &taxonomy).await?;
                return Ok(());
            }
        };
        if let Some(change) = change {
            self.keep(txn, projection, code.as_str(), change, context)
                .await?;
        }
        Ok(())
    }

    /// Notes what `change` did to the status of `code`: to write, to announce, to tell
    /// watchers.
    async fn keep(
        &self,
        txn: &DatabaseTransaction,
        projection: &mut Projection,
        code: &str,
        change: Change,
        context: &EventContext,
    ) -> Result<(), HandlerError> {
        projection.changed.insert(code.to_owned());
        let record = &projection.records[code];
        if !change.quiet {
            self.subscriptions
                .announce(txn, &record.status, &change)
                .await?;
        }
        if change.is_news() {
            let event = events::report_status_changed(record, &change, &self.public_url);
            projection
                .events
                .push(context.span.in_scope(|| Envelope::new(&event)));
        }
        self.watch.notify(StatusNotice {
            tracking_code: code.to_owned(),
            version: record.status.version,
        });
        if !change.quiet {
            projection
                .entries
                .push((code.to_owned(), context.message_id, change.entry));
        }
        Ok(())
    }

    /// Writes the batch's changed statuses, their timeline steps and their events.
    async fn write_all(
        &self,
        txn: &DatabaseTransaction,
        projection: Projection,
    ) -> Result<(), HandlerError> {
        let changed: Vec<&StatusRecord> = projection
            .changed
            .iter()
            .map(|code| &projection.records[code])
            .collect();
        self.store.save_all(txn, &changed).await?;
        self.store.add_entries(txn, &projection.entries).await?;
        self.outbox.record_envelopes(txn, projection.events).await?;
        Ok(())
    }
}

#[async_trait]
impl BatchHandler for Projector {
    type Item = Delivered<StatusEvent>;
    type Batch = Projection;
    type Output = ();

    async fn load(
        &self,
        txn: &DatabaseTransaction,
        events: &[Delivered<StatusEvent>],
    ) -> Result<Projection, HandlerError> {
        self.read(txn, events).await
    }

    async fn apply(
        &self,
        txn: &DatabaseTransaction,
        projection: &mut Projection,
        (event, context): Delivered<StatusEvent>,
    ) -> Result<(), HandlerError> {
        let fact = event.fact(context.occurred_at)?;
        self.apply_fact(txn, projection, fact, &context).await
    }

    async fn flush(
        &self,
        txn: &DatabaseTransaction,
        projection: Projection,
    ) -> Result<(), HandlerError> {
        self.write_all(txn, projection).await
    }
}
