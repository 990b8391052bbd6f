//! A queue of the test's own on the environment's exchange: it receives every event
//! published under a routing-key pattern, so a test can assert what a service announced.

use std::time::Duration;

use futures_util::StreamExt;
use lapin::{
    Connection, ConnectionProperties, Consumer,
    options::{BasicAckOptions, BasicConsumeOptions, QueueBindOptions, QueueDeclareOptions},
    types::FieldTable,
};
use prost::Name;
use segnala_proto::triage::v1::TaxonomyPublished;

use super::TestEnv;

pub struct EventTap {
    consumer: Consumer,
    /// Triage announces its taxonomy when it starts on a new environment; a tap on
    /// report events passes over it unless it asked for that very event.
    skips_taxonomy: bool,
    _connection: Connection,
}

/// One event as it was published: its routing key and body.
pub struct TappedEvent {
    pub routing_key: String,
    pub body: Vec<u8>,
}

impl TappedEvent {
    /// The body as `E`, when the routing key says it is one.
    pub fn decode<E: prost::Message + Name + Default>(&self) -> Option<E> {
        (self.routing_key == E::full_name())
            .then(|| E::decode(self.body.as_slice()).expect("a valid event body"))
    }
}

impl EventTap {
    /// Binds a new exclusive queue to the exchange (which the platform declared).
    pub async fn bind(env: &TestEnv, pattern: &str) -> Self {
        let connection = Connection::connect(&env.amqp_url, ConnectionProperties::default())
            .await
            .expect("connect to RabbitMQ");
        let channel = connection.create_channel().await.expect("channel");
        let queue = channel
            .queue_declare(
                "".into(),
                QueueDeclareOptions {
                    exclusive: true,
                    auto_delete: true,
                    ..QueueDeclareOptions::default()
                },
                FieldTable::default(),
            )
            .await
            .expect("declare the tap queue");
        channel
            .queue_bind(
                queue.name().as_str().into(),
                env.topology().exchange().as_str().into(),
                pattern.into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await
            .expect("bind the tap queue");
        let consumer = channel
            .basic_consume(
                queue.name().as_str().into(),
                "tap".into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await
            .expect("consume the tap queue");
        Self {
            consumer,
            skips_taxonomy: pattern != TaxonomyPublished::full_name(),
            _connection: connection,
        }
    }

    /// The next event, or a panic naming `what` after `timeout`.
    pub async fn next(&mut self, what: &str, timeout: Duration) -> TappedEvent {
        self.next_within(timeout)
            .await
            .unwrap_or_else(|| panic!("timed out after {timeout:?} waiting for {what}"))
    }

    /// The next event if one comes within `period`: for checking that nothing more does.
    pub async fn next_within(&mut self, period: Duration) -> Option<TappedEvent> {
        let deadline = tokio::time::Instant::now() + period;
        loop {
            let delivery = tokio::time::timeout_at(deadline, self.consumer.next())
                .await
                .ok()?
                .expect("the tap is open")
                .expect("a delivery");
            delivery.ack(BasicAckOptions::default()).await.expect("ack");
            let routing_key = delivery.routing_key.as_str().to_owned();
            if self.skips_taxonomy && routing_key == TaxonomyPublished::full_name() {
                continue;
            }
            return Some(TappedEvent {
                routing_key,
                body: delivery.data,
            });
        }
    }

    /// The next event of type `E` about `tracking_code`, skipping others.
    pub async fn next_of<E: prost::Message + Name + Default>(
        &mut self,
        tracking_code: &str,
        code_of: impl Fn(&E) -> &str,
        timeout: Duration,
    ) -> E {
        let what = format!("{} for {tracking_code}", E::full_name());
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let event = self.next(&what, left).await;
            if let Some(event) = event.decode::<E>()
                && code_of(&event) == tracking_code
            {
                return event;
            }
        }
    }
}
