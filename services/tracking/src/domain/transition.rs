//! The work order's state machine: every change goes through [`WorkOrder::apply`], which
//! either changes the order and says what happened, or refuses and changes nothing.

use chrono::{DateTime, Utc};

use super::{CancelReason, NoteVisibility, PhotoKind, Priority, WorkOrder, WorkOrderState};

/// Something someone wants done to an order.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// A crew takes a queued order.
    Claim {
        crew: String,
        lease_until: DateTime<Utc>,
    },
    /// An operator hands an open order to a crew (or to another one).
    Assign {
        crew: String,
        lease_until: DateTime<Utc>,
    },
    RenewLease {
        crew: String,
        lease_until: DateTime<Utc>,
    },
    /// Starts work, or resumes it after a hold.
    Start {
        crew: String,
        lease_until: DateTime<Utc>,
    },
    Hold {
        crew: String,
        reason: String,
    },
    Resolve {
        crew: String,
        public_note: String,
    },
    Release {
        crew: String,
    },
    /// The lease ran out: back to the queue.
    ExpireLease,
    Close,
    Cancel {
        reason: CancelReason,
        public_note: Option<String>,
    },
    Reopen {
        reason: String,
        due_at: DateTime<Utc>,
    },
    /// The order passed its due time while open: raise it, once per due time.
    Escalate,
    Note {
        visibility: NoteVisibility,
        text: String,
    },
    AttachPhoto {
        kind: PhotoKind,
        content_type: String,
        size_bytes: usize,
    },
    /// Another report of the same problem joins the order.
    AttachReport {
        report: String,
        priority: Option<Priority>,
    },
    /// A report leaves the order (triage moved it to another incident).
    DetachReport {
        report: String,
    },
    /// A reporter said whether the problem is fixed. Recorded whatever the state; what
    /// follows from it (closing, reopening) is a command of its own.
    Feedback {
        fixed: bool,
        /// The reporter's words, without their personal data; may be empty.
        reason: String,
    },
    /// Triage sent the order's problem to another department.
    Reroute {
        department: String,
        category: String,
        priority: Priority,
        due_at: DateTime<Utc>,
    },
}

impl Command {
    pub fn action(&self) -> &'static str {
        match self {
            Self::Claim { .. } => "claim",
            Self::Assign { .. } => "assign",
            Self::RenewLease { .. } => "renew_lease",
            Self::Start { .. } => "start",
            Self::Hold { .. } => "hold",
            Self::Resolve { .. } => "resolve",
            Self::Release { .. } => "release",
            Self::ExpireLease => "expire_lease",
            Self::Close => "close",
            Self::Cancel { .. } => "cancel",
            Self::Reopen { .. } => "reopen",
            Self::Escalate => "escalate",
            Self::Note { .. } => "note",
            Self::AttachPhoto { .. } => "photo",
            Self::AttachReport { .. } => "attach_report",
            Self::DetachReport { .. } => "detach_report",
            Self::Feedback { .. } => "feedback",
            Self::Reroute { .. } => "reroute",
        }
    }

    /// The crew acting, for commands only the holding crew may give.
    fn acting_crew(&self) -> Option<&str> {
        match self {
            Self::RenewLease { crew, .. }
            | Self::Start { crew, .. }
            | Self::Hold { crew, .. }
            | Self::Resolve { crew, .. }
            | Self::Release { crew } => Some(crew),
            _ => None,
        }
    }
}

/// What a command did, for the audit log and the event.
#[derive(Clone, Debug, PartialEq)]
pub struct Applied {
    pub action: &'static str,
    pub previous_state: WorkOrderState,
    /// Whether consumers need to hear of it (a lease renewal is nobody else's business).
    pub announce: bool,
    /// The public sentence of this change (resolution note, hold or cancel reason).
    pub public_note: Option<String>,
    pub reason: Option<String>,
    /// A note to keep with the order.
    pub note: Option<(NoteVisibility, String)>,
    /// For the audit log, in words.
    pub detail: String,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("a work order that is {} cannot be {}", .from.words(), past_tense(.action))]
    Illegal {
        from: WorkOrderState,
        action: &'static str,
    },
    #[error("{}", not_holder_message(.holder))]
    NotHolder { holder: Option<String> },
    #[error("{field} is required")]
    Missing { field: &'static str },
    #[error("the lease is still running until {until}; only an expired lease returns the order")]
    LeaseNotExpired { until: DateTime<Utc> },
}

impl TransitionError {
    /// A stable machine-readable reason (`ErrorInfo.reason`).
    pub fn reason(&self) -> &'static str {
        match self {
            Self::Illegal { .. } => "ILLEGAL_TRANSITION",
            Self::NotHolder { .. } => "NOT_HOLDER",
            Self::Missing { .. } => "MISSING_FIELD",
            Self::LeaseNotExpired { .. } => "LEASE_NOT_EXPIRED",
        }
    }
}

fn not_holder_message(holder: &Option<String>) -> String {
    match holder {
        Some(crew) => format!("the work order is held by crew {crew}, not by you"),
        None => "nobody holds the work order: claim it first".to_owned(),
    }
}

fn past_tense(action: &str) -> &'static str {
    match action {
        "claim" => "claimed",
        "assign" => "assigned",
        "renew_lease" => "given a longer lease",
        "start" => "started",
        "hold" => "put on hold",
        "resolve" => "resolved",
        "release" => "released",
        "expire_lease" => "returned to the queue",
        "close" => "closed",
        "cancel" => "cancelled",
        "reopen" => "reopened",
        "escalate" => "escalated",
        _ => "changed that way",
    }
}

impl WorkOrder {
    /// Applies `command` at `now`. On error the order is unchanged.
    pub fn apply(
        &mut self,
        command: Command,
        now: DateTime<Utc>,
    ) -> Result<Applied, TransitionError> {
        use WorkOrderState::*;
        let from = self.state;
        let action = command.action();
        let illegal = || TransitionError::Illegal { from, action };
        if let Some(crew) = command.acting_crew()
            && from.is_held()
            && self.crew.as_deref() != Some(crew)
        {
            return Err(TransitionError::NotHolder {
                holder: self.crew.clone(),
            });
        }
        let mut applied = Applied {
            action,
            previous_state: from,
            announce: true,
            public_note: None,
            reason: None,
            note: None,
            detail: String::new(),
        };
        match command {
            Command::Claim { crew, lease_until } => {
                if !WorkOrderState::CLAIMABLE.contains(&from) {
                    return Err(illegal());
                }
                applied.detail = format!("crew {crew}, lease until {}", lease_until.to_rfc3339());
                self.hold_by(Claimed, crew, lease_until);
            }
            Command::Assign { crew, lease_until } => {
                if !from.is_open() {
                    return Err(illegal());
                }
                require(&crew, "crew")?;
                applied.detail = format!(
                    "crew {crew} (was {}), lease until {}",
                    self.crew.as_deref().unwrap_or("nobody"),
                    lease_until.to_rfc3339()
                );
                self.hold_by(Claimed, crew, lease_until);
            }
            Command::RenewLease { lease_until, .. } => {
                if !matches!(from, Claimed | InProgress) {
                    return Err(illegal());
                }
                applied.announce = false;
                applied.detail = format!("lease until {}", lease_until.to_rfc3339());
                self.lease_until = Some(lease_until);
            }
            Command::Start { crew, lease_until } => {
                if !matches!(from, Claimed | OnHold) {
                    return Err(illegal());
                }
                applied.detail = format!("lease until {}", lease_until.to_rfc3339());
                self.hold_by(InProgress, crew, lease_until);
            }
            Command::Hold { reason, .. } => {
                if !matches!(from, Claimed | InProgress) {
                    return Err(illegal());
                }
                let reason = require(&reason, "reason")?;
                self.state = OnHold;
                // A hold is deliberate: it does not run out, the crew keeps the order.
                self.lease_until = None;
                self.hold_reason = Some(reason.clone());
                applied.detail = reason.clone();
                applied.reason = Some(reason);
            }
            Command::Resolve { public_note, .. } => {
                if from != InProgress {
                    return Err(illegal());
                }
                let note = require(&public_note, "public_note")?;
                self.state = Resolved;
                self.lease_until = None;
                self.hold_reason = None;
                self.public_note = Some(note.clone());
                self.resolved_at = Some(now);
                applied.detail = note.clone();
                applied.note = Some((NoteVisibility::Public, note.clone()));
                applied.public_note = Some(note);
            }
            Command::Release { crew } => {
                if !from.is_held() {
                    return Err(illegal());
                }
                applied.detail = format!("released by crew {crew}");
                self.back_to_queue(Queued);
            }
            Command::ExpireLease => {
                if !matches!(from, Claimed | InProgress) {
                    return Err(illegal());
                }
                match self.lease_until {
                    Some(until) if until > now => {
                        return Err(TransitionError::LeaseNotExpired { until });
                    }
                    _ => {}
                }
                applied.detail = format!(
                    "lease of crew {} ran out",
                    self.crew.as_deref().unwrap_or("?")
                );
                self.back_to_queue(Queued);
            }
            Command::Close => {
                if from != Resolved {
                    return Err(illegal());
                }
                self.state = Closed;
            }
            Command::Cancel {
                reason,
                public_note,
            } => {
                if !from.is_open() {
                    return Err(illegal());
                }
                self.back_to_queue(Cancelled);
                self.cancel_reason = Some(reason);
                let note = public_note
                    .map(|n| n.trim().to_owned())
                    .filter(|n| !n.is_empty());
                if let Some(note) = &note {
                    self.public_note = Some(note.clone());
                }
                applied.detail = reason.as_str().to_owned();
                applied.reason = Some(reason.sentence().to_owned());
                applied.note = note.clone().map(|n| (NoteVisibility::Public, n));
                applied.public_note = note;
            }
            Command::Reopen { reason, due_at } => {
                if !matches!(from, Resolved | Closed | Cancelled) {
                    return Err(illegal());
                }
                let reason = require(&reason, "reason")?;
                self.back_to_queue(Reopened);
                self.cancel_reason = None;
                self.resolved_at = None;
                self.due_at = due_at;
                applied.detail = reason.clone();
                applied.reason = Some(reason);
            }
            Command::Escalate => {
                if !self.needs_escalation(now) {
                    return Err(illegal());
                }
                applied.announce = false;
                applied.detail = format!("due {}", self.due_at.to_rfc3339());
                self.escalated_due = Some(self.due_at);
            }
            Command::Note { visibility, text } => {
                let text = require(&text, "text")?;
                applied.announce = visibility == NoteVisibility::Public;
                applied.detail = format!("{}: {text}", visibility.as_str());
                applied.note = Some((visibility, text.clone()));
                if visibility == NoteVisibility::Public {
                    self.public_note = Some(text.clone());
                    applied.public_note = Some(text);
                }
            }
            Command::AttachPhoto {
                kind,
                content_type,
                size_bytes,
            } => {
                applied.announce = false;
                applied.detail = format!(
                    "{} photo, {content_type}, {size_bytes} bytes",
                    kind.as_str()
                );
            }
            Command::AttachReport { report, priority } => {
                applied.detail = report.clone();
                if !self.reports.contains(&report) {
                    self.reports.push(report);
                    self.reports.sort();
                }
                if let Some(priority) = priority
                    && priority > self.priority
                {
                    applied
                        .detail
                        .push_str(&format!(", priority raised to {priority:?}"));
                    self.priority = priority;
                }
            }
            Command::DetachReport { report } => {
                applied.detail = report.clone();
                self.reports.retain(|r| *r != report);
            }
            Command::Feedback { fixed, reason } => {
                applied.announce = false;
                let verdict = if fixed { "fixed" } else { "not fixed" };
                let reason = reason.trim();
                applied.detail = format!("a reporter says it is {verdict}");
                if !reason.is_empty() {
                    applied.detail.push_str(&format!(": {reason}"));
                    // The crew reads the reporter's words with the order's notes.
                    applied.note = Some((NoteVisibility::Internal, format!("Reporter: {reason}")));
                }
            }
            Command::Reroute {
                department,
                category,
                priority,
                due_at,
            } => {
                applied.detail = format!("from {} to {department}", self.department);
                self.department = department;
                self.category = category;
                self.priority = priority;
                self.due_at = due_at;
                // The old department's crew cannot keep it.
                if from.is_held() {
                    self.back_to_queue(Queued);
                }
            }
        }
        self.version += 1;
        self.updated_at = now;
        Ok(applied)
    }

    fn hold_by(&mut self, state: WorkOrderState, crew: String, lease_until: DateTime<Utc>) {
        self.state = state;
        self.crew = Some(crew);
        self.lease_until = Some(lease_until);
        self.hold_reason = None;
    }

    fn back_to_queue(&mut self, state: WorkOrderState) {
        self.state = state;
        self.crew = None;
        self.lease_until = None;
        self.hold_reason = None;
    }
}

fn require(value: &str, field: &'static str) -> Result<String, TransitionError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(TransitionError::Missing { field });
    }
    Ok(value.to_owned())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::domain::NewWorkOrder;

    fn order() -> WorkOrder {
        let now = Utc::now();
        let new = NewWorkOrder {
            incident: "incidents/1".into(),
            report: "reports/A".into(),
            department: "roads".into(),
            category: "pothole".into(),
            zone: String::new(),
            priority: Priority::Normal,
            description: "buca".into(),
            location: None,
            address: String::new(),
            due_at: now + Duration::days(3),
        };
        WorkOrder::queued(new, now)
    }

    fn lease() -> DateTime<Utc> {
        Utc::now() + Duration::minutes(30)
    }

    fn claim(crew: &str) -> Command {
        Command::Claim {
            crew: crew.into(),
            lease_until: lease(),
        }
    }

    fn start(crew: &str) -> Command {
        Command::Start {
            crew: crew.into(),
            lease_until: lease(),
        }
    }

    #[test]
    fn a_crew_works_an_order_from_queue_to_resolved() {
        let mut order = order();
        let now = Utc::now();
        let crew = || "crew-1".to_owned();
        order.apply(claim(&crew()), now).unwrap();
        order.apply(start(&crew()), now).unwrap();
        let held = order
            .apply(
                Command::Hold {
                    crew: crew(),
                    reason: "waiting for a lamp".into(),
                },
                now,
            )
            .unwrap();
        assert_eq!(held.reason.as_deref(), Some("waiting for a lamp"));
        assert_eq!(order.lease_until, None);
        order.apply(start(&crew()), now).unwrap();
        let resolved = order
            .apply(
                Command::Resolve {
                    crew: crew(),
                    public_note: "Lamp replaced".into(),
                },
                now,
            )
            .unwrap();
        assert_eq!(order.state, WorkOrderState::Resolved);
        assert_eq!(resolved.public_note.as_deref(), Some("Lamp replaced"));
        assert_eq!(order.version, 6);
        order.apply(Command::Close, now).unwrap();
        assert_eq!(order.state, WorkOrderState::Closed);
    }

    #[test]
    fn illegal_transitions_change_nothing() {
        let mut order = order();
        let before = order.clone();
        let now = Utc::now();
        let error = order
            .apply(
                Command::Resolve {
                    crew: "c".into(),
                    public_note: "done".into(),
                },
                now,
            )
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "a work order that is queued cannot be resolved"
        );
        assert_eq!(
            order.apply(Command::Close, now).unwrap_err().reason(),
            "ILLEGAL_TRANSITION"
        );
        assert_eq!(order, before);

        order.apply(claim("a"), now).unwrap();
        let claimed = order.clone();
        let error = order.apply(start("b"), now).unwrap_err();
        assert_eq!(error.reason(), "NOT_HOLDER");
        let error = order.apply(claim("b"), now).unwrap_err();
        assert_eq!(error.reason(), "ILLEGAL_TRANSITION");
        order.apply(start("a"), now).unwrap();
        let started = order.clone();
        let error = order
            .apply(
                Command::Resolve {
                    crew: "a".into(),
                    public_note: "  ".into(),
                },
                now,
            )
            .unwrap_err();
        assert_eq!(
            error,
            TransitionError::Missing {
                field: "public_note"
            }
        );
        assert_eq!(order, started);
        assert_ne!(claimed, started);
    }

    #[test]
    fn a_lease_returns_the_order_only_once_it_has_run_out() {
        let mut order = order();
        let now = Utc::now();
        let until = now + Duration::minutes(30);
        order
            .apply(
                Command::Claim {
                    crew: "a".into(),
                    lease_until: until,
                },
                now,
            )
            .unwrap();
        assert_eq!(
            order.apply(Command::ExpireLease, now).unwrap_err(),
            TransitionError::LeaseNotExpired { until }
        );
        order.apply(Command::ExpireLease, until).unwrap();
        assert_eq!(order.state, WorkOrderState::Queued);
        assert_eq!(order.crew, None);
    }

    #[test]
    fn feedback_is_recorded_in_any_state_and_moves_nothing() {
        let mut order = order();
        let now = Utc::now();
        let recorded = order
            .apply(
                Command::Feedback {
                    fixed: false,
                    reason: " still dark ".into(),
                },
                now,
            )
            .unwrap();
        assert_eq!(order.state, WorkOrderState::Queued);
        assert!(!recorded.announce);
        assert_eq!(
            recorded.detail,
            "a reporter says it is not fixed: still dark"
        );
        assert_eq!(
            recorded.note,
            Some((NoteVisibility::Internal, "Reporter: still dark".into()))
        );
        let bare = order
            .apply(
                Command::Feedback {
                    fixed: true,
                    reason: String::new(),
                },
                now,
            )
            .unwrap();
        assert_eq!(
            (bare.detail.as_str(), bare.note),
            ("a reporter says it is fixed", None)
        );
        assert_eq!(order.version, 3);
    }

    #[test]
    fn cancelled_and_resolved_orders_reopen_into_the_queue() {
        let mut order = order();
        let now = Utc::now();
        let cancelled = order
            .apply(
                Command::Cancel {
                    reason: CancelReason::Duplicate,
                    public_note: None,
                },
                now,
            )
            .unwrap();
        assert_eq!(
            cancelled.reason.as_deref(),
            Some(CancelReason::Duplicate.sentence())
        );
        let due = now + Duration::days(1);
        order
            .apply(
                Command::Reopen {
                    reason: "not fixed".into(),
                    due_at: due,
                },
                now,
            )
            .unwrap();
        assert_eq!(order.state, WorkOrderState::Reopened);
        assert_eq!(order.due_at, due);
        assert_eq!(order.cancel_reason, None);
        order.apply(claim("a"), now).unwrap();
    }
}
