//! A short run of `segnala bench` against the platform on PostgreSQL and RabbitMQ: the
//! harness works and nothing it sends is lost. Its speed is not checked here; that is
//! what the harness itself is for (docs/performance.md).

use std::time::Duration;

use segnala::{
    ServiceKind,
    cli::bench::{self, Plan, Stop, Target, Via},
};
use segnala_shared::config::SecretString;

use crate::support::{RunningPlatform, TestEnv, env::OPERATOR_KEY};

const REPORTS: u64 = 200;

#[tokio::test]
async fn a_short_bench_run_follows_every_report_to_its_public_status() {
    let env = TestEnv::new().await;
    let platform = RunningPlatform::start(&env.settings(), &ServiceKind::ALL).await;
    let target = Target {
        intake_url: platform.url(ServiceKind::Intake),
        triage_url: Some(platform.url(ServiceKind::Triage)),
        tracking_url: Some(platform.url(ServiceKind::Tracking)),
        status_url: platform.url(ServiceKind::Status),
        open311_url: None,
        api_key: Some(SecretString::from(OPERATOR_KEY)),
        ca_cert: None,
    };
    let plan = Plan {
        via: Via::Grpc,
        rate: Some(400.0),
        stop: Stop::After(REPORTS),
        concurrency: 16,
        drain: Duration::from_secs(60),
        follow_every: 5,
        seed: 42,
        // Some citizens report what another just did: they must join its incident,
        // and still count as settled.
        duplicates: 0.3,
        intake_only: false,
    };
    // A warm-up first: its reports settle before the measured run and are not counted
    // in it.
    let warmed = bench::warm_up(&target, &plan, Duration::from_millis(300), false)
        .await
        .unwrap_or_else(|e| panic!("the warm-up ran: {e}"));
    assert!(warmed > 0, "the warm-up sent reports");
    let report = bench::drive(&target, &plan, false)
        .await
        .unwrap_or_else(|e| panic!("the bench ran: {e}"));
    println!("{}", bench::describe(&report));

    assert_eq!(report.sent, REPORTS);
    assert_eq!(
        report.accepted, REPORTS,
        "first refusal: {:?}",
        report.first_error
    );
    assert_eq!(
        report.lost, 0,
        "never shown in public: {:?}",
        report.lost_codes
    );
    assert_eq!(
        report.final_states.values().sum::<u64>(),
        REPORTS,
        "every report settled once: {:?}",
        report.final_states
    );
    assert_eq!(report.settled, REPORTS);
    assert!(
        report.merged >= REPORTS / 5,
        "repeated problems joined incidents: {} of {REPORTS}",
        report.merged
    );
    let stage = |name: &str| report.stages[name].count;
    assert_eq!(stage("1 intake accepted"), REPORTS);
    assert_eq!(
        stage("4 status visible"),
        REPORTS / 5,
        "one in five followed"
    );
    assert!(stage("2 routed") > 0, "triage's decisions were read");
    drop(platform);
    env.cleanup().await;
}

/// Intake measured alone, over Open311 as a citizen's app sends: the run checks that
/// intake stored every report it accepted, with no other service following them.
#[tokio::test]
async fn an_intake_only_run_finds_every_accepted_report_stored() {
    let env = TestEnv::new().await;
    // Open311 reads the service list from triage; nothing follows the reports further.
    let platform =
        RunningPlatform::start(&env.settings(), &[ServiceKind::Intake, ServiceKind::Triage]).await;
    let target = Target {
        intake_url: platform.url(ServiceKind::Intake),
        triage_url: None,
        tracking_url: None,
        // Not called in an intake-only run.
        status_url: String::new(),
        open311_url: Some(platform.http_url(ServiceKind::Intake)),
        api_key: Some(SecretString::from(OPERATOR_KEY)),
        ca_cert: None,
    };
    let plan = Plan {
        via: Via::Open311,
        rate: None,
        stop: Stop::After(REPORTS),
        concurrency: 16,
        drain: Duration::from_secs(60),
        follow_every: 1,
        seed: 7,
        duplicates: 0.0,
        intake_only: true,
    };
    let report = bench::drive(&target, &plan, false)
        .await
        .unwrap_or_else(|e| panic!("the bench ran: {e}"));
    println!("{}", bench::describe(&report));

    assert_eq!(
        report.accepted, REPORTS,
        "first refusal: {:?}",
        report.first_error
    );
    assert_eq!(report.lost, 0, "not stored: {:?}", report.lost_codes);
    assert_eq!(report.settled, REPORTS, "every accepted report found once");
    assert_eq!(report.stages["1 intake accepted"].count, REPORTS);
    drop(platform);
    env.cleanup().await;
}
