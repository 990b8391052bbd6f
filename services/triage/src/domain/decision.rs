//! What triage decided about a report, and the report as it received it.

use chrono::{DateTime, Utc};
use segnala_shared::lang::Lang;

use super::{Audience, Explanation, Position, Priority, text};

/// A report as triage received it from intake.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReceivedReport {
    pub tracking_code: String,
    pub description: String,
    pub location: Option<Position>,
    pub address: Option<String>,
    /// The Open311 service the citizen chose.
    pub service_code: Option<String>,
    /// The language intake knew the report to be in.
    pub language: Option<Lang>,
    /// Whether it was posted on a public timeline that mentions the city (Mastodon,
    /// X) rather than written to the city.
    pub public_mention: bool,
    /// The channel it came by, as the contract numbers it: kept with the copy.
    pub channel: i32,
}

impl ReceivedReport {
    pub fn audience(&self) -> Audience {
        if self.public_mention {
            Audience::Mention
        } else {
            Audience::Direct
        }
    }

    /// The report's language: the one intake knew, else a guess from its words.
    pub fn language(&self) -> Lang {
        text::language_of(&self.description, self.language)
    }
}

/// Where a routed report's work goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assignment {
    pub department: String,
    pub category: String,
    pub priority: Priority,
}

/// What became of a report.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Routed to a department, in the incident it opened, named after it (or, routed
    /// and not yet placed, in none so far).
    Routed(Assignment),
    /// Routed, in another report's incident, which it joined.
    Merged {
        assignment: Assignment,
        incident: String,
    },
    /// Routed as an emergency: in the incident it opened, or in `joined`.
    Emergency {
        assignment: Assignment,
        joined: Option<String>,
    },
    /// Waits for an operator, for `reason`.
    NeedsReview { reason: String },
    /// Turned away with an answer: not a report, not the city's business, or outside
    /// the city.
    Rejected,
}

/// A decision, with when and in which version it was made.
#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    pub tracking_code: String,
    pub outcome: Outcome,
    /// The jurisdiction's zone the report is in, when known.
    pub zone: Option<String>,
    /// The report as received; `None` for decisions made before triage kept it.
    pub received: Option<ReceivedReport>,
    pub explanation: Explanation,
    pub decided_at: DateTime<Utc>,
    pub version: i64,
}

impl Outcome {
    /// A report routed to `assignment`, as an emergency or not, in the incident it
    /// opens.
    pub fn routed(assignment: Assignment, emergency: bool) -> Self {
        if emergency {
            Self::Emergency {
                assignment,
                joined: None,
            }
        } else {
            Self::Routed(assignment)
        }
    }
}

impl Decision {
    /// Where the report's work goes, when it was routed.
    pub fn assignment(&self) -> Option<&Assignment> {
        match &self.outcome {
            Outcome::Routed(assignment)
            | Outcome::Merged { assignment, .. }
            | Outcome::Emergency { assignment, .. } => Some(assignment),
            Outcome::NeedsReview { .. } | Outcome::Rejected => None,
        }
    }

    pub fn assignment_mut(&mut self) -> Option<&mut Assignment> {
        match &mut self.outcome {
            Outcome::Routed(assignment)
            | Outcome::Merged { assignment, .. }
            | Outcome::Emergency { assignment, .. } => Some(assignment),
            Outcome::NeedsReview { .. } | Outcome::Rejected => None,
        }
    }

    /// The routed report's incident: the one it joined, or the one it opened, named
    /// after it.
    pub fn incident(&self) -> Option<&str> {
        match &self.outcome {
            Outcome::Merged { incident, .. }
            | Outcome::Emergency {
                joined: Some(incident),
                ..
            } => Some(incident),
            Outcome::Routed(_) | Outcome::Emergency { joined: None, .. } => {
                Some(&self.tracking_code)
            }
            Outcome::NeedsReview { .. } | Outcome::Rejected => None,
        }
    }

    pub fn is_emergency(&self) -> bool {
        matches!(self.outcome, Outcome::Emergency { .. })
    }

    pub fn review_reason(&self) -> Option<&str> {
        match &self.outcome {
            Outcome::NeedsReview { reason } => Some(reason),
            _ => None,
        }
    }

    /// The routed report now belongs to `incident`: the one named after it, or
    /// another report's, which it joined. Nothing changes for a report not routed.
    pub fn place_in(&mut self, incident: &str) {
        let joined = (incident != self.tracking_code).then(|| incident.to_owned());
        let outcome = std::mem::replace(&mut self.outcome, Outcome::Rejected);
        self.outcome = match (outcome, joined) {
            (Outcome::Routed(assignment) | Outcome::Merged { assignment, .. }, Some(incident)) => {
                Outcome::Merged {
                    assignment,
                    incident,
                }
            }
            (Outcome::Routed(assignment) | Outcome::Merged { assignment, .. }, None) => {
                Outcome::Routed(assignment)
            }
            (Outcome::Emergency { assignment, .. }, joined) => {
                Outcome::Emergency { assignment, joined }
            }
            (outcome @ (Outcome::NeedsReview { .. } | Outcome::Rejected), _) => outcome,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decision(outcome: Outcome) -> Decision {
        Decision {
            tracking_code: "AAAA-BBBB-CCCC".into(),
            outcome,
            zone: None,
            received: None,
            explanation: Explanation::default(),
            decided_at: Utc::now(),
            version: 1,
        }
    }

    fn lamp() -> Assignment {
        Assignment {
            department: "street_lighting".into(),
            category: "lamp_out".into(),
            priority: Priority::Normal,
        }
    }

    #[test]
    fn a_routed_report_joins_another_incident_and_comes_back_to_its_own() {
        let mut routed = decision(Outcome::routed(lamp(), false));
        assert_eq!(routed.incident(), Some("AAAA-BBBB-CCCC"));
        routed.place_in("DDDD-EEEE-FFFF");
        assert_eq!(
            routed.outcome,
            Outcome::Merged {
                assignment: lamp(),
                incident: "DDDD-EEEE-FFFF".into()
            }
        );
        assert_eq!(routed.incident(), Some("DDDD-EEEE-FFFF"));
        routed.place_in("AAAA-BBBB-CCCC");
        assert_eq!(routed.outcome, Outcome::Routed(lamp()));

        let mut emergency = decision(Outcome::routed(lamp(), true));
        emergency.place_in("DDDD-EEEE-FFFF");
        assert!(emergency.is_emergency());
        assert_eq!(emergency.incident(), Some("DDDD-EEEE-FFFF"));

        let mut review = decision(Outcome::NeedsReview {
            reason: "low".into(),
        });
        review.place_in("DDDD-EEEE-FFFF");
        assert_eq!(
            (review.incident(), review.review_reason()),
            (None, Some("low"))
        );
    }
}
