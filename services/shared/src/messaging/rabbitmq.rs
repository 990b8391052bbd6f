//! RabbitMQ transport. One durable topic exchange routes by event name; each consuming
//! service has one durable quorum queue (replicas compete on it) and a dead-letter
//! queue. Publishing waits for publisher confirms and uses `mandatory`, so an event no
//! queue would take is reported, not dropped. Consumers acknowledge only after the
//! handler committed; a lost connection is re-established with back-off, topology and
//! all.

use std::{
    sync::{
        Arc, PoisonError,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use async_trait::async_trait;
use futures_util::{FutureExt, StreamExt};
use lapin::{
    BasicProperties, Channel, Confirmation, Connection, ConnectionProperties, ExchangeKind,
    message::Delivery,
    options::{
        BasicAckOptions, BasicConsumeOptions, BasicNackOptions, BasicPublishOptions,
        BasicQosOptions, BasicRejectOptions, ConfirmSelectOptions, ExchangeDeclareOptions,
        QueueBindOptions, QueueDeclareOptions,
    },
    types::{AMQPValue, FieldTable, LongString, ShortString},
};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Mutex;
use uuid::Uuid;

use super::{Backoff, Envelope, HandlerError, Subscription, TaskGuard, Transport, TransportError};
use crate::telemetry::TraceHeaders;

#[derive(Clone, Debug)]
pub struct RabbitMqSettings {
    pub url: SecretString,
    /// Prepended to every exchange and queue name; lets several platforms (or tests)
    /// share one broker.
    pub prefix: String,
    /// Deliveries a consumer may hold unacknowledged.
    pub prefetch: u16,
    /// Deliveries of one message before the broker dead-letters it.
    pub delivery_limit: u32,
}

/// The names of everything the transport declares.
#[derive(Clone, Debug)]
pub struct Topology {
    prefix: String,
}

impl Topology {
    pub fn new(prefix: &str) -> Self {
        Self {
            prefix: prefix.to_owned(),
        }
    }
    pub fn exchange(&self) -> String {
        format!("{}segnala.events", self.prefix)
    }
    pub fn dead_letter_exchange(&self) -> String {
        format!("{}segnala.dead-letter", self.prefix)
    }
    pub fn queue(&self, consumer: &str) -> String {
        format!("{}segnala.{consumer}", self.prefix)
    }
    pub fn dead_letter_queue(&self, consumer: &str) -> String {
        format!("{}segnala.{consumer}.dead-letter", self.prefix)
    }
}

pub struct RabbitMqTransport {
    broker: Broker,
    publisher: Mutex<Option<PublisherChannel>>,
    /// Whether each subscription's consumer is consuming now.
    consuming: std::sync::Mutex<Vec<Arc<AtomicBool>>>,
}

/// Where the broker is and what is declared on it; shared by the publisher and each
/// consumer's reconnecting loop.
#[derive(Clone)]
struct Broker {
    settings: RabbitMqSettings,
    topology: Topology,
}

struct PublisherChannel {
    _connection: Connection,
    channel: Channel,
}

/// A broker that does not answer within this long is treated as gone: a connection
/// attempt or a batch's confirms never wait forever across a broker restart.
const BROKER_TIMEOUT: Duration = Duration::from_secs(10);

/// In-process attempts at a transiently failing message before it goes back to the
/// queue (and towards the broker's delivery limit).
const LOCAL_ATTEMPTS: u32 = 5;

impl RabbitMqTransport {
    /// Connects once to check the broker is there and declares the exchanges.
    pub async fn connect(settings: RabbitMqSettings) -> Result<Arc<Self>, TransportError> {
        let transport = Self {
            broker: Broker {
                topology: Topology::new(&settings.prefix),
                settings,
            },
            publisher: Mutex::new(None),
            consuming: std::sync::Mutex::default(),
        };
        let publisher = transport.open_publisher().await?;
        *transport.publisher.lock().await = Some(publisher);
        Ok(Arc::new(transport))
    }

    pub fn topology(&self) -> &Topology {
        &self.broker.topology
    }

    async fn open_publisher(&self) -> Result<PublisherChannel, TransportError> {
        let connection = self.broker.open_connection().await?;
        let channel = connection.create_channel().await.map_err(unreachable)?;
        declare_exchanges(&channel, &self.broker.topology)
            .await
            .map_err(unreachable)?;
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await
            .map_err(unreachable)?;
        Ok(PublisherChannel {
            _connection: connection,
            channel,
        })
    }
}

impl Broker {
    async fn open_connection(&self) -> Result<Connection, TransportError> {
        let connecting = Connection::connect(
            self.settings.url.expose_secret(),
            ConnectionProperties::default(),
        );
        match tokio::time::timeout(BROKER_TIMEOUT, connecting).await {
            Ok(connected) => connected.map_err(unreachable),
            Err(_) => Err(TransportError::Unreachable("connecting timed out".into())),
        }
    }

    async fn declare_consumer(
        &self,
        channel: &Channel,
        subscription: &Subscription,
    ) -> lapin::Result<()> {
        declare_exchanges(channel, &self.topology).await?;
        let consumer = subscription.consumer.as_str();
        let dead_letter_queue = self.topology.dead_letter_queue(consumer);
        channel
            .queue_declare(
                dead_letter_queue.as_str().into(),
                durable_queue(),
                quorum_arguments(),
            )
            .await?;
        channel
            .queue_bind(
                dead_letter_queue.as_str().into(),
                self.topology.dead_letter_exchange().as_str().into(),
                consumer.into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await?;

        let queue = self.topology.queue(consumer);
        let mut arguments = quorum_arguments();
        arguments.insert(
            "x-dead-letter-exchange".into(),
            AMQPValue::LongString(self.topology.dead_letter_exchange().into()),
        );
        arguments.insert(
            "x-dead-letter-routing-key".into(),
            AMQPValue::LongString(consumer.into()),
        );
        // At-least-once dead-lettering: a poison message is never dropped on its way to
        // the dead-letter queue.
        arguments.insert(
            "x-dead-letter-strategy".into(),
            AMQPValue::LongString("at-least-once".into()),
        );
        arguments.insert(
            "x-overflow".into(),
            AMQPValue::LongString("reject-publish".into()),
        );
        arguments.insert(
            "x-delivery-limit".into(),
            AMQPValue::LongInt(i32::try_from(self.settings.delivery_limit).unwrap_or(i32::MAX)),
        );
        channel
            .queue_declare(queue.as_str().into(), durable_queue(), arguments)
            .await?;
        for event_type in &subscription.event_types {
            channel
                .queue_bind(
                    queue.as_str().into(),
                    self.topology.exchange().as_str().into(),
                    event_type.as_str().into(),
                    QueueBindOptions::default(),
                    FieldTable::default(),
                )
                .await?;
        }
        Ok(())
    }

    /// Consumes until the connection breaks; `consuming` is raised once it does.
    async fn consume(
        &self,
        subscription: &Subscription,
        consuming: &AtomicBool,
    ) -> Result<(), TransportError> {
        let connection = self.open_connection().await?;
        let starting = async {
            let channel = connection.create_channel().await?;
            self.declare_consumer(&channel, subscription).await?;
            channel
                .basic_qos(self.settings.prefetch, BasicQosOptions::default())
                .await?;
            let tag = format!("{}-{}", subscription.consumer, Uuid::new_v4());
            channel
                .basic_consume(
                    self.topology.queue(&subscription.consumer).as_str().into(),
                    tag.as_str().into(),
                    BasicConsumeOptions::default(),
                    FieldTable::default(),
                )
                .await
        };
        let mut deliveries = tokio::time::timeout(BROKER_TIMEOUT, starting)
            .await
            .map_err(|_| TransportError::Unreachable("starting the consumer timed out".into()))?
            .map_err(unreachable)?;
        consuming.store(true, Ordering::Relaxed);
        tracing::info!(consumer = %subscription.consumer, "consuming");
        // Half of what may be held: the next batch arrives while this one is handled.
        let most = usize::from(self.settings.prefetch / 2).max(1);
        while let Some(delivery) = deliveries.next().await {
            // Whatever else has already arrived is handled with it, in one transaction.
            let mut batch = vec![delivery.map_err(unreachable)?];
            while batch.len() < most {
                match deliveries.next().now_or_never() {
                    Some(Some(delivery)) => batch.push(delivery.map_err(unreachable)?),
                    _ => break,
                }
            }
            handle_batch(subscription, batch)
                .await
                .map_err(unreachable)?;
        }
        Err(TransportError::Unreachable(
            "the broker closed the consumer".into(),
        ))
    }
}

async fn handle_batch(subscription: &Subscription, batch: Vec<Delivery>) -> lapin::Result<()> {
    let started = std::time::Instant::now();
    let consumer = subscription.consumer.clone();
    for delivery in &batch {
        let event = delivery
            .properties
            .kind()
            .as_ref()
            .map_or_else(|| delivery.routing_key.to_string(), ToString::to_string);
        metrics::counter!("segnala_consumer_deliveries_total", "consumer" => consumer.clone(), "event" => event)
            .increment(1);
        if delivery.redelivered {
            metrics::counter!("segnala_consumer_redeliveries_total", "consumer" => consumer.clone())
                .increment(1);
        }
    }
    let mut outcomes: Vec<Option<Outcome>> = Vec::with_capacity(batch.len());
    let mut envelopes = Vec::with_capacity(batch.len());
    for delivery in &batch {
        match envelope_of(delivery) {
            Ok(envelope) => {
                outcomes.push(None);
                envelopes.push(envelope);
            }
            Err(reason) => {
                tracing::error!(consumer = %subscription.consumer, reason, "malformed message dead-lettered");
                outcomes.push(Some(Outcome::DeadLetter));
            }
        }
    }
    let mut results = subscription
        .handler
        .deliver_batch(&envelopes)
        .await
        .into_iter()
        .zip(&envelopes);
    for outcome in outcomes.iter_mut().filter(|o| o.is_none()) {
        let Some((result, envelope)) = results.next() else {
            break;
        };
        *outcome = Some(match result {
            Ok(()) => Outcome::Ack,
            Err(HandlerError::Permanent(reason)) => {
                tracing::error!(consumer = %subscription.consumer, message_id = %envelope.message_id, event = %envelope.event_type, reason, "message dead-lettered");
                Outcome::DeadLetter
            }
            Err(HandlerError::Transient(reason)) => {
                tracing::warn!(consumer = %subscription.consumer, message_id = %envelope.message_id, reason, "handler failed; retrying");
                settle(subscription, envelope).await
            }
        });
    }
    metrics::histogram!("segnala_consumer_batch_duration_seconds", "consumer" => consumer.clone())
        .record(started.elapsed().as_secs_f64());
    let dead = outcomes
        .iter()
        .filter(|o| matches!(o, Some(Outcome::DeadLetter)))
        .count();
    if dead > 0 {
        metrics::counter!("segnala_dead_letters_total", "consumer" => consumer)
            .increment(dead as u64);
    }
    // An acknowledgement on a connection that died unnoticed could wait forever; give up
    // and reconnect instead (the broker redelivers, the inbox skips the repeat).
    let answer = async {
        if outcomes.iter().all(|o| matches!(o, Some(Outcome::Ack))) {
            if let Some(last) = batch.last() {
                last.ack(BasicAckOptions { multiple: true }).await?;
            }
            return Ok(());
        }
        for (delivery, outcome) in batch.iter().zip(outcomes) {
            answer(delivery, outcome.unwrap_or(Outcome::Requeue)).await?;
        }
        Ok::<_, lapin::Error>(())
    };
    match tokio::time::timeout(BROKER_TIMEOUT, answer).await {
        Ok(answered) => answered,
        Err(_) => Err(lapin::Error::from(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            "the broker did not take the acknowledgement",
        ))),
    }
}

async fn answer(delivery: &Delivery, outcome: Outcome) -> lapin::Result<()> {
    let answered = match outcome {
        Outcome::Ack => delivery.ack(BasicAckOptions::default()).await,
        Outcome::DeadLetter => delivery.reject(BasicRejectOptions { requeue: false }).await,
        Outcome::Requeue => {
            delivery
                .nack(BasicNackOptions {
                    requeue: true,
                    multiple: false,
                })
                .await
        }
    };
    answered.map(drop)
}

/// What to tell the broker about a delivery.
enum Outcome {
    Ack,
    DeadLetter,
    Requeue,
}

/// Retries a message that failed transiently, a few times with back-off, on its own.
async fn settle(subscription: &Subscription, envelope: &Envelope) -> Outcome {
    let mut backoff = Backoff::new(Duration::from_millis(50), Duration::from_secs(2));
    for attempt in 2..=LOCAL_ATTEMPTS {
        tokio::time::sleep(backoff.next_delay()).await;
        match subscription.handler.deliver(envelope).await {
            Ok(()) => return Outcome::Ack,
            Err(HandlerError::Permanent(reason)) => {
                tracing::error!(consumer = %subscription.consumer, message_id = %envelope.message_id, event = %envelope.event_type, reason, "message dead-lettered");
                return Outcome::DeadLetter;
            }
            Err(HandlerError::Transient(reason)) if attempt < LOCAL_ATTEMPTS => {
                tracing::warn!(consumer = %subscription.consumer, message_id = %envelope.message_id, attempt, reason, "handler failed; retrying");
            }
            Err(HandlerError::Transient(reason)) => {
                tracing::warn!(consumer = %subscription.consumer, message_id = %envelope.message_id, reason, "handler still failing; returning the message to the queue");
            }
        }
    }
    Outcome::Requeue
}

#[async_trait]
impl Transport for RabbitMqTransport {
    async fn publish(&self, batch: &[Envelope]) -> Vec<Result<(), TransportError>> {
        let mut guard = self.publisher.lock().await;
        match tokio::time::timeout(BROKER_TIMEOUT, self.publish_on(&mut guard, batch)).await {
            Ok(outcomes) => outcomes,
            Err(_) => {
                // Confirms lost with the connection: publish again on a new one.
                *guard = None;
                vec![Err(TransportError::Unreachable("no confirm in time".into())); batch.len()]
            }
        }
    }

    async fn subscribe(&self, subscription: Subscription) -> Result<TaskGuard, TransportError> {
        {
            let connection = self.broker.open_connection().await?;
            let channel = connection.create_channel().await.map_err(unreachable)?;
            let declared = tokio::time::timeout(
                BROKER_TIMEOUT,
                self.broker.declare_consumer(&channel, &subscription),
            )
            .await;
            declared
                .map_err(|_| TransportError::Unreachable("declaring the queues timed out".into()))?
                .map_err(unreachable)?;
            let _ = connection.close(200, "topology declared".into()).await;
        }
        let consuming = Arc::new(AtomicBool::new(false));
        self.consuming
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(consuming.clone());
        let task = tokio::spawn(consume_forever(
            self.broker.clone(),
            subscription,
            consuming,
        ));
        Ok(TaskGuard::new(vec![task]))
    }

    async fn ready(&self) -> bool {
        let consuming = self
            .consuming
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .all(|up| up.load(Ordering::Relaxed));
        // A publish in progress holds the channel: it is in use, so it is there.
        let Ok(mut guard) = self.publisher.try_lock() else {
            return consuming;
        };
        if guard
            .as_ref()
            .is_some_and(|publisher| !publisher.channel.status().connected())
        {
            *guard = None;
        }
        if guard.is_none() {
            // Reconnecting now, not at the next event, tells when the broker is back.
            match self.open_publisher().await {
                Ok(publisher) => *guard = Some(publisher),
                Err(_) => return false,
            }
        }
        consuming
    }
}

impl RabbitMqTransport {
    async fn publish_on(
        &self,
        guard: &mut Option<PublisherChannel>,
        batch: &[Envelope],
    ) -> Vec<Result<(), TransportError>> {
        if guard.is_none() {
            match self.open_publisher().await {
                Ok(publisher) => *guard = Some(publisher),
                Err(error) => return vec![Err(error); batch.len()],
            }
        }
        let Some(publisher) = guard.as_ref() else {
            return vec![Err(TransportError::Unreachable("no channel".into())); batch.len()];
        };
        let exchange = self.broker.topology.exchange();
        let mut pending = Vec::with_capacity(batch.len());
        for envelope in batch {
            pending.push(
                publisher
                    .channel
                    .basic_publish(
                        exchange.as_str().into(),
                        envelope.event_type.as_str().into(),
                        BasicPublishOptions {
                            mandatory: true,
                            ..BasicPublishOptions::default()
                        },
                        &envelope.payload,
                        properties_of(envelope),
                    )
                    .await,
            );
        }
        let mut broken = false;
        let mut outcomes = Vec::with_capacity(batch.len());
        for (envelope, published) in batch.iter().zip(pending) {
            let outcome = match published {
                Ok(confirm) => match confirm.await {
                    Ok(Confirmation::Ack(None)) | Ok(Confirmation::NotRequested) => Ok(()),
                    Ok(Confirmation::Ack(Some(_returned))) => {
                        Err(TransportError::Unroutable(envelope.event_type.clone()))
                    }
                    Ok(Confirmation::Nack(_)) => {
                        Err(TransportError::Refused("negative confirm".into()))
                    }
                    Err(error) => {
                        broken = true;
                        Err(unreachable(error))
                    }
                },
                Err(error) => {
                    broken = true;
                    Err(unreachable(error))
                }
            };
            outcomes.push(outcome);
        }
        if broken {
            // Reconnect on the next publish.
            *guard = None;
        }
        outcomes
    }
}

/// The consuming loop of one subscription, reconnecting with back-off.
async fn consume_forever(broker: Broker, subscription: Subscription, consuming: Arc<AtomicBool>) {
    let mut backoff = Backoff::new(Duration::from_millis(200), Duration::from_secs(5));
    loop {
        if let Err(error) = broker.consume(&subscription, &consuming).await {
            tracing::warn!(consumer = %subscription.consumer, %error, "consumer lost the broker; reconnecting");
        }
        if consuming.swap(false, Ordering::Relaxed) {
            backoff.reset();
        }
        tokio::time::sleep(backoff.next_delay()).await;
    }
}

async fn declare_exchanges(channel: &Channel, topology: &Topology) -> lapin::Result<()> {
    let durable = ExchangeDeclareOptions {
        durable: true,
        ..ExchangeDeclareOptions::default()
    };
    channel
        .exchange_declare(
            topology.exchange().as_str().into(),
            ExchangeKind::Topic,
            durable,
            FieldTable::default(),
        )
        .await?;
    channel
        .exchange_declare(
            topology.dead_letter_exchange().as_str().into(),
            ExchangeKind::Direct,
            durable,
            FieldTable::default(),
        )
        .await
}

fn durable_queue() -> QueueDeclareOptions {
    QueueDeclareOptions {
        durable: true,
        ..QueueDeclareOptions::default()
    }
}

fn quorum_arguments() -> FieldTable {
    let mut arguments = FieldTable::default();
    arguments.insert(
        "x-queue-type".into(),
        AMQPValue::LongString("quorum".into()),
    );
    arguments
}

fn properties_of(envelope: &Envelope) -> BasicProperties {
    let mut headers = FieldTable::default();
    for (key, value) in &envelope.trace {
        headers.insert(
            key.as_str().into(),
            AMQPValue::LongString(LongString::from(value.as_str())),
        );
    }
    BasicProperties::default()
        .with_message_id(ShortString::from(envelope.message_id.to_string()))
        .with_type(envelope.event_type.as_str().into())
        .with_content_type("application/protobuf".into())
        .with_timestamp(u64::try_from(envelope.occurred_at.timestamp()).unwrap_or_default())
        .with_delivery_mode(2)
        .with_headers(headers)
}

fn envelope_of(delivery: &Delivery) -> Result<Envelope, String> {
    let properties = &delivery.properties;
    let message_id = properties
        .message_id()
        .as_ref()
        .and_then(|id| Uuid::parse_str(id.as_str()).ok())
        .ok_or("missing or malformed message_id")?;
    let event_type = properties
        .kind()
        .as_ref()
        .map(|kind| kind.as_str().to_owned())
        .unwrap_or_else(|| delivery.routing_key.as_str().to_owned());
    let occurred_at = properties
        .timestamp()
        .and_then(|seconds| chrono::DateTime::from_timestamp(i64::try_from(seconds).ok()?, 0))
        .unwrap_or_else(chrono::Utc::now);
    let mut trace = TraceHeaders::new();
    if let Some(headers) = properties.headers() {
        for (key, value) in headers.inner() {
            if let AMQPValue::LongString(text) = value {
                trace.insert(key.as_str().to_owned(), text.to_string());
            }
        }
    }
    Ok(Envelope {
        message_id,
        event_type,
        payload: delivery.data.clone(),
        occurred_at,
        trace,
    })
}

fn unreachable(error: lapin::Error) -> TransportError {
    TransportError::Unreachable(error.to_string())
}
