//! Test 1: a report created over gRPC reaches status with the right department and a
//! work order — all services in one process, then each service as its own process.

use std::time::Duration;

use segnala::ServiceKind;
use segnala_proto::{status::v1::PublicState, tracking::v1::WorkOrderState};

use crate::support::{Clients, RunningPlatform, TestEnv, processes::Processes};

const FLOW_TIMEOUT: Duration = Duration::from_secs(30);

/// Submits a street-lighting report and follows it to status and tracking.
async fn assert_report_flows(clients: &mut Clients) {
    let code = clients
        .submit(
            "Il lampione davanti al civico 12 è spento da tre notti",
            &uuid::Uuid::new_v4().to_string(),
        )
        .await;
    let status = clients
        .wait_until(
            &code,
            "is assigned with its three steps, the department by name",
            FLOW_TIMEOUT,
            // Triage's taxonomy announcement may reach status after the report does.
            |s| {
                s.state == PublicState::Assigned as i32
                    && s.timeline.len() >= 3
                    && !s
                        .timeline
                        .iter()
                        .any(|e| e.message.contains("street_lighting"))
            },
        )
        .await;
    assert_eq!(status.department, "street_lighting");
    assert_eq!(status.tracking_code, code);
    let steps: Vec<&str> = status.timeline.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(
        steps,
        [
            "Report received",
            "Sent to the Street lighting department",
            "In the department's work queue"
        ]
    );

    let orders = clients.work_orders_of(&code).await;
    assert_eq!(orders.len(), 1, "one work order for the report");
    assert_eq!(orders[0].department, "street_lighting");
    assert_eq!(orders[0].state, WorkOrderState::Queued as i32);
    assert_eq!(orders[0].reports, [format!("reports/{code}")]);
}

#[tokio::test]
async fn a_report_reaches_status_with_its_department_and_a_work_order_in_one_process() {
    let env = TestEnv::new().await;
    let platform = RunningPlatform::start(&env.settings(), &ServiceKind::ALL).await;
    let mut clients = platform.clients().await;
    assert_report_flows(&mut clients).await;
    drop(platform);
    env.cleanup().await;
}

#[tokio::test]
async fn a_report_flows_through_four_separate_processes() {
    let env = TestEnv::new().await;
    let processes = Processes::start(&env).await;
    let mut clients = Clients::connect(
        &processes.url(ServiceKind::Intake),
        &processes.url(ServiceKind::Status),
        Some(&processes.url(ServiceKind::Tracking)),
    )
    .await;
    assert_report_flows(&mut clients).await;
    processes.stop().await;
    env.cleanup().await;
}

/// The first reports after a start must not wait while connections open: each service's
/// pool holds all its connections (`database.max_connections`, 5 here) once it starts.
#[tokio::test]
async fn each_service_opens_its_database_connections_at_start() {
    use sea_orm::{ConnectionTrait, Database, Statement};

    let env = TestEnv::new().await;
    let platform = RunningPlatform::start(&env.settings(), &ServiceKind::ALL).await;
    let observer = Database::connect(&env.database_url).await.unwrap();
    let open = observer
        .query_one_raw(Statement::from_sql_and_values(
            observer.get_database_backend(),
            "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            [env.database_name.clone().into()],
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<i64>(0)
        .unwrap();
    assert_eq!(open, 4 * 5, "four services, five connections each");
    observer.close().await.ok();
    drop(platform);
    env.cleanup().await;
}
