//! Where a report stands in public, as the status service tells it: intake relays it
//! to Open311 clients and to reporters on their channel.

/// A report's public state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PublicState {
    /// Not given (an older status service).
    #[default]
    Unspecified,
    Received,
    InReview,
    /// In a department's work queue.
    Assigned,
    InProgress,
    Resolved,
    Closed,
    Duplicate,
    Rejected,
}

impl PublicState {
    /// Whether a report in this state still needs work (Open311's "open").
    pub fn is_open(self) -> bool {
        !matches!(
            self,
            Self::Resolved | Self::Closed | Self::Duplicate | Self::Rejected
        )
    }

    /// "in_progress", as Open311's extensions name it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Unspecified => "unspecified",
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
}

/// The kind of step that moved a report: several steps lead to the same public state
/// (a hold and work started are both in progress; a reopened report is assigned).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StatusStep {
    /// Not given (an older status service).
    #[default]
    Unspecified,
    /// Intake accepted it.
    Received,
    /// Waiting for an operator's decision.
    InReview,
    /// Sent to a department.
    Routed,
    /// Joined another report of the same problem.
    Merged,
    /// Turned away, with a public reason.
    Rejected,
    /// In a department's work queue.
    WorkQueued,
    /// Back in the queue after a resolution, a closure or a cancellation.
    Reopened,
    /// A crew took it.
    CrewClaimed,
    /// A crew is working on it.
    WorkStarted,
    /// Work paused, with a public reason.
    OnHold,
    /// The crew fixed it.
    WorkResolved,
    /// The work order was closed.
    WorkClosed,
    /// The work order was cancelled.
    WorkCancelled,
}

impl StatusStep {
    /// "work_resolved", as Open311's extensions name it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Unspecified => "unspecified",
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
}
