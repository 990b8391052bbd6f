//! Intake's tables: reports, and reporters' contacts kept apart from them.

mod migrations;
mod reports;

pub use migrations::Migrator;
pub use reports::{
    NewMedia, NewReport, PageCursor, ReportFilter, ReportStore, StoredMedia, StoredRequest,
    count_reports,
};
