//! What other services tell tracking about reports: where triage sent one, which
//! incident it joined, and what its reporter says of the fix.

use chrono::{DateTime, Duration, Utc};

use super::{Location, Priority};

/// A fact about a report that may open, move or close a work order.
#[derive(Clone, Debug, PartialEq)]
pub enum ReportEvent {
    Routed(Routing),
    Merged(Merge),
    Feedback(Feedback),
    Anonymized(Anonymization),
}

impl ReportEvent {
    /// `reports/{tracking_code}` of the report it is about.
    pub fn report(&self) -> &str {
        match self {
            Self::Routed(routing) => &routing.report,
            Self::Merged(merge) => &merge.report,
            Self::Feedback(feedback) => &feedback.report,
            Self::Anonymized(anonymization) => &anonymization.report,
        }
    }

    /// The incident the report belongs to now, when the event names one.
    pub fn incident(&self) -> Option<&str> {
        match self {
            Self::Routed(routing) => Some(routing.incident.as_str()),
            Self::Merged(merge) => Some(merge.incident.as_str()),
            Self::Feedback(_) | Self::Anonymized(_) => None,
        }
        .filter(|incident| !incident.is_empty())
    }
}

/// Triage sent a report to a department (again, on a reroute).
#[derive(Clone, Debug, PartialEq)]
pub struct Routing {
    pub report: String,
    /// `incidents/{id}`; empty for a report routed without one.
    pub incident: String,
    pub department: String,
    pub category: String,
    pub zone: String,
    /// `None` when triage gave none.
    pub priority: Option<Priority>,
    pub description: String,
    pub location: Option<Location>,
    pub address: String,
    /// `None` when the event does not say.
    pub routed_at: Option<DateTime<Utc>>,
    /// How long after routing the fix is due; `None` when triage set no target.
    pub resolve_within: Option<Duration>,
    pub version: i64,
}

/// Triage merged a report into an incident.
#[derive(Clone, Debug, PartialEq)]
pub struct Merge {
    pub report: String,
    pub incident: String,
    /// The incident's priority now; `None` when triage gave none.
    pub priority: Option<Priority>,
    pub version: i64,
}

/// A reporter answered whether the problem is fixed.
#[derive(Clone, Debug, PartialEq)]
pub struct Feedback {
    pub report: String,
    /// `None` when the answer carries no verdict.
    pub fixed: Option<bool>,
    /// The reporter's words, without their personal data; may be empty.
    pub reason: String,
    /// The resolution the reporter was asked about, when the event says.
    pub resolved_at: Option<DateTime<Utc>>,
}

/// Intake removed the personal data from a report's texts (its reporter's erasure, or
/// retention): the order's copy of the description loses the same data.
#[derive(Clone, Debug, PartialEq)]
pub struct Anonymization {
    pub report: String,
    /// The report's language, as intake knew it.
    pub language: Option<segnala_shared::lang::Lang>,
}
