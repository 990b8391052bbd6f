//! Triage's tables: the routing decision of each report, the incidents, the operators'
//! corrections and the taxonomy last announced.

mod corrections;
mod decisions;
mod incidents;
mod migrations;
mod published_taxonomy;

pub use corrections::{Correction, CorrectionStore};
pub use decisions::DecisionStore;
pub use incidents::{IncidentStore, OrderChange, StoredIncident};
pub use migrations::Migrator;
pub use published_taxonomy::{LastPublished, PublishedTaxonomyStore};
