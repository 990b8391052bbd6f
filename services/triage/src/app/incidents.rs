use std::{
    collections::{BTreeSet, HashMap, HashSet, hash_map::Entry},
    sync::Arc,
};

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr};
use segnala_shared::messaging::Envelope;
use tokio::sync::Mutex;

use crate::{
    domain::{
        Decision, DuplicateRule, IncidentIndex, Neighbourhood, OpenIncident, Priority,
        ReceivedReport, Taxonomy, raised_priority,
    },
    events,
    store::{IncidentStore, OrderChange, StoredIncident},
};

/// A routed report, about to be placed in an incident.
#[derive(Clone, Copy, Debug)]
pub struct RoutedReport<'a> {
    pub tracking_code: &'a str,
    pub department: &'a str,
    pub category: &'a str,
    pub priority: Priority,
    /// Latitude and longitude, when the report has them; without, it opens its own
    /// incident.
    pub location: Option<(f64, f64)>,
    pub zone: &'a str,
    pub at: DateTime<Utc>,
}

impl<'a> RoutedReport<'a> {
    /// The report `received` as `decision` routed it; none when it routed nothing.
    pub fn of(decision: &'a Decision, received: &ReceivedReport) -> Option<Self> {
        let assignment = decision.assignment()?;
        Some(Self {
            tracking_code: &decision.tracking_code,
            department: &assignment.department,
            category: &assignment.category,
            priority: assignment.priority,
            location: received.location,
            zone: decision.zone.as_deref().unwrap_or_default(),
            at: decision.decided_at,
        })
    }
}

/// Where a routed report went.
#[derive(Clone, Debug, PartialEq)]
pub enum Placement {
    /// It opened an incident of its own, named after it.
    Opened,
    /// It joined an open incident of the same problem, as it is now.
    Joined(StoredIncident),
}

/// The incidents a batch of reports opened or joined, as they are now; written together
/// when the batch's reports are decided (`Incidents::write`).
#[derive(Default)]
pub struct Placed {
    incidents: HashMap<String, Held>,
    /// Indexed incidents the batch looked for and did not find stored: not committed, or
    /// rolled back.
    absent: HashSet<String>,
}

/// An incident a batch holds: opened by it, or stored before and locked.
struct Held {
    incident: StoredIncident,
    new: bool,
    /// Reports of the batch joined it: it is written with the batch.
    grew: bool,
}

/// What an operator's transaction changed in the open incidents, for the index once it
/// commits (`Incidents::reindex`).
#[must_use]
#[derive(Clone, Debug, PartialEq)]
pub enum Reindex {
    /// Open, in the index (again or in its new place).
    Add(OpenIncident),
    /// Takes no more reports.
    Remove(String),
    Unchanged,
}

/// One incident for many reports of the same problem: the open incidents in a spatial
/// index, rebuilt from the database at start and kept up to date; the database decides.
#[derive(Clone)]
pub struct Incidents {
    synced: Arc<Mutex<Synced>>,
    store: IncidentStore,
    taxonomy: Arc<Taxonomy>,
}

struct Synced {
    index: IncidentIndex,
}

impl Incidents {
    /// Indexes the open incidents of the city around `middle_latitude`.
    pub async fn load<C: ConnectionTrait>(
        db: &C,
        taxonomy: Arc<Taxonomy>,
        middle_latitude: f64,
    ) -> Result<Self, DbErr> {
        let store = IncidentStore;
        let open = store.all_open(db).await?;
        let index = IncidentIndex::new(middle_latitude, open.iter().map(StoredIncident::as_open));
        tracing::info!(open_incidents = index.len(), "incident index built");
        Ok(Self {
            synced: Arc::new(Mutex::new(Synced { index })),
            store,
            taxonomy,
        })
    }

    /// Joins the report to the nearest open incident it duplicates, or opens one, in
    /// `placed` until it is written.
    pub async fn place<C: ConnectionTrait>(
        &self,
        txn: &C,
        report: RoutedReport<'_>,
        placed: &mut Placed,
    ) -> Result<Placement, DbErr> {
        // One report at a time per replica: two reports of one lamp arriving together
        // still meet.
        let mut synced = self.synced.lock().await;
        for id in self.candidates(&synced, report) {
            if placed.absent.contains(&id) {
                continue;
            }
            let held = match placed.incidents.entry(id) {
                Entry::Occupied(held) => held.into_mut(),
                // Indexed since the batch locked what its reports may join.
                Entry::Vacant(vacant) => {
                    match self.store.get_for_update(txn, vacant.key()).await? {
                        Some(incident) if incident.open => vacant.insert(Held {
                            incident,
                            new: false,
                            grew: false,
                        }),
                        Some(_) => {
                            synced.index.remove(vacant.key());
                            continue;
                        }
                        // Not committed, or rolled back: never a place to merge into.
                        None => continue,
                    }
                }
            };
            if !held.incident.open {
                continue;
            }
            self.grown(&mut held.incident, 1, report.priority, report.at);
            held.grew = true;
            return Ok(Placement::Joined(held.incident.clone()));
        }
        if let Some(incident) = opened_by(report) {
            synced.index.insert(incident.as_open());
            placed.incidents.insert(
                incident.id.clone(),
                Held {
                    incident,
                    new: true,
                    grew: false,
                },
            );
        }
        Ok(Placement::Opened)
    }

    /// Readies `reports` to be placed one by one (`place`) without reading the database
    /// again: takes their neighbourhoods' cells (`look_around`), then locks, with one
    /// statement, the stored incidents they may join, in the order of their ids, as
    /// other batches lock them, so that two batches wanting the same incidents queue
    /// rather than deadlock.
    pub async fn lock_joinable<C: ConnectionTrait>(
        &self,
        txn: &C,
        reports: &[RoutedReport<'_>],
        placed: &mut Placed,
    ) -> Result<(), DbErr> {
        let nearby = self.look_around(txn, reports).await?;
        let mut synced = self.synced.lock().await;
        for incident in nearby {
            if !synced.index.contains(&incident.id) {
                synced.index.insert(incident.as_open());
            }
        }
        let wanted: BTreeSet<String> = reports
            .iter()
            .flat_map(|report| self.candidates(&synced, *report))
            .filter(|id| !placed.incidents.contains_key(id) && !placed.absent.contains(id))
            .collect();
        if wanted.is_empty() {
            return Ok(());
        }
        let mut stored: HashMap<String, StoredIncident> = self
            .store
            .get_all_for_update(txn, wanted.iter().cloned().collect())
            .await?
            .into_iter()
            .map(|incident| (incident.id.clone(), incident))
            .collect();
        for id in wanted {
            match stored.remove(&id) {
                Some(incident) => {
                    if !incident.open {
                        synced.index.remove(&id);
                    }
                    placed.incidents.insert(
                        id,
                        Held {
                            incident,
                            new: false,
                            grew: false,
                        },
                    );
                }
                None => {
                    placed.absent.insert(id);
                }
            }
        }
        Ok(())
    }

    /// The ids of the open incidents `report` duplicates, nearest first.
    fn candidates(&self, synced: &Synced, report: RoutedReport<'_>) -> Vec<String> {
        let (Some(position), Some(rule)) = (report.location, self.rule(&report)) else {
            return Vec::new();
        };
        synced
            .index
            .duplicates_of(
                report.department,
                report.category,
                position,
                rule,
                report.at,
            )
            .into_iter()
            .map(|i| i.id.clone())
            .collect()
    }

    /// When reports of `report`'s category duplicate each other.
    fn rule(&self, report: &RoutedReport<'_>) -> Option<DuplicateRule> {
        self.taxonomy
            .department(report.department)
            .and_then(|d| d.category(report.category))
            .map(|c| self.taxonomy.duplicate_rule(c))
    }

    /// Writes the incidents `placed` opened and the counts of those it joined.
    pub async fn write<C: ConnectionTrait>(&self, txn: &C, placed: Placed) -> Result<(), DbErr> {
        let (new, stored): (Vec<Held>, Vec<Held>) =
            placed.incidents.into_values().partition(|held| held.new);
        let new: Vec<StoredIncident> = new.into_iter().map(|held| held.incident).collect();
        self.store.insert_all(txn, &new).await?;
        let joined: Vec<&StoredIncident> = stored
            .iter()
            .filter(|held| held.grew)
            .map(|held| &held.incident)
            .collect();
        self.store.joined_all(txn, &joined).await
    }

    /// Places a report routed to `decision`'s department and category, names the
    /// incident in the decision, and returns its announcement, made in the current span:
    /// `ReportRouted` when it opened its own incident, `ReportMerged` when it joined one.
    /// Nothing for a decision that routed nothing.
    pub async fn place_and_announce<C: ConnectionTrait>(
        &self,
        txn: &C,
        received: &ReceivedReport,
        decision: &mut Decision,
        placed: &mut Placed,
    ) -> Result<Option<Envelope>, DbErr> {
        let Some(report) = RoutedReport::of(decision, received) else {
            return Ok(None);
        };
        Ok(match self.place(txn, report, placed).await? {
            Placement::Opened => {
                let own = decision.tracking_code.clone();
                decision.place_in(&own);
                events::report_routed(received, decision, &self.taxonomy)
                    .map(|routed| Envelope::new(&routed))
            }
            Placement::Joined(incident) => {
                decision.place_in(&incident.id);
                Some(Envelope::new(&events::report_merged(
                    decision,
                    &incident,
                    &self.taxonomy,
                )))
            }
        })
    }

    /// Opens an incident named after the report, without looking for one to join (an
    /// operator took the report out of another). When the report's own incident exists
    /// already — it opened one, later merged into another, or it was taken out once
    /// before — that one opens again, holding the report alone. The index takes it once
    /// the transaction commits (`reindex`).
    pub async fn open<C: ConnectionTrait>(
        &self,
        txn: &C,
        report: RoutedReport<'_>,
    ) -> Result<Reindex, DbErr> {
        let Some(incident) = opened_by(report) else {
            return Ok(Reindex::Unchanged);
        };
        self.store.insert_or_reopen(txn, &incident).await?;
        Ok(Reindex::Add(incident.as_open()))
    }

    /// Applies to the index what an operator's transaction changed, once it committed.
    /// An operator's transaction holds rows the consumer may wait for while it holds
    /// the index (`orders_changed`, `lock_joinable`, `place`): locking the index inside
    /// such a transaction would make each wait for the other for good.
    pub async fn reindex(&self, change: Reindex) {
        let mut synced = self.synced.lock().await;
        match change {
            Reindex::Add(incident) => synced.index.insert(incident),
            Reindex::Remove(id) => synced.index.remove(&id),
            Reindex::Unchanged => {}
        }
    }

    /// The incident, locked until the transaction ends.
    pub async fn get_for_update<C: ConnectionTrait>(
        &self,
        txn: &C,
        id: &str,
    ) -> Result<Option<StoredIncident>, DbErr> {
        self.store.get_for_update(txn, id).await
    }

    /// `reports` more reports joined the incident: its count grows and, with it, its
    /// priority (never under `priority`, the newcomers' own).
    pub async fn grow<C: ConnectionTrait>(
        &self,
        txn: &C,
        incident: &mut StoredIncident,
        reports: u32,
        priority: Priority,
        at: DateTime<Utc>,
    ) -> Result<(), DbErr> {
        self.grown(incident, reports, priority, at);
        self.store.joined_all(txn, &[incident]).await
    }

    fn grown(
        &self,
        incident: &mut StoredIncident,
        reports: u32,
        priority: Priority,
        at: DateTime<Utc>,
    ) {
        incident.report_count += reports;
        incident.priority = raised_priority(
            incident.initial_priority,
            incident.report_count,
            self.taxonomy.defaults.reports_per_priority_step,
        )
        .max(incident.priority)
        .max(priority);
        incident.last_report_at = at;
    }

    /// A report left the incident.
    pub async fn shrink<C: ConnectionTrait>(
        &self,
        txn: &C,
        incident: &mut StoredIncident,
    ) -> Result<(), DbErr> {
        incident.report_count = incident.report_count.saturating_sub(1).max(1);
        self.store.joined_all(txn, &[incident]).await
    }

    /// The incident takes no more reports, ever: its reports joined `into`. It leaves
    /// the index once the transaction commits (`reindex`).
    pub async fn merged<C: ConnectionTrait>(
        &self,
        txn: &C,
        id: &str,
        into: &str,
    ) -> Result<Reindex, DbErr> {
        self.store.merged(txn, id, into).await?;
        Ok(Reindex::Remove(id.to_owned()))
    }

    /// Another replica may have opened, a moment ago, the incident a report joins. Each
    /// report's neighbourhood cells are locked until the transaction ends, so that a
    /// replica placing a report of the same problem waits until this one committed;
    /// then the open incidents there are read as the database holds them, those of
    /// other replicas included. The cells are locked before the index, which a
    /// transaction waiting for this one may hold.
    async fn look_around<C: ConnectionTrait>(
        &self,
        txn: &C,
        reports: &[RoutedReport<'_>],
    ) -> Result<Vec<StoredIncident>, DbErr> {
        let areas: Vec<Neighbourhood> = {
            let synced = self.synced.lock().await;
            reports
                .iter()
                .filter_map(|report| {
                    let rule = self.rule(report)?;
                    synced.index.neighbourhood(
                        report.department,
                        report.category,
                        report.location?,
                        rule,
                    )
                })
                .collect()
        };
        let cells: BTreeSet<String> = areas.iter().flat_map(|a| a.cells.clone()).collect();
        self.store.lock_cells(txn, &cells).await?;
        self.store.open_near(txn, &areas).await
    }

    /// The incident now belongs to another department or category: later reports of
    /// that problem join it, once the transaction commits (`reindex`).
    pub async fn moved<C: ConnectionTrait>(
        &self,
        txn: &C,
        id: &str,
        department: &str,
        category: &str,
    ) -> Result<Reindex, DbErr> {
        self.store.moved(txn, id, department, category).await?;
        Ok(match self.store.get_for_update(txn, id).await? {
            Some(incident) if incident.open => Reindex::Add(incident.as_open()),
            _ => Reindex::Unchanged,
        })
    }

    /// Follows incidents' work orders: resolved, closed or cancelled, an incident takes
    /// no more reports; reopened, it does again.
    pub async fn orders_changed<C: ConnectionTrait>(
        &self,
        txn: &C,
        changes: &[OrderChange],
    ) -> Result<(), DbErr> {
        let mut synced = self.synced.lock().await;
        for (id, open) in self.store.set_open_all(txn, changes).await? {
            if !open {
                synced.index.remove(&id);
            } else if !synced.index.contains(&id) {
                // Reopened: it takes reports again.
                if let Some(incident) = self.store.get_for_update(txn, &id).await? {
                    synced.index.insert(incident.as_open());
                }
            }
        }
        Ok(())
    }
}

/// The incident a report opens: named after it, where it is; none without a place, as
/// there is nothing to find it by and the incident is the report.
fn opened_by(report: RoutedReport<'_>) -> Option<StoredIncident> {
    let (latitude, longitude) = report.location?;
    Some(StoredIncident {
        id: report.tracking_code.to_owned(),
        department: report.department.to_owned(),
        category: report.category.to_owned(),
        latitude,
        longitude,
        zone: report.zone.to_owned(),
        report_count: 1,
        initial_priority: report.priority,
        priority: report.priority,
        opened_at: report.at,
        last_report_at: report.at,
        open: true,
    })
}
