//! The inbox: every delivery is handled inside one transaction that also records its
//! message id, so a redelivered message is recognised and skipped, and nothing is
//! acknowledged before its effects are committed.

use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait,
    IdenStatic, QueryTrait, TransactionTrait,
};
use tracing::Instrument;
use uuid::Uuid;

use super::{
    BatchHandler, DeliveryHandler, Envelope, HandlerError, Outbox, batch::handle_batch,
    transport::deliver_each,
};
use crate::telemetry;

pub(crate) mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "inbox")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub message_id: Uuid,
        pub event_type: String,
        pub handled_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod dead_letter {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "dead_letters")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub seq: i64,
        pub message_id: Uuid,
        pub event_type: String,
        pub payload: Vec<u8>,
        pub trace: Json,
        pub reason: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// What a handler knows about the message besides the event itself.
#[derive(Clone, Debug)]
pub struct EventContext {
    pub message_id: Uuid,
    pub occurred_at: DateTime<Utc>,
    /// The span of this message's handling, in the trace of the operation that produced
    /// it: events recorded on its behalf are made in it, so that the trace goes on.
    pub span: tracing::Span,
}

impl EventContext {
    fn of(envelope: &Envelope, span: tracing::Span) -> Self {
        Self {
            message_id: envelope.message_id,
            occurred_at: envelope.occurred_at,
            span,
        }
    }
}

/// The event `envelope` carries, as the handler's type `T`.
fn decode<E, T>(envelope: &Envelope) -> Result<T, HandlerError>
where
    E: prost::Message + Default + Into<T>,
{
    envelope
        .decode::<E>()
        .map(Into::into)
        .map_err(|e| HandlerError::Permanent(format!("undecodable {}: {e}", envelope.event_type)))
}

type Decoder<T> = fn(&Envelope) -> Result<T, HandlerError>;

/// A consumer's events with what a handler knows about each message: the items of its
/// batch handler.
pub type Delivered<T> = (T, EventContext);

/// A consumer's batch handler with the decoders of the event types it takes. Every
/// event of a delivered batch is decoded into `T`, the consumer's event enum, before
/// the batch is loaded.
pub struct Batched<T, B> {
    handler: B,
    decoders: HashMap<String, Decoder<T>>,
}

impl<T, B> Batched<T, B>
where
    T: Send + 'static,
    B: BatchHandler<Item = Delivered<T>, Output = ()>,
{
    /// The handler also takes events of type `E`.
    pub fn on<E>(mut self) -> Self
    where
        E: prost::Message + prost::Name + Default + Into<T> + 'static,
    {
        self.decoders.insert(E::full_name(), decode::<E, T>);
        self
    }

    pub fn build(self) -> EventHandlers {
        EventHandlers {
            handler: Arc::new(self),
        }
    }
}

#[async_trait]
trait ErasedBatch: Send + Sync {
    fn event_types(&self) -> Vec<String>;

    fn takes(&self, event_type: &str) -> bool;

    async fn handle(
        &self,
        txn: &DatabaseTransaction,
        envelopes: Vec<(&Envelope, tracing::Span)>,
    ) -> Result<(), HandlerError>;
}

#[async_trait]
impl<T, B> ErasedBatch for Batched<T, B>
where
    T: Send + 'static,
    B: BatchHandler<Item = Delivered<T>, Output = ()>,
{
    fn event_types(&self) -> Vec<String> {
        self.decoders.keys().cloned().collect()
    }

    fn takes(&self, event_type: &str) -> bool {
        self.decoders.contains_key(event_type)
    }

    async fn handle(
        &self,
        txn: &DatabaseTransaction,
        envelopes: Vec<(&Envelope, tracing::Span)>,
    ) -> Result<(), HandlerError> {
        let mut events = Vec::with_capacity(envelopes.len());
        for (envelope, span) in envelopes {
            let decoder = self.decoders.get(&envelope.event_type).ok_or_else(|| {
                HandlerError::Permanent(format!("no handler for {}", envelope.event_type))
            })?;
            events.push((decoder(envelope)?, EventContext::of(envelope, span)));
        }
        handle_batch(&self.handler, txn, events).await
    }
}

/// A service's handler, registered once at start: it takes whole batches of every
/// event type its consumer is subscribed to.
#[derive(Clone)]
pub struct EventHandlers {
    handler: Arc<dyn ErasedBatch>,
}

impl EventHandlers {
    /// Handlers that take each delivered batch whole; name its event types with `on`.
    pub fn batched<T, B>(handler: B) -> Batched<T, B>
    where
        T: Send + 'static,
        B: BatchHandler<Item = Delivered<T>, Output = ()>,
    {
        Batched {
            handler,
            decoders: HashMap::new(),
        }
    }

    pub fn event_types(&self) -> Vec<String> {
        let mut types = self.handler.event_types();
        types.sort();
        types
    }

    fn takes(&self, event_type: &str) -> bool {
        self.handler.takes(event_type)
    }

    /// Handles new messages, in order, inside `txn`, each in its own span.
    async fn handle(
        &self,
        txn: &DatabaseTransaction,
        envelopes: Vec<(&Envelope, tracing::Span)>,
    ) -> Result<(), HandlerError> {
        self.handler.handle(txn, envelopes).await
    }
}

/// Hands deliveries to the registered handlers through the inbox.
pub struct InboxConsumer {
    consumer: String,
    db: DatabaseConnection,
    handlers: EventHandlers,
    outbox: Outbox,
}

impl InboxConsumer {
    pub fn new(
        consumer: impl Into<String>,
        db: DatabaseConnection,
        handlers: EventHandlers,
        outbox: Outbox,
    ) -> Self {
        Self {
            consumer: consumer.into(),
            db,
            handlers,
            outbox,
        }
    }

    fn check_handled(&self, envelope: &Envelope) -> Result<(), HandlerError> {
        if self.handlers.takes(&envelope.event_type) {
            Ok(())
        } else {
            Err(HandlerError::Permanent(format!(
                "{} has no handler for {}",
                self.consumer, envelope.event_type
            )))
        }
    }

    fn span_of(&self, envelope: &Envelope) -> tracing::Span {
        let span = tracing::info_span!(
            "consume",
            otel.name = %format!("{} {}", self.consumer, envelope.event_type),
            otel.kind = "consumer",
            messaging.message.id = %envelope.message_id,
        );
        telemetry::continue_trace(&span, &envelope.trace);
        span
    }

    /// Records the message in the inbox and runs its handler, inside `txn`. A message
    /// already recorded is skipped.
    async fn handle_in(
        &self,
        txn: &DatabaseTransaction,
        envelope: &Envelope,
    ) -> Result<(), HandlerError> {
        self.check_handled(envelope)?;
        if record_new(txn, std::slice::from_ref(envelope))
            .await?
            .is_empty()
        {
            tracing::debug!(message_id = %envelope.message_id, "already handled; skipping redelivery");
            return Ok(());
        }
        self.handlers
            .handle(txn, vec![(envelope, tracing::Span::current())])
            .await
    }

    /// Handles a batch in one transaction: one inbox statement and one commit for many
    /// messages; those already recorded are skipped. If any of them fails, nothing of
    /// the batch is kept and the caller handles them one by one.
    async fn handle_together(&self, envelopes: &[Envelope]) -> Result<(), HandlerError> {
        for envelope in envelopes {
            self.check_handled(envelope)?;
        }
        let txn = self.db.begin().await?;
        let mut new = record_new(&txn, envelopes).await?;
        let mut fresh = Vec::with_capacity(new.len());
        for envelope in envelopes {
            // Taken out once seen: a message delivered twice in one batch runs once.
            if new.remove(&envelope.message_id) {
                fresh.push((envelope, self.span_of(envelope)));
            } else {
                tracing::debug!(message_id = %envelope.message_id, "already handled; skipping redelivery");
            }
        }
        self.handlers.handle(&txn, fresh).await?;
        txn.commit().await?;
        Ok(())
    }
}

/// Records the messages in the inbox with one statement and returns the ids it had not
/// seen before.
async fn record_new(
    txn: &DatabaseTransaction,
    envelopes: &[Envelope],
) -> Result<HashSet<Uuid>, DbErr> {
    let now = Utc::now();
    let rows = envelopes.iter().map(|envelope| entity::ActiveModel {
        message_id: Set(envelope.message_id),
        event_type: Set(envelope.event_type.clone()),
        handled_at: Set(now),
    });
    let mut insert = entity::Entity::insert_many(rows)
        .on_conflict_do_nothing()
        .into_query();
    insert.returning_col(entity::Column::MessageId);
    txn.query_all(&insert)
        .await?
        .iter()
        .map(|row| row.try_get("", entity::Column::MessageId.as_str()))
        .collect()
}

#[async_trait]
impl DeliveryHandler for InboxConsumer {
    async fn deliver(&self, envelope: &Envelope) -> Result<(), HandlerError> {
        let handled = async {
            let txn = self.db.begin().await?;
            self.handle_in(&txn, envelope).await?;
            txn.commit().await?;
            Ok(())
        }
        .instrument(self.span_of(envelope))
        .await;
        if handled.is_ok() {
            self.outbox.wake();
        }
        handled
    }

    async fn deliver_batch(&self, envelopes: &[Envelope]) -> Vec<Result<(), HandlerError>> {
        if envelopes.len() > 1 {
            match self.handle_together(envelopes).await {
                Ok(()) => {
                    self.outbox.wake();
                    return vec![Ok(()); envelopes.len()];
                }
                Err(error) => {
                    tracing::debug!(%error, size = envelopes.len(), "batch failed; handling its messages one by one");
                }
            }
        }
        deliver_each(self, envelopes).await
    }

    async fn dead_letter(&self, envelope: &Envelope, reason: &str) -> Result<(), HandlerError> {
        tracing::error!(consumer = %self.consumer, message_id = %envelope.message_id, event = %envelope.event_type, reason, "message dead-lettered");
        metrics::counter!("segnala_dead_letters_total", "consumer" => self.consumer.to_string())
            .increment(1);
        dead_letter::Entity::insert(dead_letter::ActiveModel {
            message_id: Set(envelope.message_id),
            event_type: Set(envelope.event_type.clone()),
            payload: Set(envelope.payload.clone()),
            trace: Set(serde_json::to_value(&envelope.trace).unwrap_or_default()),
            reason: Set(reason.to_owned()),
            created_at: Set(Utc::now()),
            ..Default::default()
        })
        .exec_without_returning(&self.db)
        .await?;
        Ok(())
    }
}

/// Ids of messages already handled, for tests and diagnostics.
pub async fn handled_count(db: &DatabaseConnection) -> Result<u64, sea_orm::DbErr> {
    use sea_orm::PaginatorTrait;
    entity::Entity::find().count(db).await
}

/// Message ids in the embedded dead-letter table.
pub async fn dead_lettered(db: &DatabaseConnection) -> Result<Vec<Uuid>, sea_orm::DbErr> {
    Ok(dead_letter::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|row| row.message_id)
        .collect())
}
