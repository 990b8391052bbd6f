//! Plumbing every Segnala service shares. Libraries only: nothing here knows about a
//! particular service, and no service crate depends on another.

pub mod config;
pub mod db;
pub mod delivery;
pub mod error;
pub mod grpc;
pub mod http;
pub mod lang;
pub mod messaging;
pub mod metrics;
pub mod photo;
pub mod place;
pub mod readiness;
pub mod redaction;
pub mod request_id;
pub mod service;
pub mod telemetry;
pub mod time;
pub mod tracking_code;

pub use error::{AppError, FieldViolation};
