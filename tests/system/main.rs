#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! System tests: the platform against the real PostgreSQL and RabbitMQ on the machine
//! (`SEGNALA_TEST_DATABASE_URL`, `SEGNALA_TEST_AMQP_URL`). Each test makes its own
//! database and its own exchange and queue prefix, listens on port 0, and waits for
//! conditions rather than sleeping. Run them with `tests/run.sh`.

mod support;

mod bad_input;
mod batches;
mod bench;
mod broker_restart;
mod channel_conversations;
mod channel_feedback;
mod channels;
mod crew;
mod dead_letters;
mod embedded;
mod flow;
mod idempotency;
mod incidents;
mod intake_grpc;
mod integrators;
mod metrics;
mod one_trace;
mod open311;
mod open311_clients;
mod open311_places;
mod operators;
mod photo_metadata;
mod public_text;
mod readiness;
mod replicas;
mod reporter_rights;
mod social_triage;
mod status_alerts;
mod status_pages;
mod status_read_model;
mod status_updates;
mod status_webhooks;
mod tracking;
mod transport_failures;
mod triage;
