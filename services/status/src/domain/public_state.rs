use chrono::{DateTime, Utc};

/// What the public may know of where a report stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PublicState {
    Received,
    InReview,
    Assigned,
    InProgress,
    Resolved,
    Closed,
    Duplicate,
    Rejected,
}

impl PublicState {
    pub const ALL: [Self; 8] = [
        Self::Received,
        Self::InReview,
        Self::Assigned,
        Self::InProgress,
        Self::Resolved,
        Self::Closed,
        Self::Duplicate,
        Self::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::InReview => "in_review",
            Self::Assigned => "assigned",
            Self::InProgress => "in_progress",
            Self::Resolved => "resolved",
            Self::Closed => "closed",
            Self::Duplicate => "duplicate",
            Self::Rejected => "rejected",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Whether the report still needs work (Open311's "open").
    pub fn is_open(self) -> bool {
        matches!(
            self,
            Self::Received | Self::InReview | Self::Assigned | Self::InProgress
        )
    }
}

/// What kind of step a timeline entry records; the pages word it per language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepKind {
    Received,
    InReview,
    /// `detail` is the department id.
    Routed,
    /// `detail` is the tracking code of the report it duplicates.
    Merged,
    /// `detail` is the public reason.
    Rejected,
    WorkQueued,
    Reopened,
    CrewClaimed,
    WorkStarted,
    OnHold,
    WorkResolved,
    WorkClosed,
    WorkCancelled,
}

impl StepKind {
    const ALL: [Self; 13] = [
        Self::Received,
        Self::InReview,
        Self::Routed,
        Self::Merged,
        Self::Rejected,
        Self::WorkQueued,
        Self::Reopened,
        Self::CrewClaimed,
        Self::WorkStarted,
        Self::OnHold,
        Self::WorkResolved,
        Self::WorkClosed,
        Self::WorkCancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::InReview => "in_review",
            Self::Routed => "routed",
            Self::Merged => "merged",
            Self::Rejected => "rejected",
            Self::WorkQueued => "work_queued",
            Self::Reopened => "reopened",
            Self::CrewClaimed => "crew_claimed",
            Self::WorkStarted => "work_started",
            Self::OnHold => "on_hold",
            Self::WorkResolved => "work_resolved",
            Self::WorkClosed => "work_closed",
            Self::WorkCancelled => "work_cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// The usual step that leads to `state`.
    pub fn for_state(state: PublicState) -> Self {
        match state {
            PublicState::Received => Self::Received,
            PublicState::InReview => Self::InReview,
            PublicState::Assigned => Self::WorkQueued,
            PublicState::InProgress => Self::WorkStarted,
            PublicState::Resolved => Self::WorkResolved,
            PublicState::Closed => Self::WorkClosed,
            PublicState::Duplicate => Self::Merged,
            PublicState::Rejected => Self::Rejected,
        }
    }
}

/// One public step in a report's life.
#[derive(Clone, Debug, PartialEq)]
pub struct TimelineEntry {
    pub time: DateTime<Utc>,
    pub state: PublicState,
    pub kind: StepKind,
    /// What the step is about: a department, a report, a public note or reason.
    pub detail: String,
    /// The crew's or operator's public note, if the step has one.
    pub note: String,
}

/// A point rounded so that no single home can be told from it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ApproximateLocation {
    pub latitude: f64,
    pub longitude: f64,
}

impl ApproximateLocation {
    /// Three decimals of a degree: about 110 m north–south, less east–west.
    pub fn round(latitude: f64, longitude: f64) -> Option<Self> {
        let valid = latitude.is_finite()
            && longitude.is_finite()
            && (-90.0..=90.0).contains(&latitude)
            && (-180.0..=180.0).contains(&longitude);
        let round = |v: f64| (v * 1000.0).round() / 1000.0;
        valid.then(|| Self {
            latitude: round(latitude),
            longitude: round(longitude),
        })
    }
}

/// The channel a report came in on, by its public name ("telegram").
pub type ChannelName = String;

/// How much of a status a read returns: all of it, or all but the timeline, which
/// costs more to read than the rest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusView {
    Basic,
    Full,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ReportStatus {
    pub tracking_code: String,
    pub state: PublicState,
    pub department: Option<String>,
    pub category: Option<String>,
    pub service_code: Option<String>,
    pub zone: Option<String>,
    /// "incidents/{id}".
    pub incident: Option<String>,
    /// Tracking code of the report this one duplicates.
    pub duplicate_of: Option<String>,
    pub description: Option<String>,
    pub channel: Option<ChannelName>,
    pub location: Option<ApproximateLocation>,
    pub expected_at: Option<DateTime<Utc>>,
    /// Why it was rejected or is waiting, as a public sentence.
    pub reason: Option<String>,
    /// Raised by every public change.
    pub version: i64,
    pub timeline: Vec<TimelineEntry>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ReportStatus {
    /// When the city expects it fixed, while that still means something: never once
    /// the report is resolved, closed, a duplicate or rejected.
    pub fn public_expected_at(&self) -> Option<DateTime<Utc>> {
        self.expected_at.filter(|_| self.state.is_open())
    }

    /// Why it waits or was turned away, only while that applies: in review, on hold
    /// (in progress) or rejected. A resolved report has no reason left to give.
    pub fn public_reason(&self) -> Option<&str> {
        let applies = matches!(
            self.state,
            PublicState::InReview | PublicState::InProgress | PublicState::Rejected
        );
        self.reason.as_deref().filter(|_| applies)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_are_rounded_to_three_decimals() {
        let rounded = ApproximateLocation::round(45.464_249, 9.189_951);
        assert_eq!(
            rounded,
            Some(ApproximateLocation {
                latitude: 45.464,
                longitude: 9.19
            })
        );
        assert_eq!(ApproximateLocation::round(91.0, 0.0), None);
        assert_eq!(ApproximateLocation::round(f64::NAN, 0.0), None);
    }

    #[test]
    fn names_read_back() {
        for state in PublicState::ALL {
            assert_eq!(PublicState::parse(state.as_str()), Some(state));
        }
        for kind in StepKind::ALL {
            assert_eq!(StepKind::parse(kind.as_str()), Some(kind));
        }
    }
}
