//! Test 1: a report created over gRPC reaches status with the right department and a
//! work order — all services in one process, then each service as its own process.

use std::{process::Stdio, time::Duration};

use segnala::ServiceKind;
use segnala_proto::{status::v1::PublicState, tracking::v1::WorkOrderState};
use tokio::process::{Child, Command};
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};

use crate::support::{Clients, RunningPlatform, TestEnv, eventually};

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
            "is assigned with its three steps",
            FLOW_TIMEOUT,
            |s| s.state == PublicState::Assigned as i32 && s.timeline.len() >= 3,
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

struct ServiceProcess {
    child: Child,
    url: String,
}

async fn spawn_service(env: &TestEnv, kind: ServiceKind) -> ServiceProcess {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let mut command = Command::new(env!("CARGO_BIN_EXE_segnala"));
    command
        .args(["serve", kind.name()])
        .envs(env.environment())
        .env(
            format!("SEGNALA__LISTEN__{}_PORT", kind.name().to_uppercase()),
            port.to_string(),
        )
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .kill_on_drop(true);
    let child = command.spawn().expect("the segnala binary starts");
    ServiceProcess {
        child,
        url: format!("http://127.0.0.1:{port}"),
    }
}

#[tokio::test]
async fn a_report_flows_through_four_separate_processes() {
    let env = TestEnv::new().await;
    let mut processes = Vec::new();
    for kind in ServiceKind::ALL {
        processes.push((kind, spawn_service(&env, kind).await));
    }
    for (kind, process) in &mut processes {
        let url = process.url.clone();
        eventually(
            &format!("{kind} reports SERVING"),
            Duration::from_secs(60),
            || {
                let url = url.clone();
                async move { serving(&url).await.then_some(()) }
            },
        )
        .await;
        assert!(
            process.child.try_wait().ok().flatten().is_none(),
            "{kind} exited early"
        );
    }
    let url = |kind: ServiceKind| {
        processes
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, p)| p.url.clone())
            .unwrap_or_default()
    };
    let mut clients = Clients::connect(
        &url(ServiceKind::Intake),
        &url(ServiceKind::Status),
        Some(&url(ServiceKind::Tracking)),
    )
    .await;
    assert_report_flows(&mut clients).await;
    for (_, mut process) in processes {
        let _ = process.child.kill().await;
    }
    env.cleanup().await;
}

/// Whether the server answers its health check with SERVING: it has migrated its
/// database and declared its queues.
async fn serving(url: &str) -> bool {
    let Ok(endpoint) = tonic::transport::Endpoint::from_shared(url.to_owned()) else {
        return false;
    };
    let Ok(channel) = endpoint.connect().await else {
        return false;
    };
    HealthClient::new(channel)
        .check(HealthCheckRequest::default())
        .await
        .is_ok_and(|r| r.into_inner().status() == ServingStatus::Serving)
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
