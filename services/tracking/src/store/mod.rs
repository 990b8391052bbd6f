//! Tracking's tables: work orders and the reports each one answers.

mod migrations;
mod work_orders;

pub use migrations::Migrator;
pub use work_orders::{ListFilter, WorkOrderStore, count_work_orders};
