//! Status's use cases: projecting events into public statuses, and reading them.

mod projector;
mod statuses;

pub use projector::Projector;
pub use statuses::Statuses;
