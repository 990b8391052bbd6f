//! Triage's use cases.

mod anonymize;
mod assess_text;
mod consumer;
mod decisions;
mod follow_orders;
mod incidents;
mod operators;
mod publish_taxonomy;
mod route_report;

pub use anonymize::AnonymizedReport;
pub use assess_text::{AssessText, Assessment};
pub use consumer::{TriageConsumer, TriageEvent};
pub use decisions::Decisions;
pub use follow_orders::FollowWorkOrders;
pub use incidents::{Incidents, Placed, Reindex, RoutedReport};
pub use operators::{Destination, Operators};
pub use publish_taxonomy::publish_taxonomy;
pub use route_report::{Decided, RouteReport};
