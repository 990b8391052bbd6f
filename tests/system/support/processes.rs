//! Each service as its own `segnala serve` process, on the test's PostgreSQL database
//! and RabbitMQ prefix, as docker-compose and Kubernetes run them.

use std::{process::Stdio, time::Duration};

use segnala::ServiceKind;
use tokio::process::{Child, Command};
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};

use super::{TestEnv, eventually};

pub struct ServiceProcess {
    pub child: Child,
    pub url: String,
}

/// Starts `segnala serve KIND` on a free port; killed when dropped.
pub async fn spawn_service(env: &TestEnv, kind: ServiceKind) -> ServiceProcess {
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

/// The four services, each its own process, once each reports SERVING.
pub struct Processes(Vec<(ServiceKind, ServiceProcess)>);

impl Processes {
    pub async fn start(env: &TestEnv) -> Self {
        let mut processes = Vec::new();
        for kind in ServiceKind::ALL {
            processes.push((kind, spawn_service(env, kind).await));
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
        Self(processes)
    }

    pub fn url(&self, kind: ServiceKind) -> String {
        self.0
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, p)| p.url.clone())
            .unwrap_or_default()
    }

    pub async fn stop(self) {
        for (_, mut process) in self.0 {
            let _ = process.child.kill().await;
        }
    }
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
