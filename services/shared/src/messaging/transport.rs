use std::sync::Arc;

use async_trait::async_trait;
use tokio::task::JoinHandle;

use super::Envelope;

#[derive(Clone, Debug, thiserror::Error)]
pub enum TransportError {
    #[error("broker unreachable: {0}")]
    Unreachable(String),
    #[error("the broker refused the message: {0}")]
    Refused(String),
    /// No queue is bound for the event yet (its consumers have never started).
    #[error("no consumer is bound for {0}")]
    Unroutable(String),
    /// The embedded bus: a subscriber could not handle the message this time.
    #[error("a subscriber failed: {0}")]
    Delivery(String),
}

/// How a handler failed. Transient failures are retried; permanent ones go to the
/// dead-letter queue. Neither is ever acknowledged as handled.
#[derive(Clone, Debug, thiserror::Error)]
pub enum HandlerError {
    #[error("transient failure: {0}")]
    Transient(String),
    #[error("permanent failure: {0}")]
    Permanent(String),
}

impl From<sea_orm::DbErr> for HandlerError {
    fn from(error: sea_orm::DbErr) -> Self {
        Self::Transient(error.to_string())
    }
}

/// What a transport hands deliveries to.
#[async_trait]
pub trait DeliveryHandler: Send + Sync + 'static {
    async fn deliver(&self, envelope: &Envelope) -> Result<(), HandlerError>;

    /// Handles messages that arrived together, in order, with one outcome each. The
    /// default handles them one by one; a handler may commit them together.
    async fn deliver_batch(&self, envelopes: &[Envelope]) -> Vec<Result<(), HandlerError>> {
        deliver_each(self, envelopes).await
    }

    /// Keeps a message the transport gave up on, where the transport has no dead-letter
    /// queue of its own (the embedded bus).
    async fn dead_letter(&self, envelope: &Envelope, reason: &str) -> Result<(), HandlerError>;
}

/// Hands each message to `handler.deliver`, in order.
pub async fn deliver_each<H: DeliveryHandler + ?Sized>(
    handler: &H,
    envelopes: &[Envelope],
) -> Vec<Result<(), HandlerError>> {
    let mut outcomes = Vec::with_capacity(envelopes.len());
    for envelope in envelopes {
        outcomes.push(handler.deliver(envelope).await);
    }
    outcomes
}

/// A consuming service's wish to receive some event types.
#[derive(Clone)]
pub struct Subscription {
    /// The consuming service's name; replicas with the same name compete for messages.
    pub consumer: String,
    pub event_types: Vec<String>,
    pub handler: Arc<dyn DeliveryHandler>,
}

/// Background tasks that stop when this is dropped.
#[derive(Debug, Default)]
pub struct TaskGuard(Vec<JoinHandle<()>>);

impl TaskGuard {
    pub fn new(tasks: Vec<JoinHandle<()>>) -> Self {
        Self(tasks)
    }

    pub fn push(&mut self, task: JoinHandle<()>) {
        self.0.push(task);
    }

    pub fn extend(&mut self, other: TaskGuard) {
        let mut other = other;
        self.0.append(&mut other.0);
    }
}

impl Drop for TaskGuard {
    fn drop(&mut self) {
        for task in &self.0 {
            task.abort();
        }
    }
}

/// Moves envelopes between services.
#[async_trait]
pub trait Transport: Send + Sync + 'static {
    /// Publishes a batch in order and reports each message's outcome. `Ok` means the
    /// message is safe: confirmed by the broker, or (embedded) handled by every
    /// subscriber.
    async fn publish(&self, batch: &[Envelope]) -> Vec<Result<(), TransportError>>;

    /// Starts delivering the subscription's event types to its handler. Returns once the
    /// consumer's queue exists, so events published afterwards reach it.
    async fn subscribe(&self, subscription: Subscription) -> Result<TaskGuard, TransportError>;

    /// Whether it can publish and every subscription is consuming now; a transport
    /// that lost its broker says no until it has reconnected.
    async fn ready(&self) -> bool {
        true
    }
}
