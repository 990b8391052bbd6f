//! Status's tables: one row per report and its public timeline, the alerts, the
//! webhook subscriptions (and the shared outgoing deliveries).

mod alerts;
mod migrations;
mod statuses;
mod subscriptions;

pub use alerts::AlertStore;
pub use migrations::Migrator;
pub use statuses::{StatusCursor, StatusFilter, StatusStore, Update, count_statuses};
pub use subscriptions::{StoredSubscription, SubscriptionStore};
