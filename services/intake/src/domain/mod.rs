//! What a report is, and what makes one acceptable. No transport or storage types here.

mod report;

pub use report::{
    Channel, GeoPoint, MAX_DESCRIPTION_CHARS, Report, ReportDraft, ReporterContact, RequestId,
};
