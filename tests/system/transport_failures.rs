//! The RabbitMQ transport never acknowledges a failed message: a transient failure is
//! retried until the handler succeeds, a message that keeps failing is dead-lettered by
//! the broker's delivery limit, and a permanent failure goes straight to the
//! dead-letter queue.

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use async_trait::async_trait;
use segnala_proto::intake::v1::ReportReceived;
use segnala_shared::{
    config::SecretString,
    messaging::{
        DeliveryHandler, Envelope, HandlerError, RabbitMqSettings, RabbitMqTransport, Subscription,
        Transport,
    },
};

use crate::support::{TestEnv, eventually};

/// Fails transiently `transient_failures` times, then either succeeds or, when
/// `permanent` is set, fails for good.
struct Scripted {
    transient_failures: usize,
    permanent: bool,
    attempts: AtomicUsize,
    handled: AtomicUsize,
}

impl Scripted {
    fn new(transient_failures: usize, permanent: bool) -> Arc<Self> {
        Arc::new(Self {
            transient_failures,
            permanent,
            attempts: AtomicUsize::new(0),
            handled: AtomicUsize::new(0),
        })
    }
}

#[async_trait]
impl DeliveryHandler for Scripted {
    async fn deliver(&self, _: &Envelope) -> Result<(), HandlerError> {
        let attempt = self.attempts.fetch_add(1, Ordering::SeqCst) + 1;
        if attempt <= self.transient_failures {
            return Err(HandlerError::Transient(format!("attempt {attempt} failed")));
        }
        if self.permanent {
            return Err(HandlerError::Permanent(
                "this message can never be handled".into(),
            ));
        }
        self.handled.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    async fn dead_letter(&self, _: &Envelope, _: &str) -> Result<(), HandlerError> {
        unreachable!("RabbitMQ dead-letters through its own queue")
    }
}

async fn transport(env: &TestEnv, delivery_limit: u32) -> Arc<RabbitMqTransport> {
    RabbitMqTransport::connect(RabbitMqSettings {
        url: SecretString::from(env.amqp_url.clone()),
        prefix: env.prefix.clone(),
        prefetch: 4,
        delivery_limit,
    })
    .await
    .expect("connect")
}

async fn subscribe(
    transport: &RabbitMqTransport,
    consumer: &str,
    handler: Arc<Scripted>,
) -> segnala_shared::messaging::TaskGuard {
    transport
        .subscribe(Subscription {
            consumer: consumer.into(),
            event_types: vec!["segnala.intake.v1.ReportReceived".into()],
            handler,
        })
        .await
        .expect("subscribed")
}

/// Publishes one report, which every subscribed consumer's queue receives.
async fn publish_one(transport: &RabbitMqTransport) {
    let outcomes = transport
        .publish(&[Envelope::new(&ReportReceived::default())])
        .await;
    assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}");
}

#[tokio::test]
async fn a_transient_failure_is_retried_until_the_handler_succeeds() {
    let env = TestEnv::new().await;
    let transport = transport(&env, 20).await;
    // More failures than one delivery's local attempts: the message goes back to the
    // queue once and is handled on its second delivery.
    let handler = Scripted::new(7, false);
    let _consuming = subscribe(&transport, "triage", handler.clone()).await;
    publish_one(&transport).await;
    eventually("the handler succeeds", Duration::from_secs(30), || {
        let handler = handler.clone();
        async move { (handler.handled.load(Ordering::SeqCst) == 1).then_some(()) }
    })
    .await;
    assert_eq!(handler.attempts.load(Ordering::SeqCst), 8);
    let topology = env.topology();
    assert_eq!(env.queue_depth(&topology.queue("triage")).await, 0);
    assert_eq!(
        env.queue_depth(&topology.dead_letter_queue("triage")).await,
        0
    );
    drop(_consuming);
    env.cleanup().await;
}

#[tokio::test]
async fn a_message_that_keeps_failing_is_dead_lettered_not_dropped() {
    let env = TestEnv::new().await;
    let transport = transport(&env, 2).await;
    let always_failing = Scripted::new(usize::MAX, false);
    let _one = subscribe(&transport, "triage", always_failing.clone()).await;
    let poison = Scripted::new(0, true);
    let _two = subscribe(&transport, "tracking", poison.clone()).await;
    // Both queues are bound before the one message is published, so each gets it once
    // and each dead-letter queue ends with exactly one.
    publish_one(&transport).await;

    let topology = env.topology();
    for consumer in ["triage", "tracking"] {
        let queue = topology.dead_letter_queue(consumer);
        eventually(
            &format!("{queue} holds the message"),
            Duration::from_secs(60),
            || {
                let env = &env;
                let queue = queue.clone();
                async move { (env.queue_depth(&queue).await == 1).then_some(()) }
            },
        )
        .await;
    }
    // Retried on every delivery the broker allowed before giving up on it.
    assert!(always_failing.attempts.load(Ordering::SeqCst) >= 10);
    assert_eq!(always_failing.handled.load(Ordering::SeqCst), 0);
    assert_eq!(
        poison.attempts.load(Ordering::SeqCst),
        1,
        "a permanent failure is not retried"
    );
    drop((_one, _two));
    env.cleanup().await;
}
