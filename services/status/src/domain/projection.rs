//! How each fact about a report changes its public status. Facts may arrive in any
//! order and more than once: each kind carries its own version, and an older one never
//! overwrites a newer one.

use chrono::{DateTime, Utc};
use segnala_shared::tracking_code::TrackingCode;

use super::{
    ApproximateLocation, PublicState, PublishedTaxonomy, ReportStatus, StepKind, TimelineEntry,
};

/// What triage last decided about a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TriageOutcome {
    Pending,
    InReview,
    Routed,
    Merged,
    Rejected,
}

impl TriageOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::InReview => "in_review",
            Self::Routed => "routed",
            Self::Merged => "merged",
            Self::Rejected => "rejected",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Pending,
            Self::InReview,
            Self::Routed,
            Self::Merged,
            Self::Rejected,
        ]
        .into_iter()
        .find(|o| o.as_str() == text)
    }
}

/// A report's public status with the versions it was built from.
#[derive(Clone, Debug, PartialEq)]
pub struct StatusRecord {
    /// The public part; its timeline is kept apart and left empty here.
    pub status: ReportStatus,
    pub triage: TriageOutcome,
    pub received_version: i64,
    pub routing_version: i64,
    pub work_order: Option<String>,
    pub work_order_version: i64,
    /// The public meaning of the work order's state, once there is one.
    pub work_order_state: Option<PublicState>,
}

/// What one event says about reports.
#[derive(Clone, Debug)]
pub enum Fact {
    Received(TrackingCode, Received),
    Routed(TrackingCode, Routed),
    Merged(TrackingCode, Merged),
    TriageHold(TrackingCode, TriageHold),
    /// Applies to the listed reports and every report of the order's incident.
    WorkOrder(Vec<String>, WorkOrderUpdate),
    /// Names for the departments and categories; about no report.
    Taxonomy(PublishedTaxonomy),
}

/// Intake accepted the report.
#[derive(Clone, Debug)]
pub struct Received {
    pub at: DateTime<Utc>,
    pub version: i64,
    pub service_code: String,
    pub description: String,
    pub channel: Option<String>,
    /// Exact; rounded before it is kept.
    pub location: Option<(f64, f64)>,
    /// The jurisdiction's zone of the location: triage names the same one later.
    pub zone: Option<String>,
}

/// Triage routed the report to a department (again, on a reroute).
#[derive(Clone, Debug)]
pub struct Routed {
    pub at: DateTime<Utc>,
    pub version: i64,
    pub department: String,
    pub category: String,
    pub service_code: String,
    pub zone: String,
    pub incident: String,
}

/// Triage merged the report into an open incident.
#[derive(Clone, Debug)]
pub struct Merged {
    pub at: DateTime<Utc>,
    pub version: i64,
    pub incident: String,
    /// Tracking code of the incident's first report.
    pub duplicate_of: String,
    pub department: String,
    pub category: String,
    /// The incident's Open311 service code, which the report is handled under now.
    pub service_code: String,
}

/// Triage asked a person to decide, or turned the report away.
#[derive(Clone, Debug)]
pub struct TriageHold {
    pub at: DateTime<Utc>,
    pub version: i64,
    pub rejected: bool,
    /// The public sentence for the reporter (never the classifier's explanation).
    pub reason: String,
}

/// The work order answering the report changed.
#[derive(Clone, Debug)]
pub struct WorkOrderUpdate {
    pub at: DateTime<Utc>,
    pub work_order: String,
    pub version: i64,
    pub step: StepKind,
    pub state: PublicState,
    pub department: String,
    pub category: String,
    pub zone: String,
    pub incident: String,
    pub expected_at: Option<DateTime<Utc>>,
    pub public_note: String,
    pub reason: String,
    /// False when tracking changed something else than the order's state (priority,
    /// due time): with no note, that is no step the public needs to read.
    pub state_changed: bool,
}

/// What one fact did to a status.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    pub entry: TimelineEntry,
    /// The public state before the fact; `None` when the report was new to status.
    pub previous_state: Option<PublicState>,
    /// Details changed (such as the expected date) but no step was taken: nothing to
    /// add to the timeline nor to announce.
    pub quiet: bool,
}

impl Change {
    /// Whether the reporter should hear of it: the state moved, or someone wrote a
    /// public note. A report's first "received" is answered by intake itself.
    pub fn is_news(&self) -> bool {
        if self.quiet {
            return false;
        }
        match self.previous_state {
            None => self.entry.state != PublicState::Received,
            Some(previous) => previous != self.entry.state || !self.entry.note.is_empty(),
        }
    }
}

fn non_empty(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

fn set_if_given(field: &mut Option<String>, value: &str) {
    if let Some(value) = non_empty(value) {
        *field = Some(value);
    }
}

impl StatusRecord {
    /// A report status knows nothing of yet.
    pub fn new(tracking_code: &str, at: DateTime<Utc>) -> Self {
        Self {
            status: ReportStatus {
                tracking_code: tracking_code.to_owned(),
                state: PublicState::Received,
                department: None,
                category: None,
                service_code: None,
                zone: None,
                incident: None,
                duplicate_of: None,
                description: None,
                channel: None,
                location: None,
                expected_at: None,
                reason: None,
                version: 0,
                timeline: Vec::new(),
                created_at: at,
                updated_at: at,
            },
            triage: TriageOutcome::Pending,
            received_version: 0,
            routing_version: 0,
            work_order: None,
            work_order_version: 0,
            work_order_state: None,
        }
    }

    fn is_new(&self) -> bool {
        self.status.version == 0
    }

    /// The public state that follows from the facts known.
    fn derived_state(&self) -> PublicState {
        match (self.triage, self.work_order_state) {
            (TriageOutcome::Rejected, _) => PublicState::Rejected,
            (_, Some(state)) => state,
            (TriageOutcome::Merged, None) => PublicState::Duplicate,
            (TriageOutcome::InReview, None) => PublicState::InReview,
            (TriageOutcome::Pending | TriageOutcome::Routed, None) => PublicState::Received,
        }
    }

    /// Re-derives the state after a fact and says what changed.
    fn settle(
        &mut self,
        at: DateTime<Utc>,
        kind: StepKind,
        detail: String,
        note: String,
    ) -> Change {
        let previous_state = (!self.is_new()).then_some(self.status.state);
        self.status.state = self.derived_state();
        self.status.version += 1;
        self.status.updated_at = self.status.updated_at.max(at);
        Change {
            entry: TimelineEntry {
                time: at,
                state: self.status.state,
                kind,
                detail,
                note,
            },
            previous_state,
            quiet: false,
        }
    }

    pub fn apply_received(&mut self, fact: Received) -> Option<Change> {
        if self.received_version > 0 && fact.version <= self.received_version {
            return None;
        }
        self.received_version = fact.version.max(1);
        // A later event may have made the record first; the report is as old as this.
        self.status.created_at = self.status.created_at.min(fact.at);
        set_if_given(&mut self.status.service_code, &fact.service_code);
        self.status.description = non_empty(&fact.description);
        self.status.channel = fact.channel;
        self.status.location = fact
            .location
            .and_then(|(lat, lon)| ApproximateLocation::round(lat, lon));
        // Triage's zone, once routed, stands.
        if self.status.zone.is_none() {
            self.status.zone = fact.zone;
        }
        Some(self.settle(fact.at, StepKind::Received, String::new(), String::new()))
    }

    fn accept_routing_version(&mut self, version: i64) -> bool {
        if version <= self.routing_version {
            return false;
        }
        self.routing_version = version;
        true
    }

    /// A new incident means another work order: the old one's progress no longer
    /// speaks for this report.
    fn join_incident(&mut self, incident: &str) {
        let Some(incident) = non_empty(incident) else {
            return;
        };
        if self.status.incident.as_deref() != Some(incident.as_str()) {
            if self.status.incident.is_some() {
                self.work_order = None;
                self.work_order_state = None;
                self.work_order_version = 0;
                self.status.expected_at = None;
            }
            self.status.incident = Some(incident);
        }
    }

    pub fn apply_routed(&mut self, fact: Routed) -> Option<Change> {
        if !self.accept_routing_version(fact.version) {
            return None;
        }
        self.triage = TriageOutcome::Routed;
        self.status.duplicate_of = None;
        self.status.reason = None;
        self.status.department = non_empty(&fact.department);
        set_if_given(&mut self.status.category, &fact.category);
        set_if_given(&mut self.status.service_code, &fact.service_code);
        set_if_given(&mut self.status.zone, &fact.zone);
        self.join_incident(&fact.incident);
        Some(self.settle(fact.at, StepKind::Routed, fact.department, String::new()))
    }

    /// `sibling` is another report of the incident, whose work order this one follows
    /// from now on.
    pub fn apply_merged(&mut self, fact: Merged, sibling: Option<&StatusRecord>) -> Option<Change> {
        if !self.accept_routing_version(fact.version) {
            return None;
        }
        self.triage = TriageOutcome::Merged;
        self.status.reason = None;
        self.status.duplicate_of = non_empty(&fact.duplicate_of);
        set_if_given(&mut self.status.department, &fact.department);
        set_if_given(&mut self.status.category, &fact.category);
        set_if_given(&mut self.status.service_code, &fact.service_code);
        self.join_incident(&fact.incident);
        if let Some(sibling) = sibling
            && self.work_order.is_none()
            && sibling.status.incident == self.status.incident
        {
            self.work_order = sibling.work_order.clone();
            self.work_order_version = sibling.work_order_version;
            self.work_order_state = sibling.work_order_state;
            self.status.expected_at = sibling.status.expected_at;
        }
        Some(self.settle(fact.at, StepKind::Merged, fact.duplicate_of, String::new()))
    }

    pub fn apply_triage_hold(&mut self, fact: TriageHold) -> Option<Change> {
        if !self.accept_routing_version(fact.version) {
            return None;
        }
        let (outcome, kind) = if fact.rejected {
            (TriageOutcome::Rejected, StepKind::Rejected)
        } else {
            (TriageOutcome::InReview, StepKind::InReview)
        };
        self.triage = outcome;
        self.status.reason = non_empty(&fact.reason);
        // The step's own sentence says an operator is checking; a rejection's reason
        // is what the step is about.
        let note = if fact.rejected {
            fact.reason
        } else {
            String::new()
        };
        Some(self.settle(fact.at, kind, String::new(), note))
    }

    pub fn apply_work_order(&mut self, fact: WorkOrderUpdate) -> Option<Change> {
        let same_order = self.work_order.as_deref() == Some(fact.work_order.as_str());
        if same_order && fact.version <= self.work_order_version {
            return None;
        }
        // An order for an incident the report has since left says nothing about it.
        if let (Some(incident), Some(order_incident)) =
            (&self.status.incident, non_empty(&fact.incident))
            && *incident != order_incident
            && self.routing_version > 0
        {
            return None;
        }
        let previous_order_state = self.work_order_state;
        self.work_order = Some(fact.work_order);
        self.work_order_version = fact.version;
        self.work_order_state = Some(fact.state);
        // The order's queue is where the report is now, even if the routing event that
        // said so has not arrived yet.
        set_if_given(&mut self.status.department, &fact.department);
        set_if_given(&mut self.status.category, &fact.category);
        set_if_given(&mut self.status.zone, &fact.zone);
        if self.status.incident.is_none() {
            self.status.incident = non_empty(&fact.incident);
        }
        if fact.expected_at.is_some() {
            self.status.expected_at = fact.expected_at;
        }
        let reason = non_empty(&fact.reason);
        // A reason belongs to the order's state it came with (on hold, cancelled): a
        // new state without one drops it. A rejection by triage keeps its own.
        let order_moved = fact.state_changed || previous_order_state != Some(fact.state);
        if self.triage != TriageOutcome::Rejected && (reason.is_some() || order_moved) {
            self.status.reason = reason.clone();
        }
        let note = non_empty(&fact.public_note).or(reason).unwrap_or_default();
        let same_state = self.work_order_state == previous_order_state
            && self.derived_state() == self.status.state;
        if same_order && same_state && !fact.state_changed && note.is_empty() {
            self.status.version += 1;
            return Some(Change {
                entry: TimelineEntry {
                    time: fact.at,
                    state: self.status.state,
                    kind: fact.step,
                    detail: String::new(),
                    note,
                },
                previous_state: Some(self.status.state),
                quiet: true,
            });
        }
        Some(self.settle(fact.at, fact.step, String::new(), note))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap_or_default()
    }

    fn received() -> Received {
        Received {
            at: at(0),
            version: 1,
            service_code: "lamp-out".into(),
            description: "Lampione spento".into(),
            channel: Some("telegram".into()),
            location: Some((45.464_249, 9.189_951)),
            zone: Some("municipio_1".into()),
        }
    }

    fn routed(version: i64, incident: &str) -> Routed {
        Routed {
            at: at(10),
            version,
            department: "street_lighting".into(),
            category: "lamp_out".into(),
            service_code: String::new(),
            zone: "municipio_1".into(),
            incident: incident.into(),
        }
    }

    fn order(version: i64, step: StepKind, state: PublicState) -> WorkOrderUpdate {
        WorkOrderUpdate {
            at: at(20 + version),
            work_order: "workOrders/1".into(),
            version,
            step,
            state,
            department: "street_lighting".into(),
            category: String::new(),
            zone: String::new(),
            incident: "incidents/1".into(),
            expected_at: Some(at(86_400)),
            public_note: String::new(),
            reason: String::new(),
            state_changed: true,
        }
    }

    #[test]
    fn a_report_moves_through_its_public_states() {
        let mut record = StatusRecord::new("AAAA-BBBB-CCCC", at(0));
        let first = record.apply_received(received());
        assert!(
            !first.is_some_and(|c| c.is_news()),
            "intake answers the first step"
        );
        assert_eq!(
            record.status.location,
            Some(ApproximateLocation {
                latitude: 45.464,
                longitude: 9.19
            })
        );
        record.apply_routed(routed(1, "incidents/1"));
        assert_eq!(record.status.state, PublicState::Received);
        let queued = record.apply_work_order(order(1, StepKind::WorkQueued, PublicState::Assigned));
        assert!(queued.is_some_and(|c| c.is_news()));
        assert_eq!(record.status.state, PublicState::Assigned);
        assert_eq!(record.status.expected_at, Some(at(86_400)));
        let mut resolved = order(3, StepKind::WorkResolved, PublicState::Resolved);
        resolved.public_note = "Lampada sostituita".into();
        let change = record.apply_work_order(resolved);
        assert_eq!(
            change.map(|c| (c.previous_state, c.entry.note)),
            Some((Some(PublicState::Assigned), "Lampada sostituita".into()))
        );
        // A late, older change of the same order moves nothing.
        assert_eq!(
            record.apply_work_order(order(2, StepKind::WorkStarted, PublicState::InProgress)),
            None
        );
        assert_eq!(record.status.state, PublicState::Resolved);
    }

    fn merge() -> Merged {
        Merged {
            at: at(5),
            version: 1,
            incident: "incidents/1".into(),
            duplicate_of: "ZZZZ-YYYY-XXXX".into(),
            department: "street_lighting".into(),
            category: String::new(),
            service_code: "101".into(),
        }
    }

    #[test]
    fn a_report_merged_into_a_busy_incident_follows_its_order_at_once() {
        let mut first = StatusRecord::new("ZZZZ-YYYY-XXXX", at(0));
        first.apply_routed(routed(1, "incidents/1"));
        first.apply_work_order(order(2, StepKind::CrewClaimed, PublicState::InProgress));
        let mut record = StatusRecord::new("AAAA-BBBB-CCCC", at(0));
        record.apply_received(received());
        let change = record.apply_merged(merge(), Some(&first));
        assert_eq!(record.status.state, PublicState::InProgress);
        assert_eq!(change.map(|c| c.entry.kind), Some(StepKind::Merged));
        assert_eq!(record.status.expected_at, Some(at(86_400)));
    }

    #[test]
    fn a_merged_report_is_a_duplicate_until_the_incident_moves() {
        let mut record = StatusRecord::new("AAAA-BBBB-CCCC", at(0));
        // Filed without a service, as gRPC and chat reports are.
        record.apply_received(Received {
            service_code: String::new(),
            ..received()
        });
        let merged = record.apply_merged(merge(), None);
        assert!(merged.is_some_and(|c| c.is_news()));
        assert_eq!(record.status.state, PublicState::Duplicate);
        assert_eq!(
            record.status.duplicate_of.as_deref(),
            Some("ZZZZ-YYYY-XXXX")
        );
        assert_eq!(
            record.status.service_code.as_deref(),
            Some("101"),
            "the incident's service, also for a report filed without one"
        );
        record.apply_work_order(order(4, StepKind::CrewClaimed, PublicState::InProgress));
        assert_eq!(record.status.state, PublicState::InProgress);
    }

    #[test]
    fn events_out_of_order_end_in_the_same_status() {
        let mut record = StatusRecord::new("AAAA-BBBB-CCCC", at(30));
        let change = record.apply_work_order(order(1, StepKind::WorkQueued, PublicState::Assigned));
        assert_eq!(change.map(|c| c.previous_state), Some(None));
        record.apply_routed(routed(1, "incidents/1"));
        record.apply_received(received());
        assert_eq!(record.status.state, PublicState::Assigned);
        assert_eq!(record.status.created_at, at(0));
        assert_eq!(record.status.channel.as_deref(), Some("telegram"));
        assert_eq!(record.status.department.as_deref(), Some("street_lighting"));
    }

    #[test]
    fn review_then_rejection_carry_the_public_reason() {
        let mut record = StatusRecord::new("AAAA-BBBB-CCCC", at(0));
        record.apply_received(received());
        record.apply_triage_hold(TriageHold {
            at: at(1),
            version: 1,
            rejected: false,
            reason: "Non è chiaro il luogo".into(),
        });
        assert_eq!(record.status.state, PublicState::InReview);
        let rejected = record.apply_triage_hold(TriageHold {
            at: at(2),
            version: 2,
            rejected: true,
            reason: "Fuori dal territorio comunale".into(),
        });
        assert_eq!(record.status.state, PublicState::Rejected);
        assert_eq!(
            record.status.reason.as_deref(),
            Some("Fuori dal territorio comunale")
        );
        assert!(rejected.is_some_and(|c| c.is_news()));
        // The rejection's version is newer than a late review.
        let stale = record.apply_triage_hold(TriageHold {
            at: at(1),
            version: 1,
            rejected: false,
            reason: String::new(),
        });
        assert_eq!(stale, None);
    }

    #[test]
    fn a_reroute_to_another_incident_drops_the_old_order() {
        let mut record = StatusRecord::new("AAAA-BBBB-CCCC", at(0));
        record.apply_routed(routed(1, "incidents/1"));
        record.apply_work_order(order(1, StepKind::WorkQueued, PublicState::Assigned));
        record.apply_routed(routed(2, "incidents/2"));
        assert_eq!(record.status.state, PublicState::Received);
        assert_eq!(record.status.expected_at, None);
        // The old order keeps moving; it is not this report's any more.
        assert_eq!(
            record.apply_work_order(order(2, StepKind::WorkResolved, PublicState::Resolved)),
            None
        );
    }

    #[test]
    fn a_change_of_the_order_that_keeps_its_state_and_says_nothing_is_no_step() {
        let mut record = StatusRecord::new("AAAA-BBBB-CCCC", at(0));
        record.apply_routed(routed(1, "incidents/1"));
        record.apply_work_order(order(1, StepKind::WorkQueued, PublicState::Assigned));
        // Tracking raised the priority: same state, new due time, no note.
        let mut reprioritised = order(2, StepKind::WorkQueued, PublicState::Assigned);
        reprioritised.state_changed = false;
        reprioritised.expected_at = Some(at(3_600));
        let change = record.apply_work_order(reprioritised.clone());
        assert!(change.as_ref().is_some_and(|c| c.quiet && !c.is_news()));
        assert_eq!(
            record.status.expected_at,
            Some(at(3_600)),
            "the date still moves"
        );
        // The same kind of change with a note is a step the public reads.
        let mut noted = reprioritised;
        noted.version = 3;
        noted.public_note = "Intervento anticipato".into();
        let change = record.apply_work_order(noted);
        assert!(change.is_some_and(|c| !c.quiet && c.is_news()));
    }

    #[test]
    fn a_report_is_in_its_zone_from_the_first_step_and_triage_has_the_last_word() {
        let mut record = StatusRecord::new("AAAA-BBBB-CCCC", at(0));
        record.apply_received(received());
        assert_eq!(record.status.zone.as_deref(), Some("municipio_1"));
        let mut elsewhere = routed(1, "incidents/1");
        elsewhere.zone = "municipio_2".into();
        record.apply_routed(elsewhere);
        assert_eq!(record.status.zone.as_deref(), Some("municipio_2"));
        // A late receipt does not undo triage's zone.
        let mut late = StatusRecord::new("AAAA-BBBB-CCCD", at(0));
        late.apply_routed(routed(1, "incidents/1"));
        let mut moved = received();
        moved.zone = Some("municipio_9".into());
        late.apply_received(moved);
        assert_eq!(late.status.zone.as_deref(), Some("municipio_1"));
    }

    #[test]
    fn a_hold_reason_and_the_expected_date_go_once_the_work_is_done() {
        let mut record = StatusRecord::new("AAAA-BBBB-CCCC", at(0));
        record.apply_routed(routed(1, "incidents/1"));
        let mut held = order(1, StepKind::OnHold, PublicState::InProgress);
        held.reason = "In attesa del pezzo di ricambio".into();
        record.apply_work_order(held);
        assert_eq!(
            record.status.public_reason(),
            Some("In attesa del pezzo di ricambio")
        );
        assert_eq!(record.status.public_expected_at(), Some(at(86_400)));
        record.apply_work_order(order(2, StepKind::WorkStarted, PublicState::InProgress));
        assert_eq!(
            record.status.reason, None,
            "work goes on: no longer on hold"
        );
        let mut held_again = order(3, StepKind::OnHold, PublicState::InProgress);
        held_again.reason = "Strada chiusa".into();
        record.apply_work_order(held_again);
        record.apply_work_order(order(4, StepKind::WorkResolved, PublicState::Resolved));
        assert_eq!(record.status.public_reason(), None);
        assert_eq!(record.status.public_expected_at(), None);
        // Even a reason stored before this rule is not shown on a resolved report.
        record.status.reason = Some("Strada chiusa".into());
        assert_eq!(record.status.public_reason(), None);
    }

    #[test]
    fn a_review_step_carries_no_note_and_its_reason_is_the_public_sentence() {
        let mut record = StatusRecord::new("AAAA-BBBB-CCCC", at(0));
        let change = record.apply_triage_hold(TriageHold {
            at: at(1),
            version: 1,
            rejected: false,
            reason: "Un operatore verificherà la segnalazione.".into(),
        });
        assert_eq!(change.map(|c| c.entry.note), Some(String::new()));
        assert_eq!(
            record.status.public_reason(),
            Some("Un operatore verificherà la segnalazione.")
        );
    }
}
