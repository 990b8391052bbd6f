//! Status's tables: one row per report and its public timeline, and the alerts.

mod alerts;
mod migrations;
mod statuses;

pub use alerts::AlertStore;
pub use migrations::Migrator;
pub use statuses::{StatusCursor, StatusFilter, StatusStore, Update, count_statuses};
