//! Test 2: the same request id twice makes one report; the same event delivered twice
//! changes nothing.

use std::time::Duration;

use segnala::ServiceKind;
use segnala_proto::{
    status::v1::PublicState,
    tracking::v1::{WorkOrderChanged, WorkOrderState},
};
use segnala_shared::{
    config::SecretString,
    messaging::{Envelope, RabbitMqSettings, RabbitMqTransport, Transport},
};
use tonic_types::StatusExt;

use crate::support::{RunningPlatform, TestEnv, clients::report_request, wait::eventually};

#[tokio::test]
async fn the_same_request_id_twice_makes_one_report() {
    let env = TestEnv::new().await;
    let platform =
        RunningPlatform::start(&env.settings(), &[ServiceKind::Intake, ServiceKind::Status]).await;
    let mut clients = platform.clients().await;
    let request_id = uuid::Uuid::new_v4().to_string();
    let first = clients
        .submit("Buca profonda in via Torino", &request_id)
        .await;
    let second = clients
        .submit("Buca profonda in via Torino", &request_id)
        .await;
    assert_eq!(first, second, "a retry answers with the first report");

    // Concurrent retries too.
    let request_id = uuid::Uuid::new_v4().to_string();
    let mut attempts = Vec::new();
    for _ in 0..8 {
        let mut intake = clients.intake.clone();
        let request = report_request("Rifiuti abbandonati in piazza", &request_id);
        attempts.push(tokio::spawn(async move {
            intake.create_report(request).await.map(|r| r.into_inner())
        }));
    }
    let mut codes = std::collections::HashSet::new();
    for attempt in attempts {
        let response = attempt.await.expect("task").expect("accepted");
        codes.insert(response.report.expect("report").tracking_code);
    }
    assert_eq!(codes.len(), 1, "concurrent retries make one report");

    let intake_db = env.service_db(ServiceKind::Intake).await;
    assert_eq!(
        segnala_intake::store::count_reports(&intake_db)
            .await
            .expect("count"),
        2
    );
    drop(platform);
    env.cleanup().await;
}

/// AIP-155: a request id stands for one request. Sent again with another report, it is
/// refused with ALREADY_EXISTS instead of answered with the first report, and nothing
/// is stored; sent again with the same report, it still answers with the first.
#[tokio::test]
async fn the_same_request_id_with_another_report_is_refused() {
    let env = TestEnv::new().await;
    let platform =
        RunningPlatform::start(&env.settings(), &[ServiceKind::Intake, ServiceKind::Status]).await;
    let mut clients = platform.clients().await;
    let request_id = uuid::Uuid::new_v4().to_string();
    let first = clients
        .submit("Buca profonda in via Torino", &request_id)
        .await;
    let refused = clients
        .intake
        .create_report(report_request("Lampione spento in via Roma", &request_id))
        .await
        .expect_err("another report under the same request id");
    assert_eq!(refused.code(), tonic::Code::AlreadyExists);
    assert!(refused.message().contains(&request_id), "{refused:?}");
    assert_eq!(
        refused
            .get_error_details()
            .error_info()
            .map(|i| i.reason.as_str()),
        Some("REQUEST_ID_REUSED")
    );
    // Only what validation cleans away differs: the same request.
    let again = clients
        .submit("  Buca profonda in via Torino ", &request_id)
        .await;
    assert_eq!(again, first);
    let intake_db = env.service_db(ServiceKind::Intake).await;
    assert_eq!(
        segnala_intake::store::count_reports(&intake_db)
            .await
            .expect("count"),
        1
    );
    drop(platform);
    env.cleanup().await;
}

/// Reports accepted at the same moment are written together: a burst of new reports,
/// each sent twice at once, stores every report once and announces it once.
#[tokio::test]
async fn a_burst_of_reports_sent_twice_stores_and_announces_each_once() {
    const REPORTS: usize = 120;
    let env = TestEnv::new().await;
    let platform =
        RunningPlatform::start(&env.settings(), &[ServiceKind::Intake, ServiceKind::Status]).await;
    let clients = platform.clients().await;
    let mut attempts = tokio::task::JoinSet::new();
    for n in 0..REPORTS {
        let request_id = uuid::Uuid::new_v4().to_string();
        for _ in 0..2 {
            let mut intake = clients.intake.clone();
            let request =
                report_request(&format!("Lampione {n} spento in via Padova"), &request_id);
            let request_id = request_id.clone();
            attempts.spawn(async move {
                let report = intake.create_report(request).await.expect("accepted");
                (
                    request_id,
                    report.into_inner().report.expect("report").tracking_code,
                )
            });
        }
    }
    let mut codes: std::collections::HashMap<String, std::collections::HashSet<String>> =
        std::collections::HashMap::new();
    while let Some(attempt) = attempts.join_next().await {
        let (request_id, code) = attempt.expect("task");
        codes.entry(request_id).or_default().insert(code);
    }
    assert_eq!(codes.len(), REPORTS);
    assert!(
        codes.values().all(|pair| pair.len() == 1),
        "both sends of a request answer with one report"
    );
    let intake_db = env.service_db(ServiceKind::Intake).await;
    assert_eq!(
        segnala_intake::store::count_reports(&intake_db)
            .await
            .expect("count"),
        REPORTS as u64
    );
    // Status hears of each report exactly once.
    let status_db = env.service_db(ServiceKind::Status).await;
    let handled = eventually(
        "every event published and handled by status",
        Duration::from_secs(30),
        || async {
            let unpublished = segnala_shared::messaging::outbox::pending(&intake_db)
                .await
                .expect("outbox");
            let handled = segnala_shared::messaging::inbox::handled_count(&status_db)
                .await
                .expect("inbox");
            (unpublished == 0 && handled >= REPORTS as u64).then_some(handled)
        },
    )
    .await;
    assert_eq!(handled, REPORTS as u64, "one ReportReceived per report");
    drop(platform);
    env.cleanup().await;
}

#[tokio::test]
async fn the_same_event_delivered_twice_changes_nothing() {
    let env = TestEnv::new().await;
    let platform = RunningPlatform::start(&env.settings(), &ServiceKind::ALL).await;
    let mut clients = platform.clients().await;
    let code = clients
        .submit(
            "Semaforo guasto all'incrocio",
            &uuid::Uuid::new_v4().to_string(),
        )
        .await;
    let before = clients
        .wait_for_state(&code, PublicState::Assigned, Duration::from_secs(30))
        .await;
    let order = clients.work_orders_of(&code).await.remove(0);

    // Replay the work order's creation: once with the same message id (the inbox must
    // skip it), once as a new message with the same version (the projection must
    // ignore it), and an older version that would move the status backwards.
    let transport = RabbitMqTransport::connect(RabbitMqSettings {
        url: SecretString::from(env.amqp_url.clone()),
        prefix: env.prefix.clone(),
        prefetch: 1,
        delivery_limit: 20,
    })
    .await
    .expect("connect");
    let replay = WorkOrderChanged {
        work_order: order.name.clone(),
        reports: order.reports.clone(),
        department: order.department.clone(),
        state: WorkOrderState::Queued as i32,
        previous_state: WorkOrderState::Unspecified as i32,
        priority: order.priority,
        change_time: order.create_time,
        version: order.version,
        ..Default::default()
    };
    let envelope = Envelope::new(&replay);
    let stale = Envelope::new(&WorkOrderChanged {
        version: 0,
        state: WorkOrderState::Cancelled as i32,
        ..replay.clone()
    });
    let outcomes = transport
        .publish(&[
            envelope.clone(),
            envelope.clone(),
            Envelope::new(&replay),
            stale,
        ])
        .await;
    assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}");

    // A sentinel report behind them: once it is assigned, status has handled the replays.
    let sentinel = clients
        .submit(
            "Lampione spento in via Verdi",
            &uuid::Uuid::new_v4().to_string(),
        )
        .await;
    clients
        .wait_for_state(&sentinel, PublicState::Assigned, Duration::from_secs(30))
        .await;
    let after = clients.status(&code).await.expect("still there");
    assert_eq!(after.state, before.state);
    assert_eq!(
        after.timeline.len(),
        before.timeline.len(),
        "no timeline entry was added"
    );
    assert_eq!(clients.work_orders_of(&code).await.len(), 1);
    drop(platform);
    env.cleanup().await;
}
