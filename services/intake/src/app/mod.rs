//! Intake's use cases.

mod catalog;
mod reports;
mod writer;

pub use catalog::{ServiceCatalog, find_service};
pub use reports::{MAX_PAGE_SIZE, ReportPage, Reports};
