//! Test 6: `segnala up` with no configuration serves a report end to end; and the
//! embedded bus keeps an event in the outbox until every subscriber has handled it.

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use crate::support::{embedded::Embedded, eventually};
use async_trait::async_trait;
use sea_orm::{DatabaseTransaction, TransactionTrait};
use sea_orm_migration::{MigrationTrait, MigratorTrait};
use segnala_proto::intake::v1::ReportReceived;
use segnala_shared::{
    db::{self, DatabaseTarget},
    messaging::{
        BatchHandler, Delivered, EmbeddedBus, EventHandlers, HandlerError, InboxConsumer, Outbox,
        Subscription, Transport, inbox, migration, outbox,
    },
};

#[tokio::test]
async fn segnala_up_with_no_configuration_serves_a_report_end_to_end() {
    let up = Embedded::start(&[]).await;
    let banner = &up.banner;
    assert!(banner.contains("embedded"), "{banner}");
    for service in ["intake", "triage", "tracking", "status"] {
        assert!(
            banner.contains(&format!("  {service}")),
            "{service} missing in:\n{banner}"
        );
    }

    let submitted = up
        .run_json(&[
            "report",
            "submit",
            "--json",
            "-d",
            "Lampione spento in corso Buenos Aires",
            "--lat",
            "45.478",
            "--lon",
            "9.21",
        ])
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let code = submitted["tracking_code"]
        .as_str()
        .expect("a tracking code")
        .to_owned();
    let status = eventually("the report is assigned", Duration::from_secs(30), || {
        let (code, up) = (code.clone(), &up);
        async move {
            // "Not found" until status has heard of the report.
            let status = up
                .run_json(&["report", "status", &code, "--json"])
                .await
                .ok()?;
            (status["state"] == "assigned").then_some(status)
        }
    })
    .await;
    assert_eq!(status["department"], "street_lighting");
    assert!(up.dir().join("segnala-data/intake.db").is_file());
    // Triage announced its taxonomy while the services were starting; the in-process
    // bus held it until status listened, so the page names the department.
    let page = format!("{}/r/{code}?lang=en", up.url("STATUS_HTTP"));
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
}

/// A newcomer who adds the city's keys keeps the local admin key `segnala up` made: the
/// local clients read it, so it stays valid beside the configured ones. And the command
/// `report submit` prints to follow a report names the server it was given.
#[tokio::test]
async fn the_local_admin_key_stays_valid_beside_configured_keys() {
    const CITY_APP_KEY: &str = "city-app-key-0123456789";
    let keys = format!("[{{name=\"city-app\",role=\"integrator\",key=\"{CITY_APP_KEY}\"}}]");
    let up = Embedded::start(&[("SEGNALA__AUTH__API_KEYS", &keys)]).await;
    assert!(up.banner.contains("segnala-data/api-key"), "{}", up.banner);

    // The local clients, with the local key read from the data directory.
    let report = [
        "-d",
        "Buca profonda in via Torino",
        "--lat",
        "45.47",
        "--lon",
        "9.2",
    ];
    let by_local_key = up
        .run_json(&[&["report", "submit", "--json"], &report[..]].concat())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(by_local_key["tracking_code"].is_string(), "{by_local_key}");
    up.run(&["ops", "review", "list"])
        .await
        .unwrap_or_else(|e| panic!("the local admin key is refused: {e}"));
    // The configured key, of course.
    up.run(
        &[
            &["report", "submit", "--api-key", CITY_APP_KEY],
            &report[..],
        ]
        .concat(),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    // A wrong key is still refused.
    let refused = up
        .run(
            &[
                &["report", "submit", "--api-key", "not-a-key-of-this-city"],
                &report[..],
            ]
            .concat(),
        )
        .await
        .expect_err("an unknown key");
    assert!(refused.contains("not authenticated"), "{refused}");

    // Given the servers on the command line only, the hint names them.
    let (intake, status) = (up.url("INTAKE"), up.url("STATUS"));
    let output = up
        .command()
        .env_remove("SEGNALA_INTAKE_URL")
        .env_remove("SEGNALA_STATUS_URL")
        .args([
            "report",
            "submit",
            "--intake-url",
            &intake,
            "--status-url",
            &status,
        ])
        .args(report)
        .output()
        .await
        .expect("segnala runs");
    let printed = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{printed}");
    let hint = printed
        .lines()
        .find_map(|line| line.strip_prefix("Follow it with: segnala "))
        .unwrap_or_else(|| panic!("no hint in {printed}"));
    assert!(hint.contains(&format!("--status-url {status}")), "{hint}");
    // The hint runs as printed, without the environment's server URLs.
    let hinted: Vec<&str> = hint.split_whitespace().collect();
    eventually(
        "the hinted command finds the report",
        Duration::from_secs(30),
        || {
            let mut command = up.command();
            command
                .env_remove("SEGNALA_INTAKE_URL")
                .env_remove("SEGNALA_STATUS_URL")
                .args(&hinted);
            async move { command.output().await.ok()?.status.success().then_some(()) }
        },
    )
    .await;
}

struct Counting {
    attempts: Arc<AtomicUsize>,
    failures_left: Arc<AtomicUsize>,
}

#[async_trait]
impl BatchHandler for Counting {
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
        _: &DatabaseTransaction,
        _: &mut (),
        _: Delivered<ReportReceived>,
    ) -> Result<(), HandlerError> {
        self.attempts.fetch_add(1, Ordering::SeqCst);
        let left = self.failures_left.load(Ordering::SeqCst);
        if left > 0 {
            self.failures_left.store(left - 1, Ordering::SeqCst);
            return Err(HandlerError::Transient("the database blinked".into()));
        }
        Ok(())
    }

    async fn flush(&self, _: &DatabaseTransaction, _: ()) -> Result<(), HandlerError> {
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
        let handlers = EventHandlers::batched(handler)
            .on::<ReportReceived>()
            .build();
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

/// `segnala … | head`: a reader that goes away ends a command quietly, without a panic
/// and its backtrace. The pipe's reading end is closed before the command starts, so
/// its first write meets a broken pipe.
#[tokio::test]
async fn commands_stop_quietly_when_their_reader_goes_away() {
    let up = Embedded::start(&[]).await;
    let code = up
        .run_json(&[
            "report",
            "submit",
            "--json",
            "-d",
            "Buca in via Torino",
            "--lat",
            "45.47",
            "--lon",
            "9.2",
        ])
        .await
        .unwrap_or_else(|e| panic!("{e}"))["tracking_code"]
        .as_str()
        .expect("a code")
        .to_owned();
    eventually("status knows the report", Duration::from_secs(30), || {
        let (code, up) = (code.clone(), &up);
        async move { up.run(&["report", "status", &code]).await.ok() }
    })
    .await;
    let history = up.dir().join("history.csv");
    std::fs::write(
        &history,
        "title,detail,dept\nLampione spento,in via Roma,street_lighting\n\
         Buca,in via Torino,roads\nCassonetto pieno,in piazza,waste\n",
    )
    .expect("a CSV");
    let commands: [&[&str]; 7] = [
        &[
            "report",
            "submit",
            "-d",
            "Lampione spento",
            "--lat",
            "45.47",
            "--lon",
            "9.2",
        ],
        &["report", "status", &code],
        &["report", "status", &code, "--json"],
        &["ops", "review", "list"],
        &["ops", "alerts", "list", "--all"],
        &["tracking", "stats"],
        &["triage", "eval", "--csv", history.to_str().expect("a path")],
    ];
    for args in commands {
        let (reader, writer) = std::io::pipe().expect("a pipe");
        drop(reader);
        let output = up
            .command()
            .args(args)
            .stdout(writer)
            .stderr(std::process::Stdio::piped())
            .output()
            .await
            .expect("segnala runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success() && stderr.is_empty(),
            "segnala {args:?} into a closed pipe: {:?}\n{stderr}",
            output.status
        );
    }
}
