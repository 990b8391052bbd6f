use chrono::{DateTime, Utc};

/// What the public may know of where a report stands. The order is the usual path, so
/// a status never moves back to an earlier state because of a late event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
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
        [
            Self::Received,
            Self::InReview,
            Self::Assigned,
            Self::InProgress,
            Self::Resolved,
            Self::Closed,
            Self::Duplicate,
            Self::Rejected,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct TimelineEntry {
    pub time: DateTime<Utc>,
    pub state: PublicState,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ReportStatus {
    pub tracking_code: String,
    pub state: PublicState,
    pub department: Option<String>,
    pub category: Option<String>,
    pub timeline: Vec<TimelineEntry>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}
