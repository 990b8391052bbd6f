//! The channels' use cases: the conversation that completes a report, the question
//! after a resolution (is it fixed?), and the replies that follow events, queued to
//! citizens on their own channel through the outgoing delivery queue.

mod conversation;
mod feedback;
mod notify;
mod replies;

use std::sync::Arc;

use sea_orm::DatabaseConnection;
use segnala_shared::{
    delivery::{self, Deliveries, DeliveryWorker},
    messaging::Outbox,
    place::Jurisdiction,
    time::Tz,
};

use super::{
    platforms::{mastodon, outgoing, photos::PhotoFetcher},
    settings::ChannelSettings,
};
use crate::{
    app::Reports,
    upstream::{safety::SafetyAdvisor, status::StatusClient},
};

/// What the channels share: the database, report creation, the reply queue, and the
/// services they ask while a citizen waits.
#[derive(Clone)]
pub struct Channels {
    pub(super) db: DatabaseConnection,
    reports: Reports,
    outbox: Outbox,
    deliveries: Deliveries,
    photos: PhotoFetcher,
    pub(super) settings: Arc<ChannelSettings>,
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
            photos: PhotoFetcher::new(&parts.settings, client, parts.max_media_bytes),
            settings: Arc::new(parts.settings),
            jurisdiction: parts.jurisdiction,
            safety: parts.safety,
            statuses: parts.statuses,
            public_url: parts.public_url,
            time_zone: parts.time_zone,
        })
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
