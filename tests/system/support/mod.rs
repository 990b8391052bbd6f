//! What every system test needs: an isolated environment, a running platform, clients
//! and patient assertions.

pub mod broker;
pub mod chats;
pub mod clients;
pub mod embedded;
pub mod env;
pub mod events;
pub mod fake_geocoder;
pub mod fake_platform;
pub mod photos;
pub mod processes;
pub mod python;
pub mod tap;
pub mod tracking;
pub mod wait;

pub use clients::Clients;
pub use env::{RunningPlatform, TestEnv};
pub use wait::eventually;
