//! The inbox: every delivery is handled inside one transaction that also records its
//! message id, so a redelivered message is recognised and skipped, and nothing is
//! acknowledged before its effects are committed.

use std::{
    collections::{HashMap, HashSet},
    marker::PhantomData,
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

use super::{DeliveryHandler, Envelope, HandlerError, Outbox, transport::deliver_each};
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
}

/// Handles one event type. Its writes, and the events it records in the outbox, commit
/// together with the inbox entry.
#[async_trait]
pub trait EventHandler<E>: Send + Sync + 'static {
    async fn handle(
        &self,
        txn: &DatabaseTransaction,
        event: E,
        context: &EventContext,
    ) -> Result<(), HandlerError>;
}

#[async_trait]
trait ErasedHandler: Send + Sync {
    async fn handle(
        &self,
        txn: &DatabaseTransaction,
        envelope: &Envelope,
    ) -> Result<(), HandlerError>;
}

struct Typed<E, H> {
    handler: H,
    event: PhantomData<fn() -> E>,
}

#[async_trait]
impl<E, H> ErasedHandler for Typed<E, H>
where
    E: prost::Message + Default + 'static,
    H: EventHandler<E>,
{
    async fn handle(
        &self,
        txn: &DatabaseTransaction,
        envelope: &Envelope,
    ) -> Result<(), HandlerError> {
        let event = envelope.decode::<E>().map_err(|e| {
            HandlerError::Permanent(format!("undecodable {}: {e}", envelope.event_type))
        })?;
        let context = EventContext {
            message_id: envelope.message_id,
            occurred_at: envelope.occurred_at,
        };
        self.handler.handle(txn, event, &context).await
    }
}

/// A service's handlers, one per event type, registered once at start.
#[derive(Clone, Default)]
pub struct EventHandlers {
    by_type: HashMap<String, Arc<dyn ErasedHandler>>,
}

impl EventHandlers {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn on<E, H>(mut self, handler: H) -> Self
    where
        E: prost::Message + prost::Name + Default + 'static,
        H: EventHandler<E>,
    {
        self.by_type.insert(
            E::full_name(),
            Arc::new(Typed {
                handler,
                event: PhantomData,
            }),
        );
        self
    }

    pub fn event_types(&self) -> Vec<String> {
        let mut types: Vec<String> = self.by_type.keys().cloned().collect();
        types.sort();
        types
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

    fn handler_of(&self, envelope: &Envelope) -> Result<&dyn ErasedHandler, HandlerError> {
        self.handlers
            .by_type
            .get(&envelope.event_type)
            .map(|handler| handler.as_ref())
            .ok_or_else(|| {
                HandlerError::Permanent(format!(
                    "{} has no handler for {}",
                    self.consumer, envelope.event_type
                ))
            })
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
        let handler = self.handler_of(envelope)?;
        if record_new(txn, std::slice::from_ref(envelope))
            .await?
            .is_empty()
        {
            tracing::debug!(message_id = %envelope.message_id, "already handled; skipping redelivery");
            return Ok(());
        }
        handler.handle(txn, envelope).await
    }

    /// Handles a batch in one transaction: one inbox statement and one commit for many
    /// messages; those already recorded are skipped. If any of them fails, nothing of
    /// the batch is kept and the caller handles them one by one.
    async fn handle_together(&self, envelopes: &[Envelope]) -> Result<(), HandlerError> {
        let handlers = envelopes
            .iter()
            .map(|envelope| self.handler_of(envelope))
            .collect::<Result<Vec<_>, _>>()?;
        let txn = self.db.begin().await?;
        let mut new = record_new(&txn, envelopes).await?;
        for (envelope, handler) in envelopes.iter().zip(handlers) {
            // Taken out once handled: a message delivered twice in one batch runs once.
            if !new.remove(&envelope.message_id) {
                tracing::debug!(message_id = %envelope.message_id, "already handled; skipping redelivery");
                continue;
            }
            handler
                .handle(&txn, envelope)
                .instrument(self.span_of(envelope))
                .await?;
        }
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
