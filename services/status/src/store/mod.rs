//! Status's tables: one row per report and its public timeline, the alerts, the
//! webhook subscriptions (and the shared outgoing deliveries), and the names of the
//! departments triage published.

mod alerts;
mod migrations;
mod names;
mod statuses;
mod subscriptions;

pub use alerts::AlertStore;
pub use migrations::Migrator;
pub use names::NameStore;
pub use statuses::{StatusCursor, StatusFilter, StatusStore, Steps, Update, count_statuses};
pub use subscriptions::{StoredSubscription, SubscriptionStore};
