//! Tracking's use cases.

mod open_work_order;
mod work_orders;

pub use open_work_order::OpenWorkOrder;
pub use work_orders::{MAX_PAGE_SIZE, WorkOrders};
