//! The channels' own tables: how to answer each report's reporter, conversations
//! waiting for a missing detail, messages already taken in, pollers' cursors, and the
//! questions asked after a resolution. Personal data (chat ids, phone numbers,
//! handles) lives here and nowhere else.

pub mod conversations;
mod migrations;
pub mod questions;

pub use migrations::{ChannelMigrations, migrations};
