//! Two replicas of every service on one PostgreSQL and one RabbitMQ, as a city runs them
//! behind Kubernetes. Reports of the same lamp arrive at the same instant through both
//! intakes, so that the two triage replicas place them at once: each lamp is still one
//! incident with one work order, and every accepted report is decided, tracked and shown
//! exactly once.

use std::time::Duration;

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use segnala::ServiceKind;

use crate::support::{
    Clients, RunningPlatform, TestEnv,
    clients::{distinct_place, report_request},
    eventually,
};

/// Lamps reported once, and lamps reported three times at once: 60 of the 200 reports
/// (30%) are duplicates.
const SINGLE_LAMPS: usize = 110;
const REPEATED_LAMPS: usize = 30;
const REPORTS_PER_REPEATED_LAMP: usize = 3;
const LAMPS: usize = SINGLE_LAMPS + REPEATED_LAMPS;
const REPORTS: usize = SINGLE_LAMPS + REPEATED_LAMPS * REPORTS_PER_REPEATED_LAMP;
const SUBMITTERS: usize = 10;

#[tokio::test]
async fn two_replicas_of_every_service_make_one_incident_per_lamp_and_lose_nothing() {
    let env = TestEnv::new().await;
    let first = RunningPlatform::start(&env.settings(), &ServiceKind::ALL).await;
    // Started once the first has migrated the schemas, as a rolling deployment would.
    let second = RunningPlatform::start(&env.settings(), &ServiceKind::ALL).await;
    let replicas = [first.clients().await, second.clients().await];

    let mut submitters = Vec::new();
    for worker in 0..SUBMITTERS {
        let replicas = replicas.clone();
        submitters.push(tokio::spawn(async move {
            let mut codes = Vec::new();
            for lamp in (worker..LAMPS).step_by(SUBMITTERS) {
                codes.extend(report_lamp(&replicas, lamp).await);
            }
            codes
        }));
    }
    let mut codes = Vec::with_capacity(REPORTS);
    for submitter in submitters {
        codes.extend(submitter.await.expect("submitter"));
    }
    assert_eq!(codes.len(), REPORTS, "every report accepted");

    let triage = env.service_db(ServiceKind::Triage).await;
    let tracking = env.service_db(ServiceKind::Tracking).await;
    let status = env.service_db(ServiceKind::Status).await;
    eventually(
        "every report decided, tracked and shown",
        Duration::from_secs(90),
        || async {
            let decided = count(&triage, "SELECT count(*) FROM decisions").await;
            let tracked = count(&tracking, "SELECT count(*) FROM work_order_reports").await;
            let shown = count(
                &status,
                "SELECT count(*) FROM report_statuses WHERE state <> 'received'",
            )
            .await;
            (decided == REPORTS && tracked == REPORTS && shown == REPORTS).then_some(())
        },
    )
    .await;

    assert_eq!(
        count(
            &triage,
            "SELECT count(DISTINCT tracking_code) FROM decisions"
        )
        .await,
        REPORTS,
        "no report decided twice"
    );
    assert_eq!(
        count(
            &triage,
            "SELECT count(*) FROM incidents WHERE merged_into = ''"
        )
        .await,
        LAMPS,
        "one incident per lamp"
    );
    assert_eq!(
        count(&tracking, "SELECT count(*) FROM work_orders").await,
        LAMPS,
        "one work order per lamp"
    );
    assert_eq!(
        count(
            &tracking,
            "SELECT count(DISTINCT report) FROM work_order_reports"
        )
        .await,
        REPORTS,
        "each report in one work order"
    );
    assert_eq!(
        count(&status, "SELECT count(*) FROM report_statuses").await,
        REPORTS,
        "each report shown once"
    );

    drop((first, second));
    env.cleanup().await;
}

/// Reports `lamp`: once, or three times at the same instant through alternate intakes.
async fn report_lamp(replicas: &[Clients; 2], lamp: usize) -> Vec<String> {
    let times = if lamp < REPEATED_LAMPS {
        REPORTS_PER_REPEATED_LAMP
    } else {
        1
    };
    let reports = (0..times).map(|i| {
        let mut clients = replicas[(lamp + i) % 2].clone();
        async move {
            let mut request = report_request(
                &format!("Il lampione n. {lamp} è spento"),
                &uuid::Uuid::new_v4().to_string(),
            );
            if let Some(report) = request.report.as_mut() {
                report.location = Some(distinct_place(lamp));
            }
            clients.submit_request(request).await
        }
    });
    futures_util::future::join_all(reports).await
}

async fn count(db: &DatabaseConnection, sql: &str) -> usize {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect("count")
        .expect("a row");
    let n: i64 = row.try_get_by_index(0).expect("a number");
    usize::try_from(n).expect("a count")
}
