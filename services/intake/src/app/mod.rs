//! Intake's use cases.

mod catalog;
mod geocoder;
mod photos;
mod reporter_data;
mod reports;
mod retention;
mod writer;

pub use catalog::{Catalog, ServiceCatalog, find_service};
pub use geocoder::{Geocoder, Located, locate};
pub use photos::upload_photo;
pub use reporter_data::{ReporterData, ReporterExport};
pub use reports::{MAX_PAGE_SIZE, ReportPage, Reports, ServiceCodeError};
pub use retention::{ContactRetention, RETENTION_OPERATOR};
