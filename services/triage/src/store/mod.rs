//! Triage's tables: the routing decision of each report, and the incidents.

mod corrections;
mod decisions;
mod incidents;
mod migrations;

pub use corrections::{Correction, CorrectionStore};
pub use decisions::{DecisionStore, Outcome, StoredDecision};
pub use incidents::{IncidentStore, OrderChange, StoredIncident};
pub use migrations::Migrator;
