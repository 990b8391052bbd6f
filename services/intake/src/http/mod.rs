//! Intake's HTTP surface: Open311 GeoReport v2, the photos intake serves, and the
//! channels' webhooks. Each part brings its own routes; they are merged here.

mod media;
pub mod open311;
pub mod rate_limit;

use axum::Router;

use crate::{
    app::Reports,
    channels::{self, Channels},
};
pub use media::media_router;

/// Every HTTP route of intake.
pub fn router(open311: open311::Open311, reports: Reports, channels: &Channels) -> Router {
    Router::new()
        .merge(open311::router(open311))
        .merge(media_router(reports))
        .merge(channels::router(channels))
}
