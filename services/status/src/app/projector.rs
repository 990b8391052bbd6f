//! The event edge of status: turns the events it consumes into facts about reports,
//! keeps each report's public status, and announces every public change. This is
//! where a report becomes public, so the words citizens and crews wrote are redacted
//! here, once: nothing status keeps or serves carries their personal data. A delivered
//! batch is projected whole: the statuses it touches are read with one query, changed in
//! memory in delivery order, and written back with one statement per table.

use std::collections::{BTreeSet, HashMap};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::DatabaseTransaction;
use segnala_proto::{
    common::v1::Channel,
    intake::v1::ReportReceived,
    status::v1::ReportStatusChanged,
    tracking::v1::{WorkOrderChanged, WorkOrderState},
    triage::v1::{
        ReportMerged, ReportNeedsReview, ReportRejected, ReportRouted, TaxonomyPublished,
    },
};
use segnala_shared::{
    lang::Lang,
    messaging::{BatchHandler, Delivered, Envelope, EventContext, HandlerError, Outbox},
    redaction::redact_text,
    time::{from_timestamp, to_timestamp},
    tracking_code::{TrackingCode, parse_report_name},
};
use uuid::Uuid;

use super::{Directory, StatusNotice, StatusWatch, Subscriptions};
use crate::{
    convert,
    domain::{
        Change, Merged, PublicState, PublishedTaxonomy, Received, Routed, StatusRecord, StepKind,
        TimelineEntry, TriageHold, WorkOrderUpdate,
    },
    store::StatusStore,
};

segnala_shared::consumed_events! {
    /// An event status consumes.
    pub enum StatusEvent {
        Received(ReportReceived),
        Routed(ReportRouted),
        Merged(ReportMerged),
        NeedsReview(ReportNeedsReview),
        Rejected(ReportRejected),
        WorkOrderChanged(WorkOrderChanged),
        TaxonomyPublished(TaxonomyPublished),
    }
}

impl StatusEvent {
    /// The reports it names, and the incident whose reports it needs to see; a code
    /// that is none fails the batch before anything is read.
    fn reads(&self) -> Result<(Vec<String>, Option<&str>), HandlerError> {
        let one = |code: &str| code_of(code).map(|code| vec![code.to_string()]);
        Ok(match self {
            Self::Received(event) => (one(&event.tracking_code)?, None),
            Self::Routed(event) => (one(&event.tracking_code)?, None),
            Self::NeedsReview(event) => (one(&event.tracking_code)?, None),
            Self::Rejected(event) => (one(&event.tracking_code)?, None),
            Self::Merged(event) => (one(&event.tracking_code)?, Some(event.incident.as_str())),
            Self::WorkOrderChanged(event) => (
                event
                    .reports
                    .iter()
                    .map(|report| listed_code(report))
                    .collect::<Result<_, _>>()?,
                Some(event.incident.as_str()),
            ),
            Self::TaxonomyPublished(_) => (Vec::new(), None),
        })
    }
}

/// What one event says about reports, checked.
enum Fact {
    Received(TrackingCode, Received),
    Routed(TrackingCode, Routed),
    Merged(TrackingCode, Merged),
    TriageHold(TrackingCode, TriageHold),
    /// Applies to the listed reports and every report of the order's incident.
    WorkOrder(Vec<String>, WorkOrderUpdate),
    /// Names for the departments and categories; about no report.
    Taxonomy(PublishedTaxonomy),
}

impl Fact {
    fn of(
        event: StatusEvent,
        context: &EventContext,
        directory: &Directory,
    ) -> Result<Self, HandlerError> {
        Ok(match event {
            StatusEvent::Received(event) => {
                let at = time_of(event.receive_time.as_ref(), context);
                let channel = Channel::try_from(event.channel)
                    .ok()
                    .and_then(convert::channel_name);
                let zone = event
                    .location
                    .and_then(|l| directory.zone_at(l.latitude, l.longitude));
                Self::Received(
                    code_of(&event.tracking_code)?,
                    Received {
                        at,
                        version: event.version,
                        service_code: event.service_code,
                        description: redact_text(
                            &event.description,
                            Lang::parse(&event.language_code),
                        ),
                        channel,
                        location: event.location.map(|l| (l.latitude, l.longitude)),
                        zone,
                    },
                )
            }
            StatusEvent::Routed(event) => Self::Routed(
                code_of(&event.tracking_code)?,
                Routed {
                    at: time_of(event.route_time.as_ref(), context),
                    version: event.version,
                    department: event.department,
                    category: event.category,
                    service_code: event.service_code,
                    zone: event.zone,
                    incident: event.incident,
                },
            ),
            StatusEvent::Merged(event) => {
                let duplicate_of = if event.duplicate_of.is_empty() {
                    String::new()
                } else {
                    parse_report_name(&event.duplicate_of)
                        .map_err(|e| {
                            HandlerError::Permanent(format!(
                                "duplicate_of `{}`: {e}",
                                event.duplicate_of
                            ))
                        })?
                        .to_string()
                };
                Self::Merged(
                    code_of(&event.tracking_code)?,
                    Merged {
                        at: time_of(event.merge_time.as_ref(), context),
                        version: event.version,
                        incident: event.incident,
                        duplicate_of,
                        department: event.department,
                        category: event.category,
                        service_code: event.service_code,
                    },
                )
            }
            StatusEvent::NeedsReview(event) => Self::TriageHold(
                code_of(&event.tracking_code)?,
                TriageHold {
                    at: time_of(event.review_time.as_ref(), context),
                    version: event.version,
                    rejected: false,
                    // `reason` is the classifier's explanation, for operators only;
                    // events from before `message` existed give the public none.
                    reason: redact_text(&event.message, None),
                },
            ),
            StatusEvent::Rejected(event) => Self::TriageHold(
                code_of(&event.tracking_code)?,
                TriageHold {
                    at: time_of(event.reject_time.as_ref(), context),
                    version: event.version,
                    rejected: true,
                    reason: redact_text(&event.message, None),
                },
            ),
            StatusEvent::WorkOrderChanged(event) => {
                let order_state =
                    WorkOrderState::try_from(event.state).unwrap_or(WorkOrderState::Unspecified);
                let Some((step, state)) = public_step(order_state) else {
                    return Err(HandlerError::Permanent(format!(
                        "work order state {} is not known",
                        event.state
                    )));
                };
                let listed = event
                    .reports
                    .iter()
                    .map(|report| listed_code(report))
                    .collect::<Result<Vec<_>, _>>()?;
                Self::WorkOrder(
                    listed,
                    WorkOrderUpdate {
                        at: time_of(event.change_time.as_ref(), context),
                        work_order: event.work_order,
                        version: event.version,
                        step,
                        state,
                        department: event.department,
                        category: event.category,
                        zone: event.zone,
                        incident: event.incident,
                        expected_at: from_timestamp(event.expected_time.as_ref()),
                        public_note: redact_text(&event.public_note, None),
                        reason: redact_text(&event.reason, None),
                        state_changed: event.state != event.previous_state,
                    },
                )
            }
            StatusEvent::TaxonomyPublished(event) => Self::Taxonomy(convert::taxonomy(event)),
        })
    }
}

fn code_of(text: &str) -> Result<TrackingCode, HandlerError> {
    TrackingCode::parse(text)
        .map_err(|e| HandlerError::Permanent(format!("tracking code `{text}`: {e}")))
}

/// The code of a report a work order lists by name.
fn listed_code(report: &str) -> Result<String, HandlerError> {
    parse_report_name(report)
        .map(|code| code.to_string())
        .map_err(|e| HandlerError::Permanent(format!("report `{report}`: {e}")))
}

fn time_of(timestamp: Option<&prost_types::Timestamp>, context: &EventContext) -> DateTime<Utc> {
    from_timestamp(timestamp).unwrap_or(context.occurred_at)
}

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
            Fact::Received(code, fact) => {
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
            let event = self.status_changed(record, &change);
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

    fn status_changed(&self, record: &StatusRecord, change: &Change) -> ReportStatusChanged {
        let status = &record.status;
        let message = if change.entry.note.is_empty() {
            status.public_reason().unwrap_or_default().to_owned()
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
            expected_time: status.public_expected_at().map(to_timestamp),
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
            step: convert::step(change.entry.kind) as i32,
        }
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
        let fact = Fact::of(event, &context, &self.directory)?;
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
