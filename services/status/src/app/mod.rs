//! Status's use cases: projecting events into public statuses, reading them, and
//! operators' alerts.

mod alerts;
mod projector;
mod statuses;
mod watch;

pub use alerts::Alerts;
pub use projector::Projector;
pub use statuses::{Page, Statuses, not_our_token, page_limit};
pub use watch::{StatusNotice, StatusWatch};
