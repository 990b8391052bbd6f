//! The social and messaging channels: Telegram, WhatsApp and X webhooks, the Mastodon
//! poller, the conversation that completes a report, the question after a resolution
//! (is it fixed?), and the replies to citizens on their own channel through the
//! outgoing delivery queue.

mod conversation;
pub mod feedback;
mod mastodon;
pub mod message;
mod notify;
mod outgoing;
mod photos;
mod replies;
pub mod settings;
mod signature;
pub mod store;
mod telegram;
mod text;
mod whatsapp;
mod words;
mod x;

use std::sync::Arc;

use axum::{
    Router,
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::get,
};
use sea_orm::DatabaseConnection;
use segnala_shared::{
    AppError,
    delivery::{self, Deliveries, DeliveryWorker},
    messaging::Outbox,
    place::Jurisdiction,
    time::Tz,
};

use crate::{
    app::Reports,
    upstream::{safety::SafetyAdvisor, status::StatusClient},
};
pub use settings::ChannelSettings;

/// What the channels share: the database, report creation, the reply queue, and the
/// services they ask while a citizen waits.
#[derive(Clone)]
pub struct Channels {
    db: DatabaseConnection,
    reports: Reports,
    outbox: Outbox,
    deliveries: Deliveries,
    photos: photos::PhotoFetcher,
    settings: Arc<ChannelSettings>,
    /// Places outside it are refused as soon as they arrive.
    jurisdiction: Arc<Jurisdiction>,
    /// Triage, for the safety advice of a report still without a place.
    safety: SafetyAdvisor,
    /// Status, for `/stato CODE`.
    statuses: StatusClient,
    /// Where the public status pages are, for the links in replies.
    public_url: String,
    /// The city's, for the dates in replies.
    time_zone: Tz,
}

/// What [`Channels::new`] is built from.
pub struct ChannelParts {
    pub db: DatabaseConnection,
    pub reports: Reports,
    pub outbox: Outbox,
    pub settings: ChannelSettings,
    pub jurisdiction: Arc<Jurisdiction>,
    pub safety: SafetyAdvisor,
    pub statuses: StatusClient,
    pub public_url: String,
    pub time_zone: Tz,
    pub max_media_bytes: usize,
}

impl Channels {
    pub fn new(parts: ChannelParts) -> Result<Self, reqwest::Error> {
        let client = delivery::http_client(parts.settings.delivery.timeout())?;
        Ok(Self {
            db: parts.db,
            reports: parts.reports,
            outbox: parts.outbox,
            deliveries: Deliveries::new(),
            photos: photos::PhotoFetcher::new(&parts.settings, client, parts.max_media_bytes),
            settings: Arc::new(parts.settings),
            jurisdiction: parts.jurisdiction,
            safety: parts.safety,
            statuses: parts.statuses,
            public_url: parts.public_url,
            time_zone: parts.time_zone,
        })
    }

    /// The webhooks of the configured platforms, under `/webhooks/…`.
    pub fn router(&self) -> Router {
        let mut router = Router::new();
        if self.settings.telegram.enabled() {
            router = router.route("/webhooks/telegram", axum::routing::post(telegram::webhook));
        }
        if self.settings.whatsapp.enabled() {
            router = router.route(
                "/webhooks/whatsapp",
                get(whatsapp::verify).post(whatsapp::webhook),
            );
        }
        if self.settings.x.enabled() {
            router = router.route("/webhooks/x", get(x::crc).post(x::webhook));
        }
        router.with_state(self.clone())
    }

    /// The worker that sends replies and broadcasts.
    pub fn delivery_worker(&self) -> Result<DeliveryWorker, reqwest::Error> {
        self.deliveries.worker(
            self.db.clone(),
            outgoing::destinations(&self.settings),
            self.settings.delivery.policy(),
        )
    }

    /// The Mastodon mentions poller, when Mastodon is configured.
    pub fn mastodon_poller(
        &self,
    ) -> Result<Option<impl Future<Output = ()> + Send + 'static>, reqwest::Error> {
        if !self.settings.mastodon.enabled() {
            return Ok(None);
        }
        let client = delivery::http_client(self.settings.delivery.timeout())?;
        Ok(Some(mastodon::poll(self.clone(), client)))
    }
}

/// A configured secret's bytes; empty when unset, which every check then refuses.
fn secret_bytes(secret: Option<&segnala_shared::config::SecretString>) -> Vec<u8> {
    use segnala_shared::config::ExposeSecret;
    secret
        .map(|s| s.expose_secret().as_bytes().to_vec())
        .unwrap_or_default()
}

/// Why a webhook call was refused. Nothing is stored for a refused call.
#[derive(Debug)]
pub enum WebhookError {
    Unauthorized(&'static str),
    BadRequest(String),
    App(AppError),
}

impl From<AppError> for WebhookError {
    fn from(error: AppError) -> Self {
        Self::App(error)
    }
}

impl IntoResponse for WebhookError {
    fn into_response(self) -> Response {
        match self {
            Self::Unauthorized(message) => (StatusCode::UNAUTHORIZED, message).into_response(),
            Self::BadRequest(message) => (StatusCode::BAD_REQUEST, message).into_response(),
            Self::App(AppError::InvalidArgument(violations)) => {
                let text = violations
                    .iter()
                    .map(|v| format!("{}: {}", v.field, v.description))
                    .collect::<Vec<_>>()
                    .join("; ");
                (StatusCode::BAD_REQUEST, text).into_response()
            }
            // The platform retries on 5xx; the same message is then recognised.
            Self::App(error) => {
                tracing::error!(%error, "webhook message could not be taken in");
                (StatusCode::SERVICE_UNAVAILABLE, "try again later").into_response()
            }
        }
    }
}
