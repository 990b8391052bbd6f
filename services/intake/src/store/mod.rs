//! Intake's tables: reports, and reporters' contacts kept apart from them.

mod migrations;
pub mod photos;
pub mod reporter_data;
pub mod reporter_requests;
mod reports;

pub use migrations::Migrator;
pub use reports::{
    NewMedia, NewReport, PageCursor, ReportFilter, ReportStore, StoredRequest, count_reports,
};
