//! What the other services announce that intake passes on to citizens on their own
//! channel: a report's public state changed, triage saw an emergency, an operator
//! published an alert.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::{Channel, PublicState, StatusStep};

/// One announcement the channels answer.
#[derive(Clone, Debug, PartialEq)]
pub enum Notice {
    StatusChanged(StatusChange),
    /// The report with this tracking code may be an emergency.
    Emergency {
        tracking_code: String,
    },
    Alert(Alert),
}

/// A report's public state changed.
#[derive(Clone, Debug, PartialEq)]
pub struct StatusChange {
    pub tracking_code: String,
    /// The channel the report came in on; `None` when the announcement does not say.
    pub channel: Option<Channel>,
    pub state: PublicState,
    pub step: StatusStep,
    /// The change's public note, or the reason of a hold or rejection.
    pub note: String,
    /// The report's public page, when the status service names it.
    pub status_url: Option<String>,
    pub expected_at: Option<DateTime<Utc>>,
    pub changed_at: Option<DateTime<Utc>>,
    /// Grows with each change of the report.
    pub version: i64,
}

/// A public alert, its title and body by language code.
#[derive(Clone, Debug, PartialEq)]
pub struct Alert {
    /// The alert's name, unique to it.
    pub id: String,
    pub titles: HashMap<String, String>,
    pub bodies: HashMap<String, String>,
}
