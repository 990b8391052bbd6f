//! Group commit: reports accepted at the same moment share one transaction, so a surge
//! costs one commit (one flush to disk) and a handful of statements per batch instead of
//! per report. A report is answered only after its batch has committed.

use std::{collections::HashSet, sync::Arc};

use async_trait::async_trait;
use sea_orm::{DatabaseConnection, DatabaseTransaction, DbErr, TransactionTrait};
use segnala_shared::messaging::{BatchHandler, Envelope, HandlerError, Outbox, handle_batch};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use crate::{
    domain::Report,
    store::{NewMedia, NewReport, ReportStore, StoredRequest},
};

/// Most reports one transaction takes.
const MAX_BATCH: usize = 256;

/// What became of a report handed to the writer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Written {
    /// Stored, with its `ReportReceived` event.
    Stored,
    /// Its request id or channel message was stored before: nothing was written.
    Duplicate,
}

/// A report waiting for its batch.
pub struct Submission {
    pub report: Report,
    pub uploads: Vec<NewMedia>,
    pub request: Option<StoredRequest>,
    /// Made in the request's own context, so the event continues the caller's trace.
    pub event: Envelope,
}

/// Stores a batch of accepted reports, and the events of those that are new, in the
/// caller's transaction; tells which reports it stored.
struct AcceptedReports {
    outbox: Outbox,
}

#[async_trait]
impl BatchHandler for AcceptedReports {
    type Item = Arc<Submission>;
    type Batch = Vec<Arc<Submission>>;
    type Output = HashSet<Uuid>;

    /// Nothing to read first: whether a report is new is settled by its insert.
    async fn load(
        &self,
        _txn: &DatabaseTransaction,
        submissions: &[Arc<Submission>],
    ) -> Result<Self::Batch, HandlerError> {
        Ok(Vec::with_capacity(submissions.len()))
    }

    async fn apply(
        &self,
        _txn: &DatabaseTransaction,
        batch: &mut Self::Batch,
        submission: Arc<Submission>,
    ) -> Result<(), HandlerError> {
        batch.push(submission);
        Ok(())
    }

    async fn flush(
        &self,
        txn: &DatabaseTransaction,
        batch: Self::Batch,
    ) -> Result<HashSet<Uuid>, HandlerError> {
        let reports: Vec<NewReport<'_>> = batch
            .iter()
            .map(|submission| NewReport {
                report: &submission.report,
                uploads: &submission.uploads,
                request: submission.request.as_ref(),
            })
            .collect();
        let stored = ReportStore.insert_new(txn, &reports).await?;
        let events = batch
            .iter()
            .filter(|submission| stored.contains(&submission.report.id))
            .map(|submission| submission.event.clone())
            .collect();
        self.outbox.record_envelopes(txn, events).await?;
        Ok(stored)
    }
}

struct Pending {
    submission: Arc<Submission>,
    done: oneshot::Sender<Result<Written, DbErr>>,
}

/// Hands reports to the task that writes them in batches. The task ends when the last
/// clone of its writer is dropped, after writing what it was given.
#[derive(Clone)]
pub struct ReportWriter {
    queue: mpsc::Sender<Pending>,
}

impl ReportWriter {
    pub fn start(db: DatabaseConnection, outbox: Outbox) -> Self {
        let (queue, pending) = mpsc::channel(MAX_BATCH * 4);
        tokio::spawn(write_batches(db, AcceptedReports { outbox }, pending));
        Self { queue }
    }

    /// Writes the report and its event; returns once they are committed.
    pub async fn write(&self, submission: Submission) -> Result<Written, DbErr> {
        let (done, written) = oneshot::channel();
        self.queue
            .send(Pending {
                submission: Arc::new(submission),
                done,
            })
            .await
            .map_err(|_| DbErr::Custom("the report writer has stopped".into()))?;
        written
            .await
            .map_err(|_| DbErr::Custom("the report writer stopped before writing".into()))?
    }
}

async fn write_batches(
    db: DatabaseConnection,
    handler: AcceptedReports,
    mut queue: mpsc::Receiver<Pending>,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        match write_together(&db, &handler, &batch).await {
            Ok(stored) => answer(batch.drain(..), &stored),
            // One bad report must not fail the others: write them one at a time.
            Err(_) if batch.len() > 1 => {
                for pending in batch.drain(..) {
                    let one = [pending];
                    match write_together(&db, &handler, &one).await {
                        Ok(stored) => answer(one.into_iter(), &stored),
                        Err(error) => {
                            let [pending] = one;
                            let _ = pending.done.send(Err(error));
                        }
                    }
                }
            }
            Err(error) => {
                for pending in batch.drain(..) {
                    let _ = pending.done.send(Err(DbErr::Custom(error.to_string())));
                }
            }
        }
        handler.outbox.wake();
    }
}

fn answer(batch: impl Iterator<Item = Pending>, stored: &HashSet<Uuid>) {
    for pending in batch {
        let written = if stored.contains(&pending.submission.report.id) {
            metrics::counter!("segnala_reports_accepted_total", "channel" => pending.submission.report.channel.as_str())
                .increment(1);
            Written::Stored
        } else {
            Written::Duplicate
        };
        // The caller may have gone (a cancelled request): the report stays stored and a
        // retry with the same request id finds it.
        let _ = pending.done.send(Ok(written));
    }
}

/// Writes `batch` in one transaction; returns the ids of the reports it stored.
async fn write_together(
    db: &DatabaseConnection,
    handler: &AcceptedReports,
    batch: &[Pending],
) -> Result<HashSet<Uuid>, DbErr> {
    let submissions = batch
        .iter()
        .map(|pending| pending.submission.clone())
        .collect();
    let txn = db.begin().await?;
    let stored = handle_batch(handler, &txn, submissions)
        .await
        .map_err(|error| DbErr::Custom(error.to_string()))?;
    txn.commit().await?;
    Ok(stored)
}
