//! Consumers take the deliveries that have piled up together, in one transaction. A
//! poison message among them must cost the others nothing: each good message is handled
//! exactly once, the poison one is dead-lettered, and a redelivered batch changes
//! nothing.

use std::{sync::Arc, time::Duration};

use async_trait::async_trait;
use sea_orm::{ConnectionTrait, DatabaseTransaction, Statement};
use sea_orm_migration::{MigrationTrait, MigratorTrait};
use segnala_proto::intake::v1::ReportReceived;
use segnala_shared::{
    config::SecretString,
    db::{self, DatabaseTarget},
    messaging::{
        BatchHandler, Delivered, DeliveryHandler, Envelope, EventHandlers, HandlerError,
        InboxConsumer, Outbox, RabbitMqSettings, RabbitMqTransport, Subscription, Transport, inbox,
        migration,
    },
};

use crate::support::{TestEnv, eventually};

const GOOD: usize = 49;

/// Writes one row per report it handles; refuses the report coded POISON for good.
struct Recording;

#[async_trait]
impl BatchHandler for Recording {
    type Item = Delivered<ReportReceived>;
    type Batch = ();
    type Output = ();

    async fn load(
        &self,
        _: &DatabaseTransaction,
        _: &[Delivered<ReportReceived>],
    ) -> Result<(), HandlerError> {
        Ok(())
    }

    async fn apply(
        &self,
        txn: &DatabaseTransaction,
        _: &mut (),
        (event, _): Delivered<ReportReceived>,
    ) -> Result<(), HandlerError> {
        if event.tracking_code == "POISON" {
            return Err(HandlerError::Permanent(
                "this report can never be handled".into(),
            ));
        }
        txn.execute_raw(Statement::from_sql_and_values(
            txn.get_database_backend(),
            "INSERT INTO effects (tracking_code) VALUES ($1)",
            [event.tracking_code.into()],
        ))
        .await?;
        Ok(())
    }

    async fn flush(&self, _: &DatabaseTransaction, _: ()) -> Result<(), HandlerError> {
        Ok(())
    }
}

fn recording() -> EventHandlers {
    EventHandlers::batched(Recording)
        .on::<ReportReceived>()
        .build()
}

struct MessagingTables;

impl MigratorTrait for MessagingTables {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        migration::migrations()
    }
}

#[tokio::test]
async fn a_poison_message_in_a_batch_costs_the_others_nothing() {
    let env = TestEnv::new().await;
    let database = db::connect_and_migrate::<MessagingTables>(&DatabaseTarget::Postgres {
        url: SecretString::from(env.database_url.clone()),
        schema: "batches".into(),
        min_connections: 1,
        max_connections: 4,
    })
    .await
    .expect("database");
    database
        .execute_unprepared("CREATE TABLE effects (tracking_code text NOT NULL)")
        .await
        .expect("effects table");
    let transport = RabbitMqTransport::connect(RabbitMqSettings {
        url: SecretString::from(env.amqp_url.clone()),
        prefix: env.prefix.clone(),
        prefetch: 64,
        delivery_limit: 20,
    })
    .await
    .expect("connect");
    let handlers = recording();
    let subscription = Subscription {
        consumer: "triage".into(),
        event_types: handlers.event_types(),
        handler: Arc::new(InboxConsumer::new(
            "triage",
            database.clone(),
            handlers,
            Outbox::new(),
        )),
    };
    // Declare the queue, then stop consuming so that the messages pile up.
    drop(
        transport
            .subscribe(subscription.clone())
            .await
            .expect("subscribed"),
    );

    let mut envelopes: Vec<Envelope> = (0..GOOD)
        .map(|i| {
            Envelope::new(&ReportReceived {
                tracking_code: format!("GOOD-{i:03}"),
                ..ReportReceived::default()
            })
        })
        .collect();
    envelopes.insert(
        GOOD / 2,
        Envelope::new(&ReportReceived {
            tracking_code: "POISON".into(),
            ..ReportReceived::default()
        }),
    );
    let topology = env.topology();
    let queue = topology.queue("triage");
    let dead_letters = topology.dead_letter_queue("triage");
    let count_effects = |database: sea_orm::DatabaseConnection| async move {
        let row = database
            .query_one_raw(Statement::from_string(
                database.get_database_backend(),
                "SELECT count(*) AS n, count(DISTINCT tracking_code) AS d FROM effects",
            ))
            .await
            .expect("count")
            .expect("a row");
        let n: i64 = row.try_get("", "n").expect("n");
        let distinct: i64 = row.try_get("", "d").expect("d");
        (n, distinct)
    };

    for (round, expected_dead) in [(1, 1), (2, 2)] {
        // The second round redelivers the very same messages.
        let outcomes = transport.publish(&envelopes).await;
        assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}");
        // At least: the previous round's consumer was stopped mid-batch, and messages it
        // had handled but not yet acknowledged come back to the queue, to be skipped.
        eventually(
            &format!("round {round}: all {} messages wait in the queue", GOOD + 1),
            Duration::from_secs(30),
            || {
                let env = &env;
                let queue = queue.clone();
                async move { (env.queue_depth(&queue).await as usize > GOOD).then_some(()) }
            },
        )
        .await;
        let consuming = transport
            .subscribe(subscription.clone())
            .await
            .expect("subscribed");
        eventually(
            &format!("round {round}: the queue is drained"),
            Duration::from_secs(60),
            || {
                let env = &env;
                let queue = queue.clone();
                let dead_letters = dead_letters.clone();
                async move {
                    (env.queue_depth(&queue).await == 0
                        && env.queue_depth(&dead_letters).await == expected_dead)
                        .then_some(())
                }
            },
        )
        .await;
        drop(consuming);
        // The consumer leaves the broker a moment after it is dropped; until then it
        // would take the next round's messages before they could pile up.
        eventually(
            &format!("round {round}: the consumer has left"),
            Duration::from_secs(30),
            || {
                let env = &env;
                let queue = queue.clone();
                async move { (env.queue_consumers(&queue).await == 0).then_some(()) }
            },
        )
        .await;
        assert_eq!(
            count_effects(database.clone()).await,
            (GOOD as i64, GOOD as i64),
            "round {round}: each good report handled exactly once"
        );
        assert_eq!(
            inbox::handled_count(&database).await.expect("inbox"),
            GOOD as u64
        );
    }
    env.cleanup().await;
}

/// One inbox statement records a whole batch; a message handled before, or twice in the
/// batch, is skipped while the others are handled.
#[tokio::test]
async fn a_batch_skips_the_messages_already_handled() {
    let env = TestEnv::new().await;
    let database = db::connect_and_migrate::<MessagingTables>(&DatabaseTarget::Postgres {
        url: SecretString::from(env.database_url.clone()),
        schema: "batch_skips".into(),
        min_connections: 1,
        max_connections: 4,
    })
    .await
    .expect("database");
    database
        // Each effect names its transaction, to tell a batch from one-by-one handling.
        .execute_unprepared(
            "CREATE TABLE effects (tracking_code text NOT NULL, \
             txid bigint NOT NULL DEFAULT txid_current())",
        )
        .await
        .expect("effects table");
    let consumer = InboxConsumer::new("triage", database.clone(), recording(), Outbox::new());
    let report = |code: &str| {
        Envelope::new(&ReportReceived {
            tracking_code: code.into(),
            ..ReportReceived::default()
        })
    };
    let (a, b, c) = (report("A"), report("B"), report("C"));
    consumer.deliver(&a).await.expect("A alone");

    let outcomes = consumer
        .deliver_batch(&[a.clone(), b.clone(), c.clone(), b.clone()])
        .await;
    assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}");
    let effects: Vec<(String, i64)> = database
        .query_all_raw(Statement::from_string(
            database.get_database_backend(),
            "SELECT tracking_code, txid FROM effects ORDER BY tracking_code",
        ))
        .await
        .expect("effects")
        .iter()
        .map(|row| {
            (
                row.try_get("", "tracking_code").expect("code"),
                row.try_get("", "txid").expect("txid"),
            )
        })
        .collect();
    let codes: Vec<&str> = effects.iter().map(|(code, _)| code.as_str()).collect();
    assert_eq!(codes, ["A", "B", "C"], "each report handled exactly once");
    assert_eq!(
        effects[1].1, effects[2].1,
        "B and C handled in one transaction"
    );
    assert_eq!(inbox::handled_count(&database).await.expect("inbox"), 3);
    env.cleanup().await;
}
