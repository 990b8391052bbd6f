//! Intake's use cases.

mod reports;

pub use reports::Reports;
