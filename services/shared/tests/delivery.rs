#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! The outgoing delivery queue against the real PostgreSQL (`SEGNALA_TEST_DATABASE_URL`)
//! and a local fake receiver.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use async_trait::async_trait;
use axum::{
    Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    routing::post,
};
use sea_orm::{
    ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement, TransactionTrait,
};
use sea_orm_migration::{MigrationTrait, MigratorTrait};
use segnala_shared::{
    config::SecretString,
    db::{self, DatabaseTarget},
    delivery::{
        Attempt, Deliveries, DeliveryState, Destination, OutgoingRequest, RetryPolicy, SignRequest,
        records,
    },
};

struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![segnala_shared::delivery::migration()]
    }
}

/// What the fake receiver got, and how many of the next requests it should fail.
#[derive(Clone, Default)]
struct Receiver {
    received: Arc<Mutex<Vec<(String, HeaderMap, Bytes)>>>,
    arrivals: Arc<Mutex<Vec<std::time::Instant>>>,
    fail_next: Arc<Mutex<u32>>,
}

async fn receive(
    State(receiver): State<Receiver>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    {
        let mut fail = receiver.fail_next.lock().unwrap();
        if *fail > 0 {
            *fail -= 1;
            return StatusCode::SERVICE_UNAVAILABLE;
        }
    }
    receiver
        .arrivals
        .lock()
        .unwrap()
        .push(std::time::Instant::now());
    if uri.path() == "/refuse" {
        return StatusCode::BAD_REQUEST;
    }
    receiver
        .received
        .lock()
        .unwrap()
        .push((uri.path().to_owned(), headers, body));
    StatusCode::OK
}

async fn fake_receiver() -> (String, Receiver) {
    let receiver = Receiver::default();
    let app = Router::new()
        .route("/{*path}", post(receive))
        .with_state(receiver.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{address}"), receiver)
}

async fn database() -> (DatabaseConnection, String, String) {
    let admin_url = std::env::var("SEGNALA_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let name = format!("segnala_t_{}", uuid::Uuid::now_v7().simple());
    let admin = Database::connect(&admin_url).await.unwrap();
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let (base, _) = admin_url.rsplit_once('/').unwrap();
    let db = db::connect_and_migrate::<Migrator>(&DatabaseTarget::Postgres {
        url: SecretString::from(format!("{base}/{name}")),
        schema: "delivery_test".into(),
        min_connections: 1,
        max_connections: 2,
    })
    .await
    .unwrap();
    (db, admin_url, name)
}

async fn drop_database(db: DatabaseConnection, admin_url: &str, name: &str) {
    db.close().await.ok();
    let admin = Database::connect(admin_url).await.unwrap();
    let _ = admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await;
}

fn quick_policy(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        first_delay: Duration::from_millis(50),
        max_delay: Duration::from_millis(200),
        timeout: Duration::from_secs(5),
    }
}

async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !check().await {
        assert!(tokio::time::Instant::now() < deadline, "timed out: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

struct FixedSigner;

#[async_trait]
impl SignRequest for FixedSigner {
    async fn headers(
        &self,
        attempt: &Attempt<'_>,
    ) -> Result<Vec<(axum::http::HeaderName, axum::http::HeaderValue)>, String> {
        Ok(vec![(
            axum::http::HeaderName::from_static("x-signature"),
            axum::http::HeaderValue::from_str(&format!("len={}", attempt.body.len()))
                .map_err(|e| e.to_string())?,
        )])
    }
}

/// Every pooled connection, not only the first, works in the service's schema and plans
/// each statement for its own parameters (a generic plan made on a nearly empty table
/// would otherwise stay for the connection's life).
#[tokio::test]
async fn every_pooled_connection_uses_the_schema_and_plans_for_its_parameters() {
    let (db, admin_url, name) = database().await;
    let first = db.begin().await.unwrap();
    let second = db.begin().await.unwrap();
    for connection in [&first, &second] {
        let row = connection
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT current_setting('search_path') AS search_path, \
                 current_setting('plan_cache_mode') AS plan_cache_mode, \
                 pg_backend_pid() AS pid",
            ))
            .await
            .unwrap()
            .unwrap();
        let search_path: String = row.try_get("", "search_path").unwrap();
        let plan_cache_mode: String = row.try_get("", "plan_cache_mode").unwrap();
        assert_eq!(search_path, "\"delivery_test\"");
        assert_eq!(plan_cache_mode, "force_custom_plan");
    }
    let pid =
        |row: Option<sea_orm::QueryResult>| -> i32 { row.unwrap().try_get("", "pid").unwrap() };
    let backend = Statement::from_string(DbBackend::Postgres, "SELECT pg_backend_pid() AS pid");
    assert_ne!(
        pid(first.query_one_raw(backend.clone()).await.unwrap()),
        pid(second.query_one_raw(backend).await.unwrap()),
        "two connections"
    );
    drop((first, second));
    drop_database(db, &admin_url, &name).await;
}

#[tokio::test]
async fn retries_until_the_receiver_recovers_and_never_sends_a_key_twice() {
    let (db, admin_url, name) = database().await;
    let (url, receiver) = fake_receiver().await;
    *receiver.fail_next.lock().unwrap() = 3;
    let deliveries = Deliveries::new();
    let body = serde_json::json!({"text": "ciao"});
    let first = deliveries
        .enqueue(
            &db,
            OutgoingRequest::json("reply/1", "fake", "/send", &body),
        )
        .await
        .unwrap();
    let again = deliveries
        .enqueue(
            &db,
            OutgoingRequest::json("reply/1", "fake", "/send", &body),
        )
        .await
        .unwrap();
    assert!(first && !again, "the same key is enqueued once");

    let destination = Destination::new("fake", &url)
        .bearer("s3cret-token")
        .signer(Arc::new(FixedSigner));
    let worker = deliveries
        .worker(db.clone(), vec![destination], quick_policy(10))
        .unwrap();
    let task = tokio::spawn(worker.run());
    deliveries.wake();
    eventually("sent after the failures", || async {
        records(&db, Some(DeliveryState::Sent)).await.unwrap().len() == 1
    })
    .await;
    let record = records(&db, None).await.unwrap().remove(0);
    assert_eq!(record.attempts, 4, "three failures, then success");
    let received = receiver.received.lock().unwrap().clone();
    assert_eq!(received.len(), 1);
    let (path, headers, bytes) = &received[0];
    assert_eq!(path, "/send");
    assert_eq!(bytes.as_ref(), br#"{"text":"ciao"}"#);
    assert_eq!(headers["authorization"], "Bearer s3cret-token");
    assert_eq!(headers["x-signature"], "len=15");
    assert_eq!(headers["content-type"], "application/json");
    task.abort();
    drop_database(db, &admin_url, &name).await;
}

#[tokio::test]
async fn refusals_and_exhausted_retries_become_dead_letters_without_blocking_others() {
    let (db, admin_url, name) = database().await;
    let (url, receiver) = fake_receiver().await;
    let deliveries = Deliveries::new();
    let body = serde_json::json!({"n": 1});
    for (key, destination, target) in [
        ("refused", "fake", "/refuse"),
        ("down", "unreachable", "/anything"),
        ("fine", "fake", "/ok"),
    ] {
        deliveries
            .enqueue(&db, OutgoingRequest::json(key, destination, target, &body))
            .await
            .unwrap();
    }
    // Port 9 on loopback: nothing listens, the connection is refused at once.
    let destinations = vec![
        Destination::new("fake", &url),
        Destination::new("unreachable", "http://127.0.0.1:9"),
    ];
    let worker = deliveries
        .worker(db.clone(), destinations, quick_policy(3))
        .unwrap();
    let task = tokio::spawn(worker.run());
    eventually("every row settled", || async {
        records(&db, Some(DeliveryState::Pending))
            .await
            .unwrap()
            .is_empty()
    })
    .await;
    let by_key = |key: &str, all: &[segnala_shared::delivery::DeliveryRecord]| {
        all.iter().find(|r| r.key == key).cloned().unwrap()
    };
    let all = records(&db, None).await.unwrap();
    let refused = by_key("refused", &all);
    assert_eq!(refused.state, DeliveryState::Dead);
    assert_eq!(refused.attempts, 1, "a 400 is not retried");
    assert!(refused.last_error.unwrap().contains("400"));
    let down = by_key("down", &all);
    assert_eq!(down.state, DeliveryState::Dead);
    assert_eq!(down.attempts, 3, "the last attempt leaves a dead letter");
    assert!(down.last_error.unwrap().starts_with("after 3 attempts"));
    assert_eq!(by_key("fine", &all).state, DeliveryState::Sent);
    assert_eq!(receiver.received.lock().unwrap().len(), 1);
    task.abort();
    drop_database(db, &admin_url, &name).await;
}

#[tokio::test]
async fn a_destination_is_never_called_faster_than_its_rate() {
    let (db, admin_url, name) = database().await;
    let (url, receiver) = fake_receiver().await;
    let deliveries = Deliveries::new();
    for n in 0..5 {
        deliveries
            .enqueue(
                &db,
                OutgoingRequest::json(
                    format!("paced/{n}"),
                    "fake",
                    "/send",
                    &serde_json::json!({ "n": n }),
                ),
            )
            .await
            .unwrap();
    }
    let destination = Destination::new("fake", &url).rate_limit(10.0);
    let worker = deliveries
        .worker(db.clone(), vec![destination], quick_policy(3))
        .unwrap();
    let task = tokio::spawn(worker.run());
    eventually("all five sent", || async {
        records(&db, Some(DeliveryState::Sent)).await.unwrap().len() == 5
    })
    .await;
    let arrivals = receiver.arrivals.lock().unwrap().clone();
    assert_eq!(arrivals.len(), 5);
    for pair in arrivals.windows(2) {
        // 10 a second: at least 100 ms apart (a little slack for the clock).
        assert!(
            pair[1] - pair[0] >= Duration::from_millis(95),
            "{:?}",
            pair[1] - pair[0]
        );
    }
    task.abort();
    drop_database(db, &admin_url, &name).await;
}
