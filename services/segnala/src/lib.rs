//! The `segnala` binary's library: settings, the platform that runs the services, and
//! the command-line clients. `main.rs` only parses arguments and calls in here.

pub mod cli;
pub mod platform;
pub mod settings;

pub use platform::{Platform, ServiceKind};
pub use settings::Settings;
