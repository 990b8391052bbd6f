//! Triage's use cases.

mod decisions;
mod route_report;

pub use decisions::Decisions;
pub use route_report::RouteReport;
