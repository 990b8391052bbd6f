//! The loop of a worker that drains a table of due rows (the outbox relay, the delivery
//! worker): claim a batch and handle it; go straight on while more is due, else wait
//! for a wake-up or a timer; when the database fails, back off and try again.

use std::{future::Future, sync::Arc, time::Duration};

use futures_util::FutureExt;
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, TransactionTrait};
use tokio::sync::Notify;

use super::Backoff;

/// What a worker does with the due rows of its table.
pub(crate) trait DueRows {
    /// Handles one batch of due rows read through `db`, locking them
    /// (`FOR UPDATE SKIP LOCKED`) when `claim`; returns how many it handled.
    fn handle_batch<C: ConnectionTrait>(
        &mut self,
        db: &C,
        claim: bool,
    ) -> impl Future<Output = Result<usize, DbErr>> + Send;

    /// Whether a batch that handled `handled` rows leaves more due at once.
    fn more_due(&self, handled: usize) -> bool;

    /// How long to wait for a wake-up before looking again.
    fn idle_wait(&self) -> Duration;
}

/// The longest pause after the database failed.
const RETRY_CEILING: Duration = Duration::from_secs(5);

/// Where a [`DueRows`] worker reads, what wakes it, and how it backs off.
pub(crate) struct ClaimLoop {
    /// Who loops, for the log.
    pub(crate) name: &'static str,
    pub(crate) db: DatabaseConnection,
    pub(crate) wake: Arc<Notify>,
    /// The first pause after the database failed; it grows up to [`RETRY_CEILING`].
    pub(crate) first_retry: Duration,
}

impl ClaimLoop {
    /// Runs until the task is dropped.
    pub(crate) async fn run(self, mut rows: impl DueRows) {
        let mut backoff = Backoff::new(self.first_retry, RETRY_CEILING);
        loop {
            match self.claim_batch(&mut rows).await {
                Ok(handled) => {
                    backoff.reset();
                    if rows.more_due(handled) {
                        continue;
                    }
                    let pause = rows.idle_wait();
                    tokio::select! {
                        _ = self.wake.notified() => {}
                        _ = tokio::time::sleep(pause) => {}
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, "{} could not read its rows; retrying", self.name);
                    tokio::time::sleep(backoff.next_delay()).await;
                }
            }
        }
    }

    /// Claims and handles one batch of due rows; returns how many were handled.
    pub(crate) async fn claim_batch(&self, rows: &mut impl DueRows) -> Result<usize, DbErr> {
        // Rows whose wake-up is pending were committed before it was given, so this
        // batch reads them: their wake-up must not cost another, empty, read.
        let _ = self.wake.notified().now_or_never();
        match self.db.get_database_backend() {
            DatabaseBackend::Postgres => {
                let txn = self.db.begin().await?;
                let handled = rows.handle_batch(&txn, true).await?;
                txn.commit().await?;
                Ok(handled)
            }
            // SQLite has one writer: a transaction held open while the rows are handled
            // would stall the service. One worker per process needs no claim.
            _ => rows.handle_batch(&self.db, false).await,
        }
    }
}
