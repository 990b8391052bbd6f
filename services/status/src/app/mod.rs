//! Status's use cases: projecting events into public statuses, reading and watching
//! them, naming what they mention, operators' alerts, and signed webhooks to
//! subscribers.

mod alerts;
mod followers;
mod names;
mod projector;
mod statuses;
mod subscriptions;
mod watch;

pub use alerts::Alerts;
pub use names::Directory;
pub use projector::Projector;
pub use statuses::{Page, Statuses, not_our_token, page_limit};
pub use subscriptions::{Created, Subscriptions, signature};
pub use watch::{StatusNotice, StatusWatch};
