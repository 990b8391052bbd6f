//! Tracking's tables: work orders and the reports each answers, the audit log, notes,
//! photos and the request ids of retried calls.

mod attachments;
mod audit;
mod migrations;
mod requests;
mod work_orders;

pub use attachments::{AttachmentStore, StoredPhoto};
pub use audit::AuditStore;
pub use migrations::Migrator;
pub use requests::{RequestStore, StoredRequest};
pub use work_orders::{ListFilter, ReportLink, StatsRow, WorkOrderStore, count_work_orders};
