//! Intake's use cases.

mod catalog;
mod geocoder;
mod reports;
mod writer;

pub use catalog::{Catalog, ServiceCatalog, find_service};
pub use geocoder::{Geocoder, Located, locate};
pub use reports::{MAX_PAGE_SIZE, ReportPage, Reports, ServiceCodeError};
