use chrono::{DateTime, Utc};
use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkOrderState {
    Queued,
    Claimed,
    InProgress,
    OnHold,
    Resolved,
    Closed,
    Cancelled,
    Reopened,
}

impl WorkOrderState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Claimed => "claimed",
            Self::InProgress => "in_progress",
            Self::OnHold => "on_hold",
            Self::Resolved => "resolved",
            Self::Closed => "closed",
            Self::Cancelled => "cancelled",
            Self::Reopened => "reopened",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Queued,
            Self::Claimed,
            Self::InProgress,
            Self::OnHold,
            Self::Resolved,
            Self::Closed,
            Self::Cancelled,
            Self::Reopened,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// Queue order: higher first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Priority {
    Low = 1,
    Normal = 2,
    High = 3,
    Critical = 4,
}

impl Priority {
    pub fn rank(self) -> i32 {
        self as i32
    }

    pub fn from_rank(rank: i32) -> Self {
        match rank {
            i32::MIN..=1 => Self::Low,
            2 => Self::Normal,
            3 => Self::High,
            _ => Self::Critical,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Location {
    pub latitude: f64,
    pub longitude: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct WorkOrder {
    pub id: Uuid,
    /// `reports/{tracking_code}` of each report the order answers.
    pub reports: Vec<String>,
    pub department: String,
    pub category: String,
    pub state: WorkOrderState,
    pub priority: Priority,
    pub description: String,
    pub location: Option<Location>,
    pub address: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl WorkOrder {
    pub fn name(&self) -> String {
        format!("workOrders/{}", self.id)
    }
}
