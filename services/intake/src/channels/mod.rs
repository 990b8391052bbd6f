//! The social and messaging channels: Telegram, WhatsApp and X webhooks, the Mastodon
//! poller, the conversation that completes a report, the question after a resolution
//! (is it fixed?), and the replies to citizens on their own channel through the
//! outgoing delivery queue.
//!
//! The rest of intake reaches them through this module only: [`Channels`] for the use
//! cases and the event handler, [`router`] for the webhooks, [`migrations`] for their
//! tables.

mod app;
mod domain;
mod platforms;
pub mod settings;
mod store;

use axum::{
    Router,
    routing::{get, post},
};

use platforms::{telegram, whatsapp, x};

pub use app::{ChannelParts, Channels};
pub use settings::ChannelSettings;
pub use store::ChannelMigrations;

/// The webhooks of the configured platforms, under `/webhooks/…`.
pub fn router(channels: &Channels) -> Router {
    let mut router = Router::new();
    if channels.settings.telegram.enabled() {
        router = router.route("/webhooks/telegram", post(telegram::webhook));
    }
    if channels.settings.whatsapp.enabled() {
        router = router.route(
            "/webhooks/whatsapp",
            get(whatsapp::verify).post(whatsapp::webhook),
        );
    }
    if channels.settings.x.enabled() {
        router = router.route("/webhooks/x", get(x::crc).post(x::webhook));
    }
    router.with_state(channels.clone())
}

/// The channels' tables, each change at its place in intake's history.
pub fn migrations() -> ChannelMigrations {
    store::migrations()
}
