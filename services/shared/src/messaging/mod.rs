//! The event backbone: an [`Transport`] with a RabbitMQ and an embedded implementation,
//! the transactional [`outbox`] every event leaves through, and the [`inbox`] every event
//! arrives through.

/// Declares the events one consumer takes as an enum, a variant per event type, with a
/// `From` for each: the handlers registered by event type all feed its one
/// [`BatchHandler`].
#[macro_export]
macro_rules! consumed_events {
    ($(#[$meta:meta])* $vis:vis enum $name:ident { $($variant:ident($event:ty)),* $(,)? }) => {
        $(#[$meta])*
        $vis enum $name {
            $($variant($event)),*
        }
        $(
            impl From<$event> for $name {
                fn from(event: $event) -> Self {
                    Self::$variant(event)
                }
            }
        )*
    };
}

mod backoff;
pub mod batch;
pub(crate) mod claim_loop;
pub mod embedded;
mod envelope;
pub mod inbox;
pub mod migration;
pub mod outbox;
pub mod rabbitmq;
mod transport;

pub use backoff::Backoff;
pub use batch::{BatchHandler, handle_batch};
pub use embedded::EmbeddedBus;
pub use envelope::Envelope;
pub use inbox::{Batched, Delivered, EventContext, EventHandlers, InboxConsumer};
pub use outbox::{Outbox, OutboxRelay};
pub use rabbitmq::{RabbitMqSettings, RabbitMqTransport};
pub use transport::{
    DeliveryHandler, HandlerError, Subscription, TaskGuard, Transport, TransportError,
};
