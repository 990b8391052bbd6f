//! Sends due deliveries: retries with back-off, per-destination rate limits and pauses,
//! dead letters after the last attempt.

use std::{
    collections::HashMap,
    sync::Arc,
    time::{Duration, Instant},
};

use chrono::Utc;
use http::{HeaderName, HeaderValue, StatusCode};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, prelude::Expr, sea_query::LockBehavior, sea_query::LockType,
};
use tokio::sync::Notify;

use super::{
    Attempt, DeliveryState, Destination, RetryPolicy,
    store::{Column, DeliveryRow, entity},
};
use crate::messaging::{
    Backoff,
    claim_loop::{ClaimLoop, DueRows},
};

/// How many rows one pass claims.
const BATCH_SIZE: u64 = 20;
/// How long the worker sleeps when nothing is due and nobody wakes it.
const IDLE_POLL: Duration = Duration::from_millis(500);

/// Runs the deliveries of one service. See the module documentation.
pub struct DeliveryWorker {
    claims: ClaimLoop,
    sender: Sender,
}

/// Sends the rows of a batch and records what came of each.
struct Sender {
    client: reqwest::Client,
    destinations: HashMap<String, Destination>,
    policy: RetryPolicy,
    /// When each destination may be called next (rate limit or pause after a failure).
    not_before: HashMap<String, Instant>,
}

/// What one attempt came to.
enum Outcome {
    Sent,
    /// Worth another try, after at least this long when the platform said so.
    Retry {
        error: String,
        retry_after: Option<Duration>,
    },
    Refused(String),
}

impl DeliveryWorker {
    pub(super) fn new(
        db: DatabaseConnection,
        client: reqwest::Client,
        destinations: Vec<Destination>,
        policy: RetryPolicy,
        wake: Arc<Notify>,
    ) -> Self {
        Self {
            claims: ClaimLoop {
                name: "delivery worker",
                db,
                wake,
                first_retry: Duration::from_millis(200),
            },
            sender: Sender {
                client,
                destinations: destinations
                    .into_iter()
                    .map(|d| (d.name.clone(), d))
                    .collect(),
                policy,
                not_before: HashMap::new(),
            },
        }
    }

    /// Runs until the task is dropped.
    pub async fn run(self) {
        self.claims.run(self.sender).await;
    }
}

impl DueRows for Sender {
    /// Sends one batch of due rows; returns how many were attempted.
    async fn handle_batch<C: ConnectionTrait>(
        &mut self,
        db: &C,
        claim: bool,
    ) -> Result<usize, DbErr> {
        let now_ms = Utc::now().timestamp_millis();
        let mut query = DeliveryRow::find()
            .filter(Column::State.eq(DeliveryState::Pending.as_str()))
            .filter(Column::NextAttemptMs.lte(now_ms))
            .order_by_asc(Column::Seq)
            .limit(BATCH_SIZE);
        let paused = self.paused_destinations();
        if !paused.is_empty() {
            query = query.filter(Column::Destination.is_not_in(paused));
        }
        if claim {
            query = query.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
        }
        let rows = query.all(db).await?;
        let mut attempted = 0;
        for row in &rows {
            // A destination that failed earlier in this batch waits its turn.
            if self.paused_destinations().contains(&row.destination) {
                continue;
            }
            attempted += 1;
            let outcome = self.attempt(row).await;
            self.record(db, row, outcome).await?;
        }
        Ok(attempted)
    }

    fn more_due(&self, attempted: usize) -> bool {
        attempted > 0
    }

    fn idle_wait(&self) -> Duration {
        let now = Instant::now();
        self.not_before
            .values()
            .filter(|at| **at > now)
            .map(|at| *at - now)
            .min()
            .map_or(IDLE_POLL, |soonest| soonest.min(IDLE_POLL))
    }
}

impl Sender {
    fn paused_destinations(&self) -> Vec<String> {
        let now = Instant::now();
        self.not_before
            .iter()
            .filter(|(_, at)| **at > now + Duration::from_millis(50))
            .map(|(name, _)| name.clone())
            .collect()
    }

    async fn attempt(&mut self, row: &entity::Model) -> Outcome {
        let Some(mut destination) = self.destination(&row.destination) else {
            return Outcome::Retry {
                error: format!("no destination `{}` is configured", row.destination),
                retry_after: None,
            };
        };
        // Rate limits and pauses are per row destination (`webhook:host`).
        destination.name.clone_from(&row.destination);
        self.wait_turn(&destination).await;
        let url = if row.target.starts_with("http://") || row.target.starts_with("https://") {
            row.target.clone()
        } else {
            format!("{}{}", destination.base_url, row.target)
        };
        let stored: Vec<(String, String)> =
            serde_json::from_value(row.headers.clone()).unwrap_or_default();
        let mut request = self
            .client
            .post(&url)
            .header(http::header::CONTENT_TYPE, row.content_type.as_str())
            .body(row.body.clone());
        for (name, value) in &destination.headers {
            request = request.header(name, value);
        }
        for (name, value) in &stored {
            if let (Ok(name), Ok(value)) = (
                HeaderName::try_from(name.as_str()),
                HeaderValue::try_from(value.as_str()),
            ) {
                request = request.header(name, value);
            }
        }
        if let Some(signer) = &destination.signer {
            let attempt = Attempt {
                key: &row.dedup_key,
                url: &url,
                body: &row.body,
                headers: &stored,
                now: Utc::now(),
            };
            match signer.headers(&attempt).await {
                Ok(headers) => {
                    for (name, value) in headers {
                        request = request.header(name, value);
                    }
                }
                Err(error) => {
                    return Outcome::Retry {
                        error: format!("signing failed: {error}"),
                        retry_after: None,
                    };
                }
            }
        }
        let sent = request.send().await;
        // Spaced from the end of this call, so that the platform never sees two calls
        // closer than the limit, whatever the network did to this one.
        if !destination.min_interval.is_zero() {
            self.not_before.insert(
                destination.name.clone(),
                Instant::now() + destination.min_interval,
            );
        }
        match sent {
            Ok(response) => classify(response).await,
            // Never the error's URL: Telegram's holds the bot token.
            Err(error) => Outcome::Retry {
                error: describe_transport_error(&error),
                retry_after: None,
            },
        }
    }

    /// The destination named so, or the one named by its part before `:`.
    fn destination(&self, name: &str) -> Option<Destination> {
        self.destinations
            .get(name)
            .or_else(|| {
                let (family, _) = name.split_once(':')?;
                self.destinations.get(family)
            })
            .cloned()
    }

    async fn wait_turn(&mut self, destination: &Destination) {
        if let Some(at) = self.not_before.get(&destination.name) {
            let now = Instant::now();
            if *at > now {
                tokio::time::sleep(*at - now).await;
            }
        }
    }

    async fn record<C: ConnectionTrait>(
        &mut self,
        db: &C,
        row: &entity::Model,
        outcome: Outcome,
    ) -> Result<(), DbErr> {
        let attempts = row.attempts.saturating_add(1);
        let result = match &outcome {
            Outcome::Sent => "sent",
            Outcome::Retry { .. } if attempts.unsigned_abs() >= self.policy.max_attempts => "dead",
            Outcome::Retry { .. } => "retry",
            Outcome::Refused(_) => "dead",
        };
        metrics::counter!("segnala_deliveries_total", "destination" => row.destination.clone(), "result" => result)
            .increment(1);
        let update = DeliveryRow::update_many()
            .col_expr(Column::Attempts, Expr::value(attempts))
            .filter(Column::Seq.eq(row.seq));
        let update = match outcome {
            Outcome::Sent => update
                .col_expr(Column::State, Expr::value(DeliveryState::Sent.as_str()))
                .col_expr(Column::FinishedAt, Expr::value(Utc::now()))
                .col_expr(Column::LastError, Expr::value(Option::<String>::None)),
            Outcome::Retry { error, .. } if attempts.unsigned_abs() >= self.policy.max_attempts => {
                tracing::error!(key = %row.dedup_key, destination = %row.destination, attempts, %error, "delivery gave up; kept as a dead letter");
                dead(update, format!("after {attempts} attempts: {error}"))
            }
            Outcome::Retry { error, retry_after } => {
                let backoff = Backoff::delay_for(
                    self.policy.first_delay,
                    self.policy.max_delay,
                    row.attempts.unsigned_abs(),
                );
                let delay = retry_after.map_or(backoff, |asked| asked.max(backoff));
                tracing::warn!(key = %row.dedup_key, destination = %row.destination, attempts, %error, retry_in = ?delay, "delivery failed; will retry");
                // The whole destination waits: an outage is not hammered row by row.
                self.not_before
                    .insert(row.destination.clone(), Instant::now() + delay);
                let next = Utc::now().timestamp_millis()
                    + i64::try_from(delay.as_millis()).unwrap_or(i64::MAX / 2);
                update
                    .col_expr(Column::NextAttemptMs, Expr::value(next))
                    .col_expr(Column::LastError, Expr::value(error))
            }
            Outcome::Refused(error) => {
                tracing::error!(key = %row.dedup_key, destination = %row.destination, %error, "delivery refused; kept as a dead letter");
                dead(update, error)
            }
        };
        update.exec(db).await?;
        Ok(())
    }
}

fn dead(
    update: sea_orm::UpdateMany<DeliveryRow>,
    reason: String,
) -> sea_orm::UpdateMany<DeliveryRow> {
    update
        .col_expr(Column::State, Expr::value(DeliveryState::Dead.as_str()))
        .col_expr(Column::FinishedAt, Expr::value(Utc::now()))
        .col_expr(Column::LastError, Expr::value(reason))
}

async fn classify(response: reqwest::Response) -> Outcome {
    let status = response.status();
    if status.is_success() {
        return Outcome::Sent;
    }
    let retry_after = response
        .headers()
        .get(http::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let body = response.text().await.unwrap_or_default();
    let error = format!(
        "HTTP {status}: {}",
        body.chars().take(300).collect::<String>()
    );
    let transient = status.is_server_error()
        || matches!(
            status,
            StatusCode::REQUEST_TIMEOUT | StatusCode::TOO_EARLY | StatusCode::TOO_MANY_REQUESTS
        );
    if transient {
        Outcome::Retry { error, retry_after }
    } else {
        Outcome::Refused(error)
    }
}

fn describe_transport_error(error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    let cause = std::error::Error::source(error)
        .map(ToString::to_string)
        .unwrap_or_default();
    format!("{kind}: {cause}")
}
