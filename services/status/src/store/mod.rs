//! Status's tables: one row per report and its public timeline.

mod migrations;
mod statuses;

pub use migrations::Migrator;
pub use statuses::{StatusRow, StatusStore, count_statuses};
