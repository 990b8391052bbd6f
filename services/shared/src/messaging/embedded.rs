//! The in-process bus for `segnala up` and tests. A publish returns only after every
//! subscriber has handled the message (or dead-lettered it), so the outbox row it came
//! from is deleted only then: a crash in between loses nothing, and redelivery after
//! restart is absorbed by the inboxes.

use std::sync::{Arc, RwLock};

use async_trait::async_trait;

use super::{Envelope, HandlerError, Subscription, TaskGuard, Transport, TransportError};

#[derive(Default)]
pub struct EmbeddedBus {
    subscriptions: RwLock<Vec<Subscription>>,
}

impl EmbeddedBus {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    fn subscribers_of(&self, event_type: &str) -> Vec<Subscription> {
        self.subscriptions
            .read()
            .map(|subs| {
                subs.iter()
                    .filter(|s| s.event_types.iter().any(|t| t == event_type))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[async_trait]
impl Transport for EmbeddedBus {
    async fn publish(&self, batch: &[Envelope]) -> Vec<Result<(), TransportError>> {
        let mut outcomes = Vec::with_capacity(batch.len());
        for envelope in batch {
            let mut outcome = Ok(());
            for subscription in self.subscribers_of(&envelope.event_type) {
                let delivered = match subscription.handler.deliver(envelope).await {
                    Err(HandlerError::Permanent(reason)) => {
                        subscription.handler.dead_letter(envelope, &reason).await
                    }
                    other => other,
                };
                if let Err(error) = delivered {
                    outcome = Err(TransportError::Delivery(format!(
                        "{}: {error}",
                        subscription.consumer
                    )));
                }
            }
            outcomes.push(outcome);
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
