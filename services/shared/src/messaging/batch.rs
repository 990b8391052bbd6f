//! One shape for work done a batch at a time: a consumer's delivered events, or the
//! reports a service accepted at the same moment. `load` reads what the whole batch
//! needs with a few queries, `apply` changes that state in memory one item at a time,
//! in order, and `flush` writes what changed with a few statements, all in the
//! caller's transaction. A surge then costs a handful of statements and one commit per
//! batch instead of per item.

use async_trait::async_trait;
use sea_orm::DatabaseTransaction;

use super::HandlerError;

#[async_trait]
pub trait BatchHandler: Send + Sync + 'static {
    /// One piece of work: for a consumer, an event with its [`super::EventContext`].
    type Item: Send + 'static;
    /// What the batch holds in memory between `load` and `flush`.
    type Batch: Send;
    /// What `flush` tells the caller, such as which items it stored.
    type Output: Send;

    /// Reads what every item needs, before any is applied.
    async fn load(
        &self,
        txn: &DatabaseTransaction,
        items: &[Self::Item],
    ) -> Result<Self::Batch, HandlerError>;

    /// Applies one item to the batch.
    async fn apply(
        &self,
        txn: &DatabaseTransaction,
        batch: &mut Self::Batch,
        item: Self::Item,
    ) -> Result<(), HandlerError>;

    /// Writes what the batch changed.
    async fn flush(
        &self,
        txn: &DatabaseTransaction,
        batch: Self::Batch,
    ) -> Result<Self::Output, HandlerError>;
}

/// Runs `items` through `handler` inside `txn`: load, apply each in order, flush. The
/// caller commits, and on an error rolls back the whole batch.
pub async fn handle_batch<H: BatchHandler>(
    handler: &H,
    txn: &DatabaseTransaction,
    items: Vec<H::Item>,
) -> Result<H::Output, HandlerError> {
    let mut batch = handler.load(txn, &items).await?;
    for item in items {
        handler.apply(txn, &mut batch, item).await?;
    }
    handler.flush(txn, batch).await
}
