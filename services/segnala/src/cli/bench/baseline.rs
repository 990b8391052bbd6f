//! What the machine gives without Segnala, measured in the same run: RabbitMQ round
//! trips of persistent messages (quorum queue, publisher confirms, manual acks) and
//! single-row durable commits (PostgreSQL, or SQLite as embedded mode uses it).

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use lapin::{
    BasicProperties, Connection, ConnectionProperties,
    options::{
        BasicAckOptions, BasicConsumeOptions, BasicPublishOptions, BasicQosOptions,
        ConfirmSelectOptions, QueueDeclareOptions, QueueDeleteOptions,
    },
    types::{AMQPValue, FieldTable},
};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};
use serde::Serialize;

use super::{super::CommandError, BenchReport, stats::Latencies, stats::Summary};

/// How long each flood runs.
const RUN_FOR: Duration = Duration::from_secs(5);
/// How long one-at-a-time latency is measured.
const ALONE_FOR: Duration = Duration::from_secs(2);
/// Unconfirmed publishes in flight, as the outbox relay keeps a batch in flight.
const CONFIRM_WINDOW: usize = 256;

pub struct BaselineTargets {
    pub database_url: Option<String>,
    pub amqp_url: Option<String>,
    pub concurrency: usize,
    pub message_size: usize,
}

#[derive(Debug, Serialize)]
pub struct Baseline {
    pub rabbitmq: Option<Throughput>,
    /// "postgresql" or "sqlite".
    pub database: &'static str,
    pub commits: Throughput,
}

/// A resource's best rate with many in flight, and its latency with one at a time
/// (latency under a flood is only queueing).
#[derive(Debug, Serialize)]
pub struct Throughput {
    pub per_second: f64,
    pub concurrency: usize,
    pub latency_alone: Summary,
}

pub async fn measure(targets: &BaselineTargets) -> Result<Baseline, CommandError> {
    let rabbitmq = match &targets.amqp_url {
        Some(url) => Some(
            rabbitmq_round_trips(url, targets.message_size)
                .await
                .map_err(|e| CommandError::new(format!("RabbitMQ baseline: {e}")))?,
        ),
        None => None,
    };
    let (database, commits) = match &targets.database_url {
        Some(url) => (
            "postgresql",
            postgres_commits(url, targets.concurrency).await?,
        ),
        None => ("sqlite", sqlite_commits().await?),
    };
    Ok(Baseline {
        rabbitmq,
        database,
        commits,
    })
}

/// Marks a message of the flood, the flood's end, or a lone round trip.
const FLOOD: u8 = 0;
const FLOOD_END: u8 = 1;
const ALONE: u8 = 2;

async fn rabbitmq_round_trips(url: &str, size: usize) -> Result<Throughput, lapin::Error> {
    let queue = format!("segnala-bench-baseline-{}", uuid::Uuid::now_v7().simple());
    let publisher = Connection::connect(url, ConnectionProperties::default()).await?;
    let consumer = Connection::connect(url, ConnectionProperties::default()).await?;
    let channel = publisher.create_channel().await?;
    let mut arguments = FieldTable::default();
    arguments.insert(
        "x-queue-type".into(),
        AMQPValue::LongString("quorum".into()),
    );
    channel
        .queue_declare(
            queue.as_str().into(),
            QueueDeclareOptions {
                durable: true,
                ..Default::default()
            },
            arguments,
        )
        .await?;
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await?;
    let consuming = consumer.create_channel().await?;
    consuming.basic_qos(64, BasicQosOptions::default()).await?;
    let mut deliveries = consuming
        .basic_consume(
            queue.as_str().into(),
            "baseline".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await?;
    // The consumer acknowledges each message, then says which kind arrived.
    let (arrived_tx, mut arrived) = tokio::sync::mpsc::unbounded_channel();
    let consume = tokio::spawn(async move {
        while let Some(Ok(delivery)) = deliveries.next().await {
            if delivery.ack(BasicAckOptions::default()).await.is_err() {
                break;
            }
            if arrived_tx.send(delivery.data.first().copied()).is_err() {
                break;
            }
        }
    });
    let publish = |kind: u8| {
        let mut payload = vec![0_u8; size.max(1)];
        payload[0] = kind;
        let channel = channel.clone();
        let queue = queue.clone();
        async move {
            channel
                .basic_publish(
                    "".into(),
                    queue.as_str().into(),
                    BasicPublishOptions::default(),
                    &payload,
                    BasicProperties::default().with_delivery_mode(2),
                )
                .await
        }
    };

    // Flood: as many in flight as the outbox relay keeps.
    let started = Instant::now();
    let mut in_flight = std::collections::VecDeque::new();
    while started.elapsed() < RUN_FOR {
        in_flight.push_back(publish(FLOOD).await?);
        if in_flight.len() >= CONFIRM_WINDOW
            && let Some(oldest) = in_flight.pop_front()
        {
            oldest.await?;
        }
    }
    in_flight.push_back(publish(FLOOD_END).await?);
    for confirm in in_flight {
        confirm.await?;
    }
    let mut received = 0_u64;
    while let Some(kind) = arrived.recv().await {
        received += 1;
        if kind == Some(FLOOD_END) {
            break;
        }
    }
    let per_second = received as f64 / started.elapsed().as_secs_f64();

    // Alone: publish, confirm, consume, one at a time.
    let mut latencies = Latencies::default();
    let alone = Instant::now();
    while alone.elapsed() < ALONE_FOR {
        let began = Instant::now();
        publish(ALONE).await?.await?;
        if arrived.recv().await.is_none() {
            break;
        }
        latencies.record(began.elapsed());
    }
    consume.abort();
    channel
        .queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
        .await?;
    let _ = publisher.close(200, "baseline done".into()).await;
    let _ = consumer.close(200, "baseline done".into()).await;
    Ok(Throughput {
        per_second,
        concurrency: CONFIRM_WINDOW,
        latency_alone: latencies.summary(),
    })
}

async fn postgres_commits(url: &str, concurrency: usize) -> Result<Throughput, CommandError> {
    // Beside a running platform's pools, PostgreSQL's default 100 connections allow
    // about this many more.
    let writers = concurrency.clamp(1, 32);
    let mut options = ConnectOptions::new(url.to_owned());
    options.max_connections(writers as u32).sqlx_logging(false);
    let db = Database::connect(options)
        .await
        .map_err(|e| CommandError::new(format!("PostgreSQL baseline: {e}")))?;
    let table = format!("segnala_bench_baseline_{}", uuid::Uuid::now_v7().simple());
    let result = commits(&db, &table, writers, "bigserial").await;
    let _ = db
        .execute_unprepared(&format!("DROP TABLE IF EXISTS {table}"))
        .await;
    result
}

/// SQLite as embedded mode runs it: one writer, WAL, synchronous NORMAL.
async fn sqlite_commits() -> Result<Throughput, CommandError> {
    let dir = std::env::temp_dir().join(format!("segnala-bench-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir)
        .map_err(|e| CommandError::new(format!("{}: {e}", dir.display())))?;
    let url = format!("sqlite://{}?mode=rwc", dir.join("baseline.db").display());
    let mut options = ConnectOptions::new(url);
    options.max_connections(1).sqlx_logging(false);
    let result = async {
        let db = Database::connect(options).await?;
        for pragma in ["PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL"] {
            db.execute_unprepared(pragma).await?;
        }
        Ok::<_, sea_orm::DbErr>(db)
    }
    .await
    .map_err(|e| CommandError::new(format!("SQLite baseline: {e}")));
    let result = match result {
        Ok(db) => commits(&db, "baseline", 1, "integer primary key").await,
        Err(error) => Err(error),
    };
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// `writers` committing one small row at a time as fast as they can, then one writer
/// alone for its latency.
async fn commits(
    db: &DatabaseConnection,
    table: &str,
    writers: usize,
    id_type: &str,
) -> Result<Throughput, CommandError> {
    let failed = |e: sea_orm::DbErr| CommandError::new(format!("database baseline: {e}"));
    db.execute_unprepared(&format!(
        "CREATE TABLE {table} (id {id_type}, payload text NOT NULL)"
    ))
    .await
    .map_err(failed)?;
    let insert = format!(
        "INSERT INTO {table} (payload) VALUES ('{}')",
        "x".repeat(300)
    );
    let run = |until: Duration| {
        let db = db.clone();
        let insert = insert.clone();
        async move {
            let started = Instant::now();
            let mut latencies = Latencies::default();
            while started.elapsed() < until {
                let began = Instant::now();
                db.execute_unprepared(&insert).await?;
                latencies.record(began.elapsed());
            }
            Ok::<_, sea_orm::DbErr>(latencies)
        }
    };
    let started = Instant::now();
    let mut flood = tokio::task::JoinSet::new();
    for _ in 0..writers {
        flood.spawn(run(RUN_FOR));
    }
    let mut total = 0;
    for latencies in flood.join_all().await {
        total += latencies.map_err(failed)?.count();
    }
    let per_second = total as f64 / started.elapsed().as_secs_f64();
    let alone = run(ALONE_FOR).await.map_err(failed)?;
    Ok(Throughput {
        per_second,
        concurrency: writers,
        latency_alone: alone.summary(),
    })
}

/// The baseline beside Segnala's figures, and Segnala's as a share of it.
pub fn describe(baseline: &Baseline, report: &BenchReport) -> String {
    let mut text = String::from("Baseline (the same machine, without Segnala):\n");
    let visible_p99 = report
        .stages
        .get("4 status visible")
        .map(|s| s.p99_ms)
        .unwrap_or_default();
    let line = |what: &str, unit: &str, t: &Throughput| {
        format!(
            "  {what}: {:.0} {unit}/s with {} in flight; one at a time p50 {:.2} ms, p99 {:.2} ms\n",
            t.per_second, t.concurrency, t.latency_alone.p50_ms, t.latency_alone.p99_ms
        )
    };
    if let Some(rabbit) = &baseline.rabbitmq {
        text.push_str(&line(
            "RabbitMQ round trips (quorum queue, confirms, acks)",
            "msg",
            rabbit,
        ));
    }
    text.push_str(&line(
        &format!("{} single-row commits", baseline.database),
        "commits",
        &baseline.commits,
    ));
    text.push_str("Segnala as a share of the baseline:\n");
    text.push_str(&format!(
        "  end-to-end reports/s ÷ {} commits/s = {:.3}\n",
        baseline.database,
        report.end_to_end_per_second / baseline.commits.per_second.max(1e-9)
    ));
    if let Some(rabbit) = &baseline.rabbitmq {
        text.push_str(&format!(
            "  end-to-end reports/s ÷ RabbitMQ msg/s = {:.3}\n",
            report.end_to_end_per_second / rabbit.per_second.max(1e-9)
        ));
        text.push_str(&format!(
            "  end-to-end p99 ÷ one RabbitMQ round trip p99 = {:.1}\n",
            visible_p99 / rabbit.latency_alone.p99_ms.max(1e-9)
        ));
    }
    text.push_str(&format!(
        "  end-to-end p99 ÷ one commit p99 = {:.1}\n",
        visible_p99 / baseline.commits.latency_alone.p99_ms.max(1e-9)
    ));
    text
}
