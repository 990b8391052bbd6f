//! Group commit: reports accepted at the same moment share one transaction, so a surge
//! costs one commit (one flush to disk) and a handful of statements per batch instead of
//! per report. A report is answered only after its batch has committed.

use std::collections::HashSet;

use sea_orm::{DatabaseConnection, DbErr, TransactionTrait};
use segnala_shared::messaging::{Envelope, Outbox};
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

struct Pending {
    submission: Submission,
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
        tokio::spawn(write_batches(db, outbox, pending));
        Self { queue }
    }

    /// Writes the report and its event; returns once they are committed.
    pub async fn write(&self, submission: Submission) -> Result<Written, DbErr> {
        let (done, written) = oneshot::channel();
        self.queue
            .send(Pending { submission, done })
            .await
            .map_err(|_| DbErr::Custom("the report writer has stopped".into()))?;
        written
            .await
            .map_err(|_| DbErr::Custom("the report writer stopped before writing".into()))?
    }
}

async fn write_batches(db: DatabaseConnection, outbox: Outbox, mut queue: mpsc::Receiver<Pending>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        match write_together(&db, &outbox, &batch).await {
            Ok(stored) => answer(batch.drain(..), &stored),
            // One bad report must not fail the others: write them one at a time.
            Err(_) if batch.len() > 1 => {
                for pending in batch.drain(..) {
                    let one = [pending];
                    match write_together(&db, &outbox, &one).await {
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
        outbox.wake();
    }
}

fn answer(batch: impl Iterator<Item = Pending>, stored: &HashSet<Uuid>) {
    for pending in batch {
        let written = if stored.contains(&pending.submission.report.id) {
            Written::Stored
        } else {
            Written::Duplicate
        };
        // The caller may have gone (a cancelled request): the report stays stored and a
        // retry with the same request id finds it.
        let _ = pending.done.send(Ok(written));
    }
}

async fn write_together(
    db: &DatabaseConnection,
    outbox: &Outbox,
    batch: &[Pending],
) -> Result<HashSet<Uuid>, DbErr> {
    let reports: Vec<NewReport<'_>> = batch
        .iter()
        .map(|pending| NewReport {
            report: &pending.submission.report,
            uploads: &pending.submission.uploads,
            request: pending.submission.request.as_ref(),
        })
        .collect();
    let txn = db.begin().await?;
    let stored = ReportStore.insert_new(&txn, &reports).await?;
    let events = batch
        .iter()
        .filter(|pending| stored.contains(&pending.submission.report.id))
        .map(|pending| pending.submission.event.clone())
        .collect();
    outbox.record_envelopes(&txn, events).await?;
    txn.commit().await?;
    Ok(stored)
}
