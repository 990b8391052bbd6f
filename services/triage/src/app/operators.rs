use std::sync::Arc;

use chrono::Utc;
use sea_orm::{DatabaseConnection, DatabaseTransaction, TransactionTrait};
use segnala_shared::{AppError, messaging::Outbox, tracking_code::TrackingCode};

use super::{Incidents, Placed, Reindex, RoutedReport};
use crate::{
    domain::{
        Assignment, Decision, Outcome, Priority, ReceivedReport, Taxonomy, classifier_method,
    },
    events,
    store::{Correction, CorrectionStore, DecisionStore, StoredIncident},
};

/// The longest answer an operator may give a rejected report.
const MAX_REJECTION_CHARS: usize = 1000;

/// Operators' decisions: the review queue, resolving an item, rerouting a report (each
/// kept as a training example), merging and unmerging incidents.
#[derive(Clone)]
pub struct Operators {
    db: DatabaseConnection,
    taxonomy: Arc<Taxonomy>,
    incidents: Incidents,
    outbox: Outbox,
    decisions: DecisionStore,
    corrections: CorrectionStore,
}

/// Where an operator sends a report.
#[derive(Clone, Debug)]
pub struct Destination {
    pub department: String,
    /// Empty: the department's first category.
    pub category: String,
}

impl Operators {
    pub fn new(
        db: DatabaseConnection,
        taxonomy: Arc<Taxonomy>,
        incidents: Incidents,
        outbox: Outbox,
    ) -> Self {
        Self {
            db,
            taxonomy,
            incidents,
            outbox,
            decisions: DecisionStore,
            corrections: CorrectionStore,
        }
    }

    /// Reports waiting for review, oldest first.
    pub async fn review_queue(&self, offset: u64, limit: u64) -> Result<Vec<Decision>, AppError> {
        Ok(self
            .decisions
            .waiting_for_review(&self.db, offset, limit)
            .await?)
    }

    pub async fn corrections(&self, after: i64, limit: u64) -> Result<Vec<Correction>, AppError> {
        Ok(self.corrections.list(&self.db, after, limit).await?)
    }

    /// Routes a report waiting for review where the operator says: it opens an
    /// incident, or joins an open one of the same problem.
    pub async fn resolve(
        &self,
        code: &TrackingCode,
        to: Destination,
        operator: &str,
    ) -> Result<Decision, AppError> {
        let (department, category) = self.destination(&to)?;
        let txn = self.db.begin().await?;
        let (mut decision, received) = self.locked(&txn, code).await?;
        in_review(code, &decision)?;
        self.decide(
            &mut decision,
            &department,
            &category,
            Priority::Normal,
            operator,
            "",
        );
        let mut placed = Placed::default();
        {
            let routed: Vec<RoutedReport<'_>> =
                RoutedReport::of(&decision, &received).into_iter().collect();
            self.incidents
                .lock_joinable(&txn, &routed, &mut placed)
                .await?;
        }
        let announcement = self
            .incidents
            .place_and_announce(&txn, &received, &mut decision, &mut placed)
            .await?;
        self.incidents.write(&txn, placed).await?;
        self.outbox
            .record_envelopes(&txn, announcement.into_iter().collect())
            .await?;
        self.finish(txn, &decision, &received, Decided::Routed(""), operator)
            .await?;
        Ok(decision)
    }

    /// Rejects a report waiting for review as not a report (a greeting, a question, a
    /// test): no work order opens, and the reporter and its public page get a polite
    /// answer, `message` or the taxonomy's own in the report's language.
    pub async fn reject(
        &self,
        code: &TrackingCode,
        message: &str,
        operator: &str,
    ) -> Result<Decision, AppError> {
        let message = message.trim();
        if message.chars().count() > MAX_REJECTION_CHARS {
            return Err(AppError::invalid(
                "message",
                format!("must be at most {MAX_REJECTION_CHARS} characters"),
            ));
        }
        let message = (!message.is_empty()).then_some(message);
        let txn = self.db.begin().await?;
        let (mut decision, received) = self.locked(&txn, code).await?;
        in_review(code, &decision)?;
        decision.outcome = Outcome::Rejected;
        decision.explanation.method = classifier_method::OPERATOR.into();
        decision
            .explanation
            .rules
            .push(format!("operator:{operator}:review→not_a_report"));
        decision.decided_at = Utc::now();
        decision.version += 1;
        self.outbox
            .record(
                &txn,
                &events::rejected_as_not_a_report(&received, &decision, &self.taxonomy, message),
            )
            .await?;
        self.finish(txn, &decision, &received, Decided::Rejected, operator)
            .await?;
        Ok(decision)
    }

    /// Sends a routed report, and the incident it belongs to, to another department or
    /// category: tracking moves the work order.
    pub async fn reroute(
        &self,
        code: &TrackingCode,
        to: Destination,
        operator: &str,
    ) -> Result<Decision, AppError> {
        let (department, category) = self.destination(&to)?;
        let txn = self.db.begin().await?;
        let (mut decision, received) = self.locked(&txn, code).await?;
        let Some(routed) = decision.assignment() else {
            return Err(AppError::FailedPrecondition {
                reason: "NOT_ROUTED",
                message: format!(
                    "reports/{code} was {}: only routed reports can be rerouted",
                    describe(&decision.outcome)
                ),
            });
        };
        if routed.department == department && routed.category == category {
            return Err(AppError::FailedPrecondition {
                reason: "ALREADY_THERE",
                message: format!("reports/{code} is already routed to {department}/{category}"),
            });
        }
        let previous = routed.department.clone();
        let priority = routed.priority;
        let incident = decision.incident().unwrap_or(code.as_str()).to_owned();
        self.decide(
            &mut decision,
            &department,
            &category,
            priority,
            operator,
            &previous,
        );
        let reindex = self
            .incidents
            .moved(&txn, &incident, &department, &category)
            .await?;
        decision.place_in(&incident);
        self.announce_routed(&txn, &received, &decision).await?;
        self.finish(
            txn,
            &decision,
            &received,
            Decided::Routed(&previous),
            operator,
        )
        .await?;
        self.incidents.reindex(reindex).await;
        Ok(decision)
    }

    /// Every report of `merged` joins `kept`, which takes their work orders' place;
    /// `merged` closes. Returns the kept incident and the reports that moved.
    pub async fn merge(
        &self,
        kept: &str,
        merged: &str,
        operator: &str,
    ) -> Result<(StoredIncident, Vec<String>), AppError> {
        if kept == merged {
            return Err(AppError::invalid(
                "merged_incident",
                "must be another incident than `incident`",
            ));
        }
        let txn = self.db.begin().await?;
        let mut target = self.open_incident(&txn, kept, "incident").await?;
        self.open_incident(&txn, merged, "merged_incident").await?;
        let mut moving = self.decisions.in_incident(&txn, merged).await?;
        let now = Utc::now();
        let priority = moving
            .iter()
            .filter_map(|d| d.assignment().map(|a| a.priority))
            .max()
            .unwrap_or(Priority::Low);
        let count = u32::try_from(moving.len()).unwrap_or(u32::MAX);
        self.incidents
            .grow(&txn, &mut target, count, priority, now)
            .await?;
        let reindex = self.incidents.merged(&txn, merged, kept).await?;
        for decision in &mut moving {
            decision.place_in(&target.id);
            if let Some(assignment) = decision.assignment_mut() {
                assignment.department.clone_from(&target.department);
                assignment.category.clone_from(&target.category);
            }
            decision.explanation.method = classifier_method::OPERATOR.into();
            decision.explanation.rules.push(format!(
                "operator:{operator}:incidents/{merged}→incidents/{kept}"
            ));
            decision.decided_at = now;
            decision.version += 1;
            self.decisions.update(&txn, decision).await?;
            self.outbox
                .record(
                    &txn,
                    &events::report_merged(decision, &target, &self.taxonomy),
                )
                .await?;
        }
        txn.commit().await?;
        self.incidents.reindex(reindex).await;
        self.outbox.wake();
        tracing::info!(
            incident = kept,
            merged,
            operator,
            reports = moving.len(),
            "operator merged incidents"
        );
        Ok((
            target,
            moving
                .into_iter()
                .map(|d| format!("reports/{}", d.tracking_code))
                .collect(),
        ))
    }

    /// Takes a report out of the incident it joined: it opens its own, and tracking
    /// gives it a work order of its own.
    pub async fn unmerge(&self, code: &TrackingCode, operator: &str) -> Result<Decision, AppError> {
        let txn = self.db.begin().await?;
        let (mut decision, received) = self.locked(&txn, code).await?;
        let incident = decision.incident().unwrap_or(code.as_str()).to_owned();
        if decision.assignment().is_none() || incident == code.as_str() {
            return Err(AppError::FailedPrecondition {
                reason: "NOT_MERGED",
                message: format!(
                    "reports/{code} did not join another report's incident: nothing to unmerge"
                ),
            });
        }
        if let Some(mut left) = self.incidents.get_for_update(&txn, &incident).await? {
            self.incidents.shrink(&txn, &mut left).await?;
        }
        decision.place_in(code.as_str());
        decision.explanation.method = classifier_method::OPERATOR.into();
        decision
            .explanation
            .rules
            .push(format!("operator:{operator}:out of incidents/{incident}"));
        decision.decided_at = Utc::now();
        decision.version += 1;
        let reindex = match RoutedReport::of(&decision, &received) {
            Some(report) => self.incidents.open(&txn, report).await?,
            None => Reindex::Unchanged,
        };
        self.decisions.update(&txn, &decision).await?;
        self.announce_routed(&txn, &received, &decision).await?;
        txn.commit().await?;
        self.incidents.reindex(reindex).await;
        self.outbox.wake();
        tracing::info!(tracking_code = %code, incident, operator, "operator unmerged a report");
        Ok(decision)
    }

    /// Announces where a routed report now goes.
    async fn announce_routed(
        &self,
        txn: &DatabaseTransaction,
        received: &ReceivedReport,
        decision: &Decision,
    ) -> Result<(), AppError> {
        if let Some(routed) = events::report_routed(received, decision, &self.taxonomy) {
            self.outbox.record(txn, &routed).await?;
        }
        Ok(())
    }

    /// An open incident, locked; `field` names it in errors.
    async fn open_incident(
        &self,
        txn: &DatabaseTransaction,
        id: &str,
        field: &str,
    ) -> Result<StoredIncident, AppError> {
        match self.incidents.get_for_update(txn, id).await? {
            Some(incident) if incident.open => Ok(incident),
            Some(_) => Err(AppError::FailedPrecondition {
                reason: "INCIDENT_CLOSED",
                message: format!("incidents/{id} ({field}) is closed: its work order is done"),
            }),
            None => Err(AppError::NotFound {
                resource: "incident",
                name: format!("incidents/{id}"),
            }),
        }
    }

    /// The department and category, checked against the taxonomy.
    fn destination(&self, to: &Destination) -> Result<(String, String), AppError> {
        let department = self.taxonomy.department(&to.department).ok_or_else(|| {
            AppError::invalid(
                "department",
                format!("`{}` is not a department of the taxonomy", to.department),
            )
        })?;
        let category = if to.category.is_empty() {
            department.first_category()
        } else {
            department.category(&to.category).ok_or_else(|| {
                AppError::invalid(
                    "category",
                    format!("`{}` is not a category of `{}`", to.category, department.id),
                )
            })?
        };
        Ok((department.id.clone(), category.id.clone()))
    }

    /// The decision, locked, and the report as triage received it.
    async fn locked(
        &self,
        txn: &DatabaseTransaction,
        code: &TrackingCode,
    ) -> Result<(Decision, ReceivedReport), AppError> {
        let decision = self
            .decisions
            .get_for_update(txn, code.as_str())
            .await?
            .ok_or_else(|| AppError::NotFound {
                resource: "report",
                name: format!("reports/{code}"),
            })?;
        let received = decision
            .received
            .clone()
            .ok_or_else(|| AppError::FailedPrecondition {
                reason: "NO_REPORT_COPY",
                message: format!(
                    "reports/{code} was triaged before triage kept reports: route it in tracking"
                ),
            })?;
        Ok((decision, received))
    }

    /// The operator's decision replaces triage's, with a new version.
    fn decide(
        &self,
        decision: &mut Decision,
        department: &str,
        category: &str,
        priority: Priority,
        operator: &str,
        previous: &str,
    ) {
        let emergency = self
            .taxonomy
            .department(department)
            .is_some_and(|d| d.emergency);
        decision.outcome = Outcome::routed(
            Assignment {
                department: department.to_owned(),
                category: category.to_owned(),
                priority: if emergency {
                    Priority::Critical
                } else {
                    priority
                },
            },
            emergency,
        );
        decision.explanation.method = classifier_method::OPERATOR.into();
        let from = if previous.is_empty() {
            "review"
        } else {
            previous
        };
        decision.explanation.rules.push(format!(
            "operator:{operator}:{from}→{department}/{category}"
        ));
        decision.decided_at = Utc::now();
        decision.version += 1;
    }

    /// Stores the operator's decision and keeps it with the corrections.
    async fn finish(
        &self,
        txn: DatabaseTransaction,
        decision: &Decision,
        received: &ReceivedReport,
        decided: Decided<'_>,
        operator: &str,
    ) -> Result<(), AppError> {
        self.decisions.update(&txn, decision).await?;
        let assignment = decision.assignment();
        self.corrections
            .insert(
                &txn,
                &Correction {
                    id: 0,
                    tracking_code: decision.tracking_code.clone(),
                    text: received.description.clone(),
                    service_code: received.service_code.clone().unwrap_or_default(),
                    position: received.location,
                    department: assignment.map(|a| a.department.clone()).unwrap_or_default(),
                    category: assignment.map(|a| a.category.clone()).unwrap_or_default(),
                    previous_department: match decided {
                        Decided::Routed(previous) => previous.to_owned(),
                        Decided::Rejected => String::new(),
                    },
                    operator: operator.to_owned(),
                    corrected_at: decision.decided_at,
                    rejected: decided == Decided::Rejected,
                },
            )
            .await?;
        txn.commit().await?;
        self.outbox.wake();
        tracing::info!(
            tracking_code = %decision.tracking_code,
            department = %assignment.map(|a| a.department.as_str()).unwrap_or_default(),
            outcome = describe(&decision.outcome),
            operator,
            "operator decided a report"
        );
        Ok(())
    }
}

/// What an operator made of a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Decided<'a> {
    /// Routed, from this department (empty: from review).
    Routed(&'a str),
    /// Rejected as not a report.
    Rejected,
}

/// Only a report waiting for review can be resolved or rejected.
fn in_review(code: &TrackingCode, decision: &Decision) -> Result<(), AppError> {
    if let Outcome::NeedsReview { .. } = decision.outcome {
        return Ok(());
    }
    Err(AppError::FailedPrecondition {
        reason: "NOT_IN_REVIEW",
        message: format!(
            "reports/{code} is not waiting for review: it was {}",
            describe(&decision.outcome)
        ),
    })
}

fn describe(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Routed(_) | Outcome::Merged { .. } | Outcome::Emergency { .. } => "routed",
        Outcome::NeedsReview { .. } => "waiting for review",
        Outcome::Rejected => "rejected",
    }
}
