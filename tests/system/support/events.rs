//! Crafted events straight on the test's broker, envelope by envelope, so that a test
//! can deliver the very same message twice.

use std::sync::Arc;

use segnala_shared::{
    config::SecretString,
    messaging::{Envelope, RabbitMqSettings, RabbitMqTransport, Transport},
};

use super::TestEnv;

pub async fn transport(env: &TestEnv) -> Arc<RabbitMqTransport> {
    RabbitMqTransport::connect(RabbitMqSettings {
        url: SecretString::from(env.amqp_url.clone()),
        prefix: env.prefix.clone(),
        prefetch: 16,
        delivery_limit: 20,
    })
    .await
    .expect("connect to RabbitMQ")
}

/// Publishes each envelope, in order, and checks the broker took it.
pub async fn publish(transport: &RabbitMqTransport, envelopes: &[Envelope]) {
    for envelope in envelopes {
        let outcomes = transport.publish(std::slice::from_ref(envelope)).await;
        assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}");
    }
}
