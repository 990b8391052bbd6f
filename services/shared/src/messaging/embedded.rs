//! The in-process bus for `segnala up` and tests. A publish returns only after every
//! subscriber has handled the message (or dead-lettered it), so the outbox row it came
//! from is deleted only then: a crash in between loses nothing, and redelivery after
//! restart is absorbed by the inboxes.

use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use futures_util::future::join_all;
use tokio::sync::watch;

use super::{Envelope, HandlerError, Subscription, TaskGuard, Transport, TransportError};

pub struct EmbeddedBus {
    subscriptions: RwLock<Vec<Subscription>>,
    /// Publishing waits while this is false: the services of a process are still
    /// subscribing, and an event published before its consumer subscribed would reach
    /// nobody (a broker queue would have kept it).
    open: watch::Sender<bool>,
}

impl Default for EmbeddedBus {
    fn default() -> Self {
        Self {
            subscriptions: RwLock::default(),
            open: watch::Sender::new(true),
        }
    }
}

impl EmbeddedBus {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// A bus that publishes nothing until [`EmbeddedBus::open`]: for a process that
    /// starts several services, each publishing from its outbox as soon as it starts.
    pub fn held() -> Arc<Self> {
        let bus = Self::default();
        bus.open.send_replace(false);
        Arc::new(bus)
    }

    /// Every consumer of the process has subscribed: publishing may start.
    pub fn open(&self) {
        self.open.send_replace(true);
    }

    fn subscriptions(&self) -> Vec<Subscription> {
        self.subscriptions
            .read()
            .map(|subs| subs.clone())
            .unwrap_or_default()
    }
}

#[async_trait]
impl Transport for EmbeddedBus {
    async fn publish(&self, batch: &[Envelope]) -> Vec<Result<(), TransportError>> {
        // The sender lives as long as the bus, so waiting ends only by opening.
        let _ = self.open.subscribe().wait_for(|open| *open).await;
        let subscriptions = self.subscriptions();
        // Each subscriber takes its share of the batch at once, in one transaction, and the
        // subscribers (each with a database of its own) all at the same time.
        let deliveries = subscriptions.iter().map(|subscription| async move {
            let (positions, wanted): (Vec<usize>, Vec<Envelope>) = batch
                .iter()
                .enumerate()
                .filter(|(_, e)| subscription.event_types.contains(&e.event_type))
                .map(|(i, e)| (i, e.clone()))
                .unzip();
            let mut failed = Vec::new();
            if wanted.is_empty() {
                return failed;
            }
            let results = subscription.handler.deliver_batch(&wanted).await;
            for ((position, envelope), result) in positions.into_iter().zip(&wanted).zip(results) {
                let delivered = match result {
                    Err(HandlerError::Permanent(reason)) => {
                        subscription.handler.dead_letter(envelope, &reason).await
                    }
                    other => other,
                };
                if let Err(error) = delivered {
                    failed.push((
                        position,
                        TransportError::Delivery(format!("{}: {error}", subscription.consumer)),
                    ));
                }
            }
            failed
        });
        let mut outcomes: Vec<Result<(), TransportError>> = vec![Ok(()); batch.len()];
        for (position, error) in join_all(deliveries).await.into_iter().flatten() {
            outcomes[position] = Err(error);
        }
        outcomes
    }

    async fn subscribe(&self, subscription: Subscription) -> Result<TaskGuard, TransportError> {
        let mut subscriptions = self
            .subscriptions
            .write()
            .map_err(|_| TransportError::Unreachable("embedded bus lock poisoned".into()))?;
        subscriptions.retain(|s| s.consumer != subscription.consumer);
        subscriptions.push(subscription);
        Ok(TaskGuard::default())
    }
}
