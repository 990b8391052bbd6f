//! "Is it fixed?": the question asked of a reporter after a resolution, and where it
//! stands.

use chrono::{DateTime, Utc};
use segnala_shared::lang::Lang;
use uuid::Uuid;

use crate::domain::Channel;

/// Where a question stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuestionState {
    Open,
    Answered,
    /// The report moved on (work started again, a reopening) before an answer came.
    Closed,
}

/// "Is it fixed?", asked of a reporter after a resolution.
#[derive(Clone, Debug, PartialEq)]
pub struct Question {
    pub id: Uuid,
    pub report_id: Uuid,
    pub tracking_code: String,
    pub channel: Channel,
    pub sender: String,
    pub language: Lang,
    pub status_version: i64,
    pub resolved_at: Option<DateTime<Utc>>,
    pub asked_at: DateTime<Utc>,
    pub state: QuestionState,
}
