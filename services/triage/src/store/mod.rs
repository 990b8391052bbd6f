//! Triage's tables: the routing decision of each report.

mod decisions;
mod migrations;

pub use decisions::{DecisionStore, StoredDecision};
pub use migrations::Migrator;
