//! Outgoing HTTP deliveries that must not be lost: replies to citizens on their
//! platforms, signed webhooks to subscribers, broadcasts.
//!
//! How to use it:
//! 1. Add [`migration()`] to the service's migrator.
//! 2. Inside the transaction that decides a message must go out (an event handler, a
//!    use case), call [`Deliveries::enqueue`] with an [`OutgoingRequest`]. Its `key` is
//!    unique: enqueuing the same key again is a no-op, which is how a redelivered event
//!    never sends twice. Call [`Deliveries::wake`] after the commit.
//! 3. Run the worker from [`Deliveries::worker`] with the [`Destination`]s the service
//!    talks to (base URL, secret headers, rate limit, optional [`SignRequest`]) as a
//!    background task (`Application::spawn_task(worker.run())`). A row whose
//!    destination is `NAME:PART` (such as `webhook:example.org`) is sent by the
//!    destination `NAME` when none is named `NAME:PART` exactly, with its own rate
//!    limit and pauses: one failing receiver does not hold up the others.
//!
//! The worker POSTs each due row. A 2xx marks it sent. A network error, 408, 425, 429
//! or 5xx is retried with exponential back-off (and `Retry-After` when the platform
//! gives one), and the destination pauses meanwhile so an outage is not hammered. Any
//! other answer, or the last attempt failing, leaves the row as a dead letter with the
//! reason. Rows stay in the table (sent or dead) as the record of what was sent. Safe
//! with several replicas on PostgreSQL: rows are claimed with `FOR UPDATE SKIP LOCKED`.

mod store;
mod worker;

use std::{sync::Arc, time::Duration};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use http::{HeaderName, HeaderValue};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr};
use tokio::sync::Notify;

pub use store::{DeliveryRecord, DeliveryState, migration, records};
pub use worker::DeliveryWorker;

/// One HTTP request to send, as the caller enqueues it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutgoingRequest {
    /// Unique: a second request with the same key is ignored. Make it from what the
    /// message is about, such as `status/ABC123/v4/telegram`.
    pub key: String,
    /// The name of the [`Destination`] that sends it (base URL, credentials, rate).
    pub destination: String,
    /// Appended to the destination's base URL, or a whole `http(s)://` URL.
    pub target: String,
    pub content_type: String,
    pub body: Vec<u8>,
    /// Extra headers stored with the row. Not for secrets: those belong to the
    /// destination or its signer.
    pub headers: Vec<(String, String)>,
}

impl OutgoingRequest {
    /// A JSON POST.
    pub fn json(
        key: impl Into<String>,
        destination: impl Into<String>,
        target: impl Into<String>,
        body: &serde_json::Value,
    ) -> Self {
        Self {
            key: key.into(),
            destination: destination.into(),
            target: target.into(),
            content_type: "application/json".into(),
            body: body.to_string().into_bytes(),
            headers: Vec::new(),
        }
    }
}

/// What a signer sees of the request about to be sent.
#[derive(Debug)]
pub struct Attempt<'a> {
    pub key: &'a str,
    pub url: &'a str,
    pub body: &'a [u8],
    pub headers: &'a [(String, String)],
    pub now: DateTime<Utc>,
}

/// Adds headers computed at send time, such as an HMAC of the body with a timestamp.
#[async_trait]
pub trait SignRequest: Send + Sync + 'static {
    async fn headers(
        &self,
        attempt: &Attempt<'_>,
    ) -> Result<Vec<(HeaderName, HeaderValue)>, String>;
}

/// Where rows of one destination name go, and how.
#[derive(Clone)]
pub struct Destination {
    pub name: String,
    /// Prefix of relative targets, such as `https://api.telegram.org/bot<token>`.
    pub base_url: String,
    /// Sent with every request (mark secret ones sensitive so they are never logged).
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// At most one request per this interval (zero: no limit).
    pub min_interval: Duration,
    pub signer: Option<Arc<dyn SignRequest>>,
}

impl Destination {
    pub fn new(name: impl Into<String>, base_url: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            headers: Vec::new(),
            min_interval: Duration::ZERO,
            signer: None,
        }
    }

    /// `Authorization: Bearer <token>`, marked sensitive.
    pub fn bearer(mut self, token: &str) -> Self {
        if let Ok(mut value) = HeaderValue::from_str(&format!("Bearer {token}")) {
            value.set_sensitive(true);
            self.headers.push((http::header::AUTHORIZATION, value));
        }
        self
    }

    /// At most `per_second` requests a second.
    pub fn rate_limit(mut self, per_second: f64) -> Self {
        if per_second > 0.0 {
            self.min_interval = Duration::from_secs_f64(1.0 / per_second);
        }
        self
    }

    pub fn signer(mut self, signer: Arc<dyn SignRequest>) -> Self {
        self.signer = Some(signer);
        self
    }
}

impl std::fmt::Debug for Destination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The base URL may hold a token (Telegram's does): never printed.
        f.debug_struct("Destination")
            .field("name", &self.name)
            .field("min_interval", &self.min_interval)
            .finish_non_exhaustive()
    }
}

/// The retry settings of a delivery queue, as configured (`[….delivery]`).
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeliverySettings {
    pub max_attempts: u32,
    pub first_retry_ms: u64,
    pub max_retry_ms: u64,
    pub timeout_ms: u64,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        Self {
            max_attempts: 10,
            first_retry_ms: 2_000,
            max_retry_ms: 15 * 60 * 1000,
            timeout_ms: 15_000,
        }
    }
}

impl DeliverySettings {
    /// Checks the values; `prefix` is where they sit in the settings tree
    /// (`intake.channels.delivery`).
    pub fn validate(&self, prefix: &str) -> Result<(), crate::config::ConfigError> {
        use crate::config::ConfigError;
        if self.max_attempts == 0 {
            return Err(ConfigError::invalid(
                format!("{prefix}.max_attempts"),
                "must be at least 1",
            ));
        }
        if self.first_retry_ms == 0 || self.max_retry_ms < self.first_retry_ms {
            return Err(ConfigError::invalid(
                format!("{prefix}.max_retry_ms"),
                "must be at least first_retry_ms, which must be above 0",
            ));
        }
        if self.timeout_ms == 0 {
            return Err(ConfigError::invalid(
                format!("{prefix}.timeout_ms"),
                "must be above 0",
            ));
        }
        Ok(())
    }

    /// How long one call may take.
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }

    pub fn policy(&self) -> RetryPolicy {
        RetryPolicy {
            max_attempts: self.max_attempts,
            first_delay: Duration::from_millis(self.first_retry_ms),
            max_delay: Duration::from_millis(self.max_retry_ms),
            timeout: self.timeout(),
        }
    }
}

/// How often and how long to retry.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Attempts before a row becomes a dead letter.
    pub max_attempts: u32,
    pub first_delay: Duration,
    pub max_delay: Duration,
    /// Per request, connection included.
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 10,
            first_delay: Duration::from_secs(2),
            max_delay: Duration::from_secs(15 * 60),
            timeout: Duration::from_secs(15),
        }
    }
}

/// Enqueues deliveries and wakes the worker. Cheap to clone.
#[derive(Clone, Debug, Default)]
pub struct Deliveries {
    wake: Arc<Notify>,
}

impl Deliveries {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `request` inside the caller's transaction. Returns false when a request with
    /// the same key was enqueued before (nothing is added then).
    pub async fn enqueue<C: ConnectionTrait>(
        &self,
        db: &C,
        request: OutgoingRequest,
    ) -> Result<bool, DbErr> {
        store::insert(db, request).await
    }

    /// Tells the worker that new rows are committed.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// The worker that sends this queue's rows from `db`.
    pub fn worker(
        &self,
        db: DatabaseConnection,
        destinations: Vec<Destination>,
        policy: RetryPolicy,
    ) -> Result<DeliveryWorker, reqwest::Error> {
        let client = http_client(policy.timeout)?;
        Ok(DeliveryWorker::new(
            db,
            client,
            destinations,
            policy,
            self.wake.clone(),
        ))
    }
}

/// An HTTP client for outgoing calls: rustls with the ring provider, timeouts.
pub fn http_client(timeout: Duration) -> Result<reqwest::Client, reqwest::Error> {
    // The process-wide provider may already be set (by us or a library): either is fine.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(5)))
        .user_agent(concat!("segnala/", env!("CARGO_PKG_VERSION")))
        .build()
}
