use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::telemetry::{self, TraceHeaders};

/// One event on its way between services: the protobuf payload and what a transport
/// needs to route and trace it.
#[derive(Clone, Debug, PartialEq)]
pub struct Envelope {
    /// Unique per event; consumers use it to recognise a redelivery.
    pub message_id: Uuid,
    /// Fully-qualified protobuf name, such as `segnala.intake.v1.ReportReceived`; also
    /// the routing key.
    pub event_type: String,
    pub payload: Vec<u8>,
    pub occurred_at: DateTime<Utc>,
    /// W3C trace context of the operation that produced the event.
    pub trace: TraceHeaders,
}

impl Envelope {
    /// Wraps `event`, capturing the current trace context.
    pub fn new<E: prost::Message + prost::Name>(event: &E) -> Self {
        Self {
            message_id: Uuid::now_v7(),
            event_type: E::full_name(),
            payload: event.encode_to_vec(),
            occurred_at: Utc::now(),
            trace: telemetry::current_trace_headers(),
        }
    }

    pub fn decode<E: prost::Message + Default>(&self) -> Result<E, prost::DecodeError> {
        E::decode(self.payload.as_slice())
    }
}
