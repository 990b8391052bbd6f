//! Work orders. No transport or storage types here.

mod work_order;

pub use work_order::{Location, Priority, WorkOrder, WorkOrderState};
