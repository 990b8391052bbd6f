use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
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
    pub const ALL: [Self; 8] = [
        Self::Queued,
        Self::Claimed,
        Self::InProgress,
        Self::OnHold,
        Self::Resolved,
        Self::Closed,
        Self::Cancelled,
        Self::Reopened,
    ];
    /// Waiting for a crew to claim it.
    pub const CLAIMABLE: [Self; 2] = [Self::Queued, Self::Reopened];
    /// Held by a crew under a lease that can run out.
    pub const LEASED: [Self; 2] = [Self::Claimed, Self::InProgress];
    /// Still needing work.
    pub const OPEN: [Self; 5] = [
        Self::Queued,
        Self::Reopened,
        Self::Claimed,
        Self::InProgress,
        Self::OnHold,
    ];

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
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn is_open(self) -> bool {
        Self::OPEN.contains(&self)
    }

    /// Held by a crew: claimed, in progress or on hold.
    pub fn is_held(self) -> bool {
        matches!(self, Self::Claimed | Self::InProgress | Self::OnHold)
    }

    /// For messages: "in progress".
    pub fn words(self) -> &'static str {
        match self {
            Self::InProgress => "in progress",
            Self::OnHold => "on hold",
            other => other.as_str(),
        }
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

/// How long after routing an order is due, per priority, when triage gave no target.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct ResolveWithin {
    pub low_hours: u32,
    pub normal_hours: u32,
    pub high_hours: u32,
    pub critical_hours: u32,
}

impl Default for ResolveWithin {
    fn default() -> Self {
        Self {
            low_hours: 14 * 24,
            normal_hours: 5 * 24,
            high_hours: 48,
            critical_hours: 4,
        }
    }
}

impl ResolveWithin {
    pub fn for_priority(&self, priority: Priority) -> Duration {
        let hours = match priority {
            Priority::Low => self.low_hours,
            Priority::Normal => self.normal_hours,
            Priority::High => self.high_hours,
            Priority::Critical => self.critical_hours,
        };
        Duration::hours(i64::from(hours))
    }
}

/// Why an order was cancelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CancelReason {
    Duplicate,
    NotCityResponsibility,
    NoFurtherAction,
}

impl CancelReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Duplicate => "duplicate",
            Self::NotCityResponsibility => "not_city_responsibility",
            Self::NoFurtherAction => "no_further_action",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Duplicate,
            Self::NotCityResponsibility,
            Self::NoFurtherAction,
        ]
        .into_iter()
        .find(|r| r.as_str() == text)
    }

    /// The public sentence for reporters.
    pub fn sentence(self) -> &'static str {
        match self {
            Self::Duplicate => "Another work order answers the same problem",
            Self::NotCityResponsibility => "This is not the city's responsibility",
            Self::NoFurtherAction => "No further action will be taken",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Location {
    pub latitude: f64,
    pub longitude: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoteVisibility {
    Internal,
    Public,
}

impl NoteVisibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Internal => "internal",
            Self::Public => "public",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Internal, Self::Public]
            .into_iter()
            .find(|v| v.as_str() == text)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Note {
    pub author: String,
    pub visibility: NoteVisibility,
    pub text: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct WorkOrder {
    pub id: Uuid,
    /// `incidents/{id}`: one order per incident. Empty for orders of reports routed
    /// without one.
    pub incident: String,
    /// `reports/{tracking_code}` of each report the order answers.
    pub reports: Vec<String>,
    pub department: String,
    pub category: String,
    pub zone: String,
    pub state: WorkOrderState,
    pub priority: Priority,
    pub description: String,
    pub location: Option<Location>,
    pub address: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Raised by every change.
    pub version: i64,
    /// When the city expects it fixed.
    pub due_at: DateTime<Utc>,
    /// The crew holding it, or the crew that resolved it.
    pub crew: Option<String>,
    pub lease_until: Option<DateTime<Utc>>,
    pub hold_reason: Option<String>,
    pub cancel_reason: Option<CancelReason>,
    /// The latest public note.
    pub public_note: Option<String>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// The due time an escalation was raised for, so it is raised once per due time.
    pub escalated_due: Option<DateTime<Utc>>,
    /// The hash of the order's latest audit entry and how many it has.
    pub audit_head: String,
    pub audit_count: i64,
}

/// What a new order is made of: the routed report's facts.
#[derive(Clone, Debug, PartialEq)]
pub struct NewWorkOrder {
    pub incident: String,
    pub report: String,
    pub department: String,
    pub category: String,
    pub zone: String,
    pub priority: Priority,
    pub description: String,
    pub location: Option<Location>,
    pub address: String,
    pub due_at: DateTime<Utc>,
}

impl WorkOrder {
    /// A new order, queued at `now`, with no crew, notes or audit entries yet.
    pub fn queued(new: NewWorkOrder, now: DateTime<Utc>) -> Self {
        Self {
            id: Uuid::now_v7(),
            incident: new.incident,
            reports: vec![new.report],
            department: new.department,
            category: new.category,
            zone: new.zone,
            state: WorkOrderState::Queued,
            priority: new.priority,
            description: new.description,
            location: new.location,
            address: new.address,
            created_at: now,
            updated_at: now,
            version: 1,
            due_at: new.due_at,
            crew: None,
            lease_until: None,
            hold_reason: None,
            cancel_reason: None,
            public_note: None,
            resolved_at: None,
            escalated_due: None,
            audit_head: String::new(),
            audit_count: 0,
        }
    }

    pub fn name(&self) -> String {
        format!("workOrders/{}", self.id)
    }

    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        self.state.is_open() && self.due_at < now
    }

    /// Open, past due, and not yet escalated for this due time.
    pub fn needs_escalation(&self, now: DateTime<Utc>) -> bool {
        self.is_overdue(now) && self.escalated_due != Some(self.due_at)
    }
}
