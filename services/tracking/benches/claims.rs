//! Claims per second: 20 crews claiming concurrently over gRPC from one queue on
//! PostgreSQL, each claim a transaction with its row lock (`FOR UPDATE SKIP LOCKED`),
//! audit entry, event and request id. Counts double claims (there must be none).
//!
//! cargo bench -p segnala-tracking --bench claims
//! Environment: SEGNALA_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres),
//! SEGNALA_BENCH_ORDERS (default 20000), SEGNALA_BENCH_CREWS (default 20).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{
    collections::HashSet,
    sync::Arc,
    time::{Duration, Instant},
};

use chrono::Utc;
use hdrhistogram::Histogram;
use sea_orm::{ConnectionTrait, Database, TransactionTrait};
use segnala_proto::{
    common::v1::{LatLng, Priority},
    tracking::v1::{ClaimNextRequest, work_queue_service_client::WorkQueueServiceClient},
    triage::v1::ReportRouted,
};
use segnala_shared::{
    config::SecretString,
    db::{self, DatabaseTarget},
    grpc::{ApiKeySettings, Authenticator, Role, client::ClientInterceptor},
    messaging::{EmbeddedBus, EventContext, Outbox, handle_batch},
    service::ServiceContext,
    time::to_timestamp,
};
use segnala_tracking::{
    TrackingSettings,
    app::{Ledger, TrackingConsumer},
    domain::{ResolveWithin, SystemClock},
    store::Migrator,
};
use tonic::service::interceptor::InterceptedService;
use uuid::Uuid;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn crew_key(i: usize) -> String {
    format!("bench-crew-key-{i:04}-0123456789")
}

#[tokio::main]
async fn main() {
    let admin_url = std::env::var("SEGNALA_BENCH_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let orders: usize = env_or("SEGNALA_BENCH_ORDERS", 20_000);
    let crews: usize = env_or("SEGNALA_BENCH_CREWS", 20);

    let database = format!("segnala_bench_{}", Uuid::now_v7().simple());
    let admin = Database::connect(&admin_url)
        .await
        .expect("PostgreSQL is reachable");
    admin
        .execute_unprepared(&format!("CREATE DATABASE {database}"))
        .await
        .unwrap();
    let (base, _) = admin_url.rsplit_once('/').unwrap();
    let target = DatabaseTarget::Postgres {
        url: SecretString::from(format!("{base}/{database}")),
        schema: "tracking".into(),
        min_connections: 20,
        max_connections: 20,
    };

    seed(&target, orders).await;

    let keys = (0..crews)
        .map(|i| ApiKeySettings {
            name: format!("crew-{i:02}"),
            role: Role::Crew,
            key: SecretString::from(crew_key(i)),
            departments: vec!["street_lighting".into()],
        })
        .collect();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let context = ServiceContext {
        database: target,
        transport: EmbeddedBus::new(),
        authenticator: Authenticator::new(keys),
        listener,
        http_listener: None,
        public_url: String::new(),
        time_zone: segnala_shared::time::DEFAULT_TIME_ZONE,
    };
    let application = segnala_tracking::build(context, TrackingSettings::default())
        .await
        .unwrap();
    let server = tokio::spawn(application.run_until_stopped(Box::pin(std::future::pending())));

    let mut clients = Vec::new();
    for i in 0..crews {
        let channel = tonic::transport::Endpoint::from_shared(format!("http://{address}"))
            .unwrap()
            .connect()
            .await
            .unwrap();
        clients.push(WorkQueueServiceClient::new(InterceptedService::new(
            channel,
            ClientInterceptor::new(Some(SecretString::from(crew_key(i)))),
        )));
    }

    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for mut client in clients {
        tasks.spawn(async move {
            let mut claimed = Vec::new();
            let mut latency = Histogram::<u64>::new(3).unwrap();
            loop {
                let begun = Instant::now();
                let order = client
                    .claim_next(ClaimNextRequest {
                        department: "street_lighting".into(),
                        request_id: Uuid::new_v4().to_string(),
                    })
                    .await
                    .expect("ClaimNext")
                    .into_inner()
                    .work_order;
                let Some(order) = order else { break };
                latency.record(begun.elapsed().as_micros() as u64).unwrap();
                claimed.push(order.name);
            }
            (claimed, latency)
        });
    }
    let mut all = Vec::new();
    let mut latency = Histogram::<u64>::new(3).unwrap();
    for (claimed, histogram) in tasks.join_all().await {
        all.extend(claimed);
        latency.add(histogram).unwrap();
    }
    let elapsed = started.elapsed();
    let distinct: HashSet<&String> = all.iter().collect();
    let doubles = all.len() - distinct.len();
    let ms = |us: u64| Duration::from_micros(us).as_secs_f64() * 1000.0;
    println!(
        "claims: {} orders, {crews} crews over gRPC, PostgreSQL",
        all.len()
    );
    println!(
        "  {:.0} claims/s ({} in {:.2} s)",
        all.len() as f64 / elapsed.as_secs_f64(),
        all.len(),
        elapsed.as_secs_f64()
    );
    println!(
        "  latency p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        ms(latency.value_at_quantile(0.5)),
        ms(latency.value_at_quantile(0.9)),
        ms(latency.value_at_quantile(0.99)),
        ms(latency.max())
    );
    println!(
        "  double claims: {doubles}; unclaimed: {}",
        orders - distinct.len()
    );

    server.abort();
    let _ = admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)"))
        .await;
    assert_eq!(doubles, 0, "an order was claimed twice");
    assert_eq!(distinct.len(), orders, "every order was claimed");
}

/// Queues `count` orders as routing does, a thousand routed reports to a batch.
async fn seed(target: &DatabaseTarget, count: usize) {
    let db = db::connect_and_migrate::<Migrator>(target).await.unwrap();
    let consumer = TrackingConsumer::new(
        Ledger::new(Outbox::new()),
        Arc::new(SystemClock),
        ResolveWithin::default(),
    );
    let now = Utc::now();
    for chunk in (0..count).collect::<Vec<_>>().chunks(1000) {
        let events = chunk
            .iter()
            .map(|i| {
                let routed = ReportRouted {
                    report: format!("reports/BENCH-{i:06}"),
                    incident: format!("incidents/bench-{i}"),
                    department: "street_lighting".into(),
                    category: "lamp_out".into(),
                    priority: [Priority::Low, Priority::Normal, Priority::High][i % 3] as i32,
                    description: "Lampione spento".into(),
                    location: Some(LatLng {
                        latitude: 45.46,
                        longitude: 9.19,
                    }),
                    route_time: Some(to_timestamp(now)),
                    resolve_within: Some(prost_types::Duration {
                        seconds: 3600 * (1 + (i % 72) as i64),
                        nanos: 0,
                    }),
                    version: 1,
                    ..ReportRouted::default()
                };
                let context = EventContext {
                    message_id: Uuid::now_v7(),
                    occurred_at: now,
                    span: tracing::Span::none(),
                };
                (routed.into(), context)
            })
            .collect();
        let txn = db.begin().await.unwrap();
        handle_batch(&consumer, &txn, events).await.unwrap();
        txn.commit().await.unwrap();
    }
    // The seeding's events are not what is measured.
    db.execute_unprepared("DELETE FROM outbox").await.unwrap();
    db.close().await.unwrap();
}
