use std::{collections::HashSet, sync::Arc};

use chrono::Utc;
use sea_orm::DatabaseTransaction;
use segnala_shared::{
    lang::Lang,
    messaging::{Envelope, HandlerError, Outbox},
    place::{Jurisdiction, Place},
    tracking_code::TrackingCode,
};
use tracing::{Instrument, Span};

use super::{Incidents, Placed, RoutedReport};
use crate::{
    domain::{
        Assignment, Classification, Classifier, Decision, Explanation, Outcome, ReceivedReport,
        ReportContext, Taxonomy, Verdict,
    },
    events,
    store::DecisionStore,
};

/// Decides what each received report is and announces it: routed (and perhaps an
/// emergency), sent to a human for review, or turned away with a polite answer.
pub struct RouteReport {
    classifier: Arc<Classifier>,
    taxonomy: Arc<Taxonomy>,
    jurisdiction: Arc<Jurisdiction>,
    incidents: Incidents,
    outbox: Outbox,
    store: DecisionStore,
}

impl RouteReport {
    pub fn new(
        classifier: Arc<Classifier>,
        taxonomy: Arc<Taxonomy>,
        jurisdiction: Arc<Jurisdiction>,
        incidents: Incidents,
        outbox: Outbox,
    ) -> Self {
        Self {
            classifier,
            taxonomy,
            jurisdiction,
            incidents,
            outbox,
            store: DecisionStore,
        }
    }

    /// Where the report is: outside the boundary, or inside and in which zone (none
    /// when it has no coordinates).
    fn place(&self, event: &ReceivedReport) -> Place<'_> {
        match event.location {
            Some((latitude, longitude)) => self.jurisdiction.locate(latitude, longitude),
            None => Place::Inside { zone: None },
        }
    }

    /// A department that does not serve the report's zone hands it to one that does.
    fn steer(
        &self,
        verdict: Verdict,
        zone: Option<&str>,
        explanation: &mut Explanation,
    ) -> Verdict {
        let Verdict::Route {
            department,
            category,
            priority,
            emergency: false,
        } = verdict
        else {
            return verdict;
        };
        let steered = self
            .taxonomy
            .department(&department)
            .and_then(|d| self.taxonomy.steer(d, &category, zone));
        match steered {
            Some((to, to_category)) => {
                explanation.rules.push(format!(
                    "zone:{}:{department}→{}/{}",
                    zone.unwrap_or_default(),
                    to.id,
                    to_category.id
                ));
                Verdict::Route {
                    department: to.id.clone(),
                    category: to_category.id.clone(),
                    priority,
                    emergency: false,
                }
            }
            None => Verdict::Route {
                department,
                category,
                priority,
                emergency: false,
            },
        }
    }

    fn classify(&self, event: &ReceivedReport) -> Classification {
        let context = ReportContext {
            position: event.location,
            service: event.service_code.as_deref(),
            audience: event.audience(),
        };
        self.classifier.classify(&event.description, context)
    }
}

/// What routing a batch of reports will write once every report is decided: their
/// decisions, the incidents they opened or joined, and the events announcing them.
#[derive(Default)]
pub struct Decided {
    /// Codes decided before the batch or in it: a report announced twice is decided once.
    codes: HashSet<String>,
    decisions: Vec<Decision>,
    /// Reports routed to a department, to place in incidents all together.
    routed: Vec<Routed>,
    placed: Placed,
    events: Vec<Envelope>,
}

/// A report routed to a department, not yet placed in an incident.
struct Routed {
    event: ReceivedReport,
    decision: Decision,
    language: Lang,
    /// The report's own span: what placing it announces continues its trace.
    span: Span,
}

impl RouteReport {
    /// Starts a batch of `received` reports: reads which of them were decided before.
    pub async fn begin(
        &self,
        txn: &DatabaseTransaction,
        received: Vec<String>,
    ) -> Result<Decided, HandlerError> {
        Ok(Decided {
            codes: self.store.decided_among(txn, received).await?,
            ..Decided::default()
        })
    }

    /// Places the batch's routed reports in incidents, then writes its decisions,
    /// incidents and events.
    pub async fn finish(
        &self,
        txn: &DatabaseTransaction,
        mut decided: Decided,
    ) -> Result<(), HandlerError> {
        let routed = std::mem::take(&mut decided.routed);
        let reports: Vec<RoutedReport<'_>> = routed
            .iter()
            .filter_map(|r| RoutedReport::of(&r.decision, &r.event))
            .collect();
        self.incidents
            .lock_joinable(txn, &reports, &mut decided.placed)
            .await?;
        for report in routed {
            let span = report.span.clone();
            self.place_in_incident(txn, report, &mut decided)
                .instrument(span)
                .await?;
        }
        self.incidents.write(txn, decided.placed).await?;
        self.store.insert_all(txn, &decided.decisions).await?;
        self.outbox.record_envelopes(txn, decided.events).await?;
        Ok(())
    }

    /// Decides what one received report is, inside the current span (the report's). A
    /// report routed to a department is placed in an incident when the batch finishes.
    pub fn route(&self, event: ReceivedReport, decided: &mut Decided) -> Result<(), HandlerError> {
        let code = TrackingCode::parse(&event.tracking_code).map_err(|e| {
            HandlerError::Permanent(format!("tracking_code `{}`: {e}", event.tracking_code))
        })?;
        if !decided.codes.insert(code.to_string()) {
            // Already decided (the same report announced twice): the first decision stands.
            return Ok(());
        }
        let Classification {
            verdict,
            mut explanation,
        } = self.classify(&event);
        let language = event.language();
        let place = self.place(&event);
        let zone = match place {
            Place::Inside { zone } => zone,
            Place::Outside => None,
        };
        let verdict = match place {
            Place::Outside => {
                explanation
                    .rules
                    .push(format!("place:outside:{}", self.jurisdiction.id));
                Verdict::OutsideJurisdiction
            }
            Place::Inside { zone } => self.steer(verdict, zone, &mut explanation),
        };
        let decision = |outcome| Decision {
            tracking_code: code.to_string(),
            outcome,
            zone: zone.map(str::to_owned),
            received: Some(event.clone()),
            explanation,
            decided_at: Utc::now(),
            version: 1,
        };
        let (stored, announcement) = match verdict {
            Verdict::Route {
                department,
                category,
                priority,
                emergency,
            } => {
                let assignment = Assignment {
                    department,
                    category,
                    priority,
                };
                decided.routed.push(Routed {
                    decision: decision(Outcome::routed(assignment, emergency)),
                    event,
                    language,
                    span: Span::current(),
                });
                return Ok(());
            }
            Verdict::Review { reason } => {
                let stored = decision(Outcome::NeedsReview { reason });
                let announcement = events::needs_review(&stored, &self.taxonomy, language)
                    .map(|e| Envelope::new(&e));
                (stored, announcement)
            }
            verdict
            @ (Verdict::NotAReport | Verdict::OutOfRemit | Verdict::OutsideJurisdiction) => {
                let stored = decision(Outcome::Rejected);
                let announcement = Envelope::new(&events::rejected(
                    &stored,
                    &verdict,
                    &self.taxonomy,
                    &self.jurisdiction,
                    language,
                ));
                (stored, Some(announcement))
            }
        };
        decided.settle(stored, announcement);
        Ok(())
    }

    /// Places a routed report in an incident and announces where it went, inside the
    /// report's span.
    async fn place_in_incident(
        &self,
        txn: &DatabaseTransaction,
        report: Routed,
        decided: &mut Decided,
    ) -> Result<(), HandlerError> {
        let Routed {
            event,
            decision: mut stored,
            language,
            ..
        } = report;
        let placed = self
            .incidents
            .place_and_announce(txn, &event, &mut stored, &mut decided.placed)
            .await?;
        let alert = stored.is_emergency().then(|| {
            Envelope::new(&events::emergency_detected(
                &event,
                &stored,
                &self.taxonomy,
                language,
            ))
        });
        decided.settle(stored, placed.into_iter().chain(alert));
        Ok(())
    }
}

impl Decided {
    /// Keeps a report's decision and what announces it.
    fn settle(&mut self, decision: Decision, announcements: impl IntoIterator<Item = Envelope>) {
        metrics::counter!(
            "segnala_triage_decisions_total",
            "outcome" => outcome_name(&decision.outcome),
            "method" => decision.explanation.method.clone()
        )
        .increment(1);
        tracing::info!(
            tracking_code = %decision.tracking_code,
            department = %decision.assignment().map(|a| a.department.as_str()).unwrap_or_default(),
            zone = %decision.zone.as_deref().unwrap_or_default(),
            incident = %decision.incident().unwrap_or_default(),
            method = %decision.explanation.method,
            outcome = outcome_name(&decision.outcome),
            "report triaged"
        );
        self.decisions.push(decision);
        self.events.extend(announcements);
    }
}

/// How the log names an outcome.
fn outcome_name(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Routed(_) => "routed",
        Outcome::Merged { .. } => "merged",
        Outcome::Emergency { .. } => "emergency",
        Outcome::NeedsReview { .. } => "needs review",
        Outcome::Rejected => "rejected",
    }
}
