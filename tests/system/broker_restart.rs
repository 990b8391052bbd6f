//! Test 4: RabbitMQ restarted while 500 reports stream in; afterwards every one of them
//! is in status, exactly once. The test runs its own broker node so that the restart
//! disturbs no other test.

use std::{collections::HashSet, sync::Arc, time::Duration};

use segnala::ServiceKind;
use segnala_proto::status::v1::PublicState;
use tokio::sync::Mutex;

use crate::support::{
    RunningPlatform, TestEnv,
    broker::OwnBroker,
    clients::{distinct_place, report_request},
    eventually,
};

const REPORTS: usize = 500;
const SUBMITTERS: usize = 10;

#[tokio::test]
async fn every_report_arrives_once_across_a_broker_restart() {
    let broker = OwnBroker::start().await;
    let env = TestEnv::with_broker(broker.url()).await;
    let platform = RunningPlatform::start(&env.settings(), &ServiceKind::ALL).await;
    let clients = platform.clients().await;

    let codes = Arc::new(Mutex::new(Vec::with_capacity(REPORTS)));
    let descriptions = [
        "Lampione spento",
        "Buca in strada",
        "Cassonetto pieno",
        "Graffiti sul muro",
        "Perdita d'acqua",
    ];
    let mut submitters = Vec::new();
    for worker in 0..SUBMITTERS {
        let mut intake = clients.intake.clone();
        let codes = codes.clone();
        submitters.push(tokio::spawn(async move {
            for i in (worker..REPORTS).step_by(SUBMITTERS) {
                let mut request = report_request(
                    &format!("{} n. {i}", descriptions[i % descriptions.len()]),
                    &uuid::Uuid::new_v4().to_string(),
                );
                // Each somewhere else: duplicates would share a work order.
                if let Some(report) = request.report.as_mut() {
                    report.location = Some(distinct_place(i));
                }
                // Intake keeps accepting while the broker is away: events wait in its outbox.
                let response = intake
                    .create_report(request)
                    .await
                    .expect("accepted during the restart");
                codes
                    .lock()
                    .await
                    .push(response.into_inner().report.expect("report").tracking_code);
            }
        }));
    }

    eventually(
        "a third of the reports are in",
        Duration::from_secs(60),
        || {
            let codes = codes.clone();
            async move { (codes.lock().await.len() >= REPORTS / 3).then_some(()) }
        },
    )
    .await;
    broker.restart().await;
    for submitter in submitters {
        submitter.await.expect("every submission succeeded");
    }
    let codes = codes.lock().await.clone();
    assert_eq!(codes.len(), REPORTS);
    assert_eq!(
        codes.iter().collect::<HashSet<_>>().len(),
        REPORTS,
        "every tracking code is unique"
    );

    let intake_db = env.service_db(ServiceKind::Intake).await;
    let status_db = env.service_db(ServiceKind::Status).await;
    let tracking_db = env.service_db(ServiceKind::Tracking).await;
    eventually(
        "status knows every report",
        Duration::from_secs(120),
        || {
            let status_db = &status_db;
            async move {
                (segnala_status::store::count_statuses(status_db)
                    .await
                    .ok()?
                    == REPORTS as u64)
                    .then_some(())
            }
        },
    )
    .await;

    // Exactly once: one report, one work order, one status, each assigned.
    assert_eq!(
        segnala_intake::store::count_reports(&intake_db)
            .await
            .expect("count"),
        REPORTS as u64
    );
    let mut assigned = 0;
    for code in &codes {
        // Redeliveries after the restart may reorder events: wait for all three steps.
        let status = clients
            .wait_until(
                code,
                "is assigned with its three steps",
                Duration::from_secs(60),
                |s| s.state == PublicState::Assigned as i32 && s.timeline.len() >= 3,
            )
            .await;
        assert_eq!(
            status.timeline.len(),
            3,
            "{code}: one entry per step, no duplicates"
        );
        assigned += 1;
    }
    assert_eq!(assigned, REPORTS);
    assert_eq!(
        segnala_tracking::store::count_work_orders(&tracking_db)
            .await
            .expect("count"),
        REPORTS as u64
    );
    println!(
        "{REPORTS} reports submitted across a broker restart: {assigned} assigned in status, each once"
    );
    drop(platform);
    env.cleanup().await;
}
