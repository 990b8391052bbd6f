//! The transactional outbox: an event is written in the same transaction as the state
//! change it announces, and a relay publishes it afterwards. A row leaves the outbox
//! only once the transport has made the event safe; a failed publish is retried with
//! back-off, row by row, so one stuck event never holds back the others.

use std::{sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, prelude::Expr, sea_query::Func, sea_query::LockBehavior,
    sea_query::LockType,
};
use tokio::sync::Notify;

use super::{
    Backoff, Envelope, Transport, TransportError,
    claim_loop::{ClaimLoop, DueRows},
};
use crate::telemetry::TraceHeaders;

pub(crate) mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "outbox")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub seq: i64,
        #[sea_orm(unique)]
        pub message_id: Uuid,
        pub event_type: String,
        pub payload: Vec<u8>,
        pub trace: Json,
        pub occurred_at: DateTimeUtc,
        pub attempts: i32,
        pub next_attempt_ms: i64,
        pub last_error: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

use entity::{Column, Entity as OutboxRow};

/// Writes events into the outbox and wakes the relay after commit.
#[derive(Clone, Debug, Default)]
pub struct Outbox {
    wake: Arc<Notify>,
}

impl Outbox {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `event` to the outbox inside the caller's transaction.
    pub async fn record<C, E>(&self, txn: &C, event: &E) -> Result<(), DbErr>
    where
        C: ConnectionTrait,
        E: prost::Message + prost::Name,
    {
        self.record_envelopes(txn, vec![Envelope::new(event)]).await
    }

    /// Adds events already wrapped (each carrying the trace it was made in), in order,
    /// with one statement, inside the caller's transaction.
    pub async fn record_envelopes<C>(&self, txn: &C, envelopes: Vec<Envelope>) -> Result<(), DbErr>
    where
        C: ConnectionTrait,
    {
        if envelopes.is_empty() {
            return Ok(());
        }
        let rows = envelopes.into_iter().map(|envelope| entity::ActiveModel {
            trace: Set(serde_json::to_value(&envelope.trace).unwrap_or_default()),
            message_id: Set(envelope.message_id),
            event_type: Set(envelope.event_type),
            payload: Set(envelope.payload),
            occurred_at: Set(envelope.occurred_at),
            attempts: Set(0),
            next_attempt_ms: Set(0),
            last_error: Set(None),
            ..Default::default()
        });
        OutboxRow::insert_many(rows)
            .exec_without_returning(txn)
            .await?;
        Ok(())
    }

    /// Tells the relay that new rows are committed. Call after the transaction commits.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// A relay that publishes this outbox's rows from `db` through `transport`.
    pub fn relay(&self, db: DatabaseConnection, transport: Arc<dyn Transport>) -> OutboxRelay {
        OutboxRelay {
            claims: ClaimLoop {
                name: "outbox relay",
                db,
                wake: self.wake.clone(),
                first_retry: Duration::from_millis(100),
            },
            publisher: Publisher {
                transport,
                // Embedded, a batch is handled by each subscriber in one transaction
                // while the relay waits: larger batches settle more a second
                // (docs/performance.md).
                batch_size: 500,
                idle_poll: Duration::from_secs(1),
            },
        }
    }
}

/// Publishes outbox rows. Safe to run in several replicas on PostgreSQL: each batch is
/// claimed with `FOR UPDATE SKIP LOCKED`.
pub struct OutboxRelay {
    claims: ClaimLoop,
    publisher: Publisher,
}

/// How long a failed row waits: from 200 ms up to ten seconds, so that events for a
/// consumer that starts late, or a broker that comes back, move again promptly.
const RETRY_FIRST: Duration = Duration::from_millis(200);
const RETRY_CEILING: Duration = Duration::from_secs(10);

impl OutboxRelay {
    /// Runs until the task is dropped.
    pub async fn run(self) {
        let Self { claims, publisher } = self;
        claims.run(&publisher).await;
    }

    /// Publishes one batch of due rows; returns how many were published.
    pub async fn relay_batch(&self) -> Result<usize, DbErr> {
        self.claims.claim_batch(&mut &self.publisher).await
    }
}

/// What the relay does with a batch: publish it, delete what went, postpone the rest.
struct Publisher {
    transport: Arc<dyn Transport>,
    batch_size: u64,
    idle_poll: Duration,
}

impl DueRows for &Publisher {
    /// Publishes one batch of due rows; returns how many were published.
    async fn handle_batch<C: ConnectionTrait>(
        &mut self,
        db: &C,
        claim: bool,
    ) -> Result<usize, DbErr> {
        let now_ms = Utc::now().timestamp_millis();
        let mut query = OutboxRow::find()
            .filter(Column::NextAttemptMs.lte(now_ms))
            .order_by_asc(Column::Seq)
            .limit(self.batch_size);
        if claim {
            query = query.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
        }
        let rows = query.all(db).await?;
        if rows.is_empty() {
            return Ok(0);
        }
        let envelopes: Vec<Envelope> = rows.iter().map(to_envelope).collect();
        let outcomes = self.transport.publish(&envelopes).await;

        let mut published = Vec::with_capacity(rows.len());
        for (row, outcome) in rows.iter().zip(outcomes) {
            match outcome {
                Ok(()) => published.push(row.seq),
                Err(error) => postpone(db, row, &error).await?,
            }
        }
        if !published.is_empty() {
            OutboxRow::delete_many()
                .filter(Column::Seq.is_in(published.clone()))
                .exec(db)
                .await?;
        }
        Ok(published.len())
    }

    fn more_due(&self, published: usize) -> bool {
        published as u64 == self.batch_size
    }

    fn idle_wait(&self) -> Duration {
        self.idle_poll
    }
}

/// Leaves a row that failed to publish for a later batch, with back-off.
async fn postpone<C: ConnectionTrait>(
    db: &C,
    row: &entity::Model,
    error: &TransportError,
) -> Result<(), DbErr> {
    let attempts = row.attempts.saturating_add(1);
    let delay = Backoff::delay_for(RETRY_FIRST, RETRY_CEILING, attempts.unsigned_abs());
    let next = Utc::now().timestamp_millis() + delay.as_millis() as i64;
    if attempts == 1 || attempts % 10 == 0 {
        tracing::warn!(event = %row.event_type, message_id = %row.message_id, attempts, %error, "publish failed; will retry");
    }
    OutboxRow::update_many()
        .col_expr(Column::Attempts, Expr::value(attempts))
        .col_expr(Column::NextAttemptMs, Expr::value(next))
        .col_expr(Column::LastError, Expr::value(error.to_string()))
        .filter(Column::Seq.eq(row.seq))
        .exec(db)
        .await?;
    Ok(())
}

fn to_envelope(row: &entity::Model) -> Envelope {
    Envelope {
        message_id: row.message_id,
        event_type: row.event_type.clone(),
        payload: row.payload.clone(),
        occurred_at: row.occurred_at,
        trace: serde_json::from_value::<TraceHeaders>(row.trace.clone()).unwrap_or_default(),
    }
}

/// What waits in an outbox.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Backlog {
    pub pending: u64,
    /// How long the oldest row has waited; zero when none does.
    pub oldest_age: Duration,
}

/// How many rows wait to be published, and since when, in one query.
pub async fn backlog<C: ConnectionTrait>(db: &C) -> Result<Backlog, DbErr> {
    let (pending, oldest): (i64, Option<DateTime<Utc>>) = OutboxRow::find()
        .select_only()
        .column_as(Expr::from(Func::count(Expr::col(Column::Seq))), "pending")
        .column_as(
            Expr::from(Func::min(Expr::col(Column::OccurredAt))),
            "oldest",
        )
        .into_tuple()
        .one(db)
        .await?
        .unwrap_or_default();
    Ok(Backlog {
        pending: u64::try_from(pending).unwrap_or_default(),
        oldest_age: oldest
            .and_then(|at| (Utc::now() - at).to_std().ok())
            .unwrap_or_default(),
    })
}

/// Rows still waiting to be published.
pub async fn pending<C: ConnectionTrait>(db: &C) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    OutboxRow::find().count(db).await
}
