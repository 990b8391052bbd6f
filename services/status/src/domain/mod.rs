//! The public state of a report. No transport or storage types here.

mod public_state;

pub use public_state::{PublicState, ReportStatus, TimelineEntry};
