//! The event backbone: an [`Transport`] with a RabbitMQ and an embedded implementation,
//! the transactional [`outbox`] every event leaves through, and the [`inbox`] every event
//! arrives through.

mod backoff;
pub mod embedded;
mod envelope;
pub mod inbox;
pub mod migration;
pub mod outbox;
pub mod rabbitmq;
mod transport;

pub use backoff::Backoff;
pub use embedded::EmbeddedBus;
pub use envelope::Envelope;
pub use inbox::{BatchHandler, Batched, EventContext, EventHandler, EventHandlers, InboxConsumer};
pub use outbox::{Outbox, OutboxRelay};
pub use rabbitmq::{RabbitMqSettings, RabbitMqTransport};
pub use transport::{
    DeliveryHandler, HandlerError, Subscription, TaskGuard, Transport, TransportError,
};
