//! Triage's tables: the routing decision of each report.

mod decisions;
mod migrations;

pub use decisions::{DecisionStore, Outcome, StoredDecision};
pub use migrations::Migrator;
