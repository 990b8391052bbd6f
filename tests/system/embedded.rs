//! Test 6: `segnala up` with no configuration serves a report end to end; and the
//! embedded bus keeps an event in the outbox until every subscriber has handled it.

use std::{
    process::Stdio,
    sync::{
        Arc, OnceLock,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use async_trait::async_trait;
use sea_orm::{DatabaseTransaction, TransactionTrait};
use sea_orm_migration::{MigrationTrait, MigratorTrait};
use segnala_proto::intake::v1::ReportReceived;
use segnala_shared::{
    db::{self, DatabaseTarget},
    messaging::{
        EmbeddedBus, EventContext, EventHandler, EventHandlers, HandlerError, InboxConsumer,
        Outbox, Subscription, Transport, inbox, migration, outbox,
    },
};
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::Command,
};

use crate::support::{env::within, eventually};

/// Free ports for this process's `segnala up`, so that runs side by side do not meet
/// on the default ports; the only configuration the test gives.
fn ports() -> &'static [(&'static str, u16)] {
    static PORTS: OnceLock<Vec<(&'static str, u16)>> = OnceLock::new();
    PORTS.get_or_init(|| {
        [
            "INTAKE",
            "TRIAGE",
            "TRACKING",
            "STATUS",
            "INTAKE_HTTP",
            "STATUS_HTTP",
        ]
        .into_iter()
        .map(|name| {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .map(|a| a.port())
                .expect("a free port");
            (name, port)
        })
        .collect()
    })
}

fn port(name: &str) -> u16 {
    ports()
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, port)| *port)
        .unwrap_or_default()
}

fn segnala(dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_segnala"));
    command.current_dir(dir).env("RUST_LOG", "warn");
    for (key, _) in std::env::vars() {
        if key.starts_with("SEGNALA_") {
            command.env_remove(key);
        }
    }
    for (name, port) in ports() {
        command.env(format!("SEGNALA__LISTEN__{name}_PORT"), port.to_string());
    }
    command
        .env(
            "SEGNALA_INTAKE_URL",
            format!("http://127.0.0.1:{}", port("INTAKE")),
        )
        .env(
            "SEGNALA_STATUS_URL",
            format!("http://127.0.0.1:{}", port("STATUS")),
        );
    command
}

/// Runs a `segnala` client command and reads its JSON output.
async fn run(dir: &std::path::Path, args: &[&str]) -> Result<serde_json::Value, String> {
    let output = segnala(dir)
        .args(args)
        .output()
        .await
        .expect("segnala runs");
    if !output.status.success() {
        return Err(format!(
            "segnala {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    serde_json::from_slice(&output.stdout).map_err(|e| format!("segnala {args:?}: not JSON: {e}"))
}

#[tokio::test]
async fn segnala_up_with_no_configuration_serves_a_report_end_to_end() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut up = segnala(dir.path())
        .arg("up")
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("segnala up starts");
    let mut lines = BufReader::new(up.stdout.take().expect("stdout")).lines();
    let mut banner = Vec::new();
    within(
        "segnala up prints where it listens",
        Duration::from_secs(60),
        async {
            while let Some(line) = lines.next_line().await.expect("read stdout") {
                let done = line.starts_with("Press Ctrl-C");
                banner.push(line);
                if done {
                    break;
                }
            }
        },
    )
    .await;
    let banner = banner.join("\n");
    assert!(banner.contains("embedded"), "{banner}");
    for service in ["intake", "triage", "tracking", "status"] {
        assert!(
            banner.contains(&format!("  {service}")),
            "{service} missing in:\n{banner}"
        );
    }

    let submitted = run(
        dir.path(),
        &[
            "report",
            "submit",
            "--json",
            "-d",
            "Lampione spento in corso Buenos Aires",
            "--lat",
            "45.478",
            "--lon",
            "9.21",
        ],
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let code = submitted["tracking_code"]
        .as_str()
        .expect("a tracking code")
        .to_owned();
    let status = eventually("the report is assigned", Duration::from_secs(30), || {
        let code = code.clone();
        let dir = dir.path().to_owned();
        async move {
            // "Not found" until status has heard of the report.
            let status = run(&dir, &["report", "status", &code, "--json"])
                .await
                .ok()?;
            (status["state"] == "assigned").then_some(status)
        }
    })
    .await;
    assert_eq!(status["department"], "street_lighting");
    assert!(dir.path().join("segnala-data/intake.db").is_file());
    // Triage announced its taxonomy while the services were starting; the in-process
    // bus held it until status listened, so the page names the department.
    let page = format!("http://127.0.0.1:{}/r/{code}?lang=en", port("STATUS_HTTP"));
    let page = eventually(
        "the page names the department",
        Duration::from_secs(30),
        || {
            let page = page.clone();
            async move {
                let client = segnala_shared::delivery::http_client(Duration::from_secs(5))
                    .expect("an HTTP client");
                let body = client.get(&page).send().await.ok()?.text().await.ok()?;
                body.contains("Sent to the Street lighting department")
                    .then_some(body)
            }
        },
    )
    .await;
    assert!(
        page.contains("<dd>Municipio ") && !page.contains("municipio_"),
        "the zone by name: {page}"
    );
    let _ = up.kill().await;
}

struct Counting {
    attempts: Arc<AtomicUsize>,
    failures_left: Arc<AtomicUsize>,
}

#[async_trait]
impl EventHandler<ReportReceived> for Counting {
    async fn handle(
        &self,
        _: &DatabaseTransaction,
        _: ReportReceived,
        _: &EventContext,
    ) -> Result<(), HandlerError> {
        self.attempts.fetch_add(1, Ordering::SeqCst);
        let left = self.failures_left.load(Ordering::SeqCst);
        if left > 0 {
            self.failures_left.store(left - 1, Ordering::SeqCst);
            return Err(HandlerError::Transient("the database blinked".into()));
        }
        Ok(())
    }
}

struct MessagingTables;

impl MigratorTrait for MessagingTables {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        migration::migrations()
    }
}

#[tokio::test]
async fn the_embedded_bus_keeps_an_event_until_every_subscriber_has_handled_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let open = |name: &str| DatabaseTarget::Sqlite {
        path: dir.path().join(format!("{name}.db")),
    };
    let publisher_db = db::connect_and_migrate::<MessagingTables>(&open("publisher"))
        .await
        .expect("db");
    let bus = EmbeddedBus::new();
    let mut counters = Vec::new();
    for (name, failures) in [("steady", 0), ("flaky", 2)] {
        let consumer_db = db::connect_and_migrate::<MessagingTables>(&open(name))
            .await
            .expect("db");
        let attempts = Arc::new(AtomicUsize::new(0));
        let handler = Counting {
            attempts: attempts.clone(),
            failures_left: Arc::new(AtomicUsize::new(failures)),
        };
        let handlers = EventHandlers::new().on::<ReportReceived, _>(handler);
        bus.subscribe(Subscription {
            consumer: name.into(),
            event_types: handlers.event_types(),
            handler: Arc::new(InboxConsumer::new(
                name,
                consumer_db.clone(),
                handlers,
                Outbox::new(),
            )),
        })
        .await
        .expect("subscribed");
        counters.push((attempts, consumer_db));
    }

    let outbox_handle = Outbox::new();
    let txn = publisher_db.begin().await.expect("begin");
    outbox_handle
        .record(
            &txn,
            &ReportReceived {
                tracking_code: "7KQ2-M9XA-4BRT".into(),
                ..ReportReceived::default()
            },
        )
        .await
        .expect("recorded");
    txn.commit().await.expect("commit");

    let relay = outbox_handle.relay(publisher_db.clone(), bus.clone());
    assert_eq!(
        relay.relay_batch().await.expect("relay"),
        0,
        "the flaky subscriber failed"
    );
    assert_eq!(
        outbox::pending(&publisher_db).await.expect("count"),
        1,
        "so the event stays"
    );
    eventually("the event is delivered", Duration::from_secs(10), || {
        let relay = &relay;
        async move { (relay.relay_batch().await.ok()? == 1).then_some(()) }
    })
    .await;
    assert_eq!(outbox::pending(&publisher_db).await.expect("count"), 0);

    let (steady_attempts, steady_db) = &counters[0];
    let (flaky_attempts, flaky_db) = &counters[1];
    assert_eq!(
        steady_attempts.load(Ordering::SeqCst),
        1,
        "redelivery skipped by the inbox"
    );
    assert_eq!(
        flaky_attempts.load(Ordering::SeqCst),
        3,
        "two failures, then success"
    );
    assert_eq!(inbox::handled_count(steady_db).await.expect("count"), 1);
    assert_eq!(inbox::handled_count(flaky_db).await.expect("count"), 1);
}
