//! Routing decisions. No transport or storage types here.

mod router;
mod taxonomy;

pub use router::{Decision, KeywordRouter, Priority};
pub use taxonomy::{Department, Taxonomy, TaxonomyError};
