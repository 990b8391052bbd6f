//! Health tells the truth: while the broker is gone every service says it is not ready
//! (Kubernetes stops sending it calls) but stays alive (it is not restarted), and each
//! is ready again by itself once the broker is back.

use std::time::Duration;

use segnala::ServiceKind;
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};

use crate::support::{RunningPlatform, TestEnv, broker::OwnBroker, eventually};

const SERVICES: [(ServiceKind, &str); 4] = [
    (ServiceKind::Intake, "segnala.intake.v1.IntakeService"),
    (ServiceKind::Triage, "segnala.triage.v1.TriageService"),
    (ServiceKind::Tracking, "segnala.tracking.v1.TrackingService"),
    (ServiceKind::Status, "segnala.status.v1.StatusService"),
];

#[tokio::test]
async fn readiness_follows_the_broker_and_liveness_stays() {
    let broker = OwnBroker::start().await;
    let env = TestEnv::with_broker(broker.url()).await;
    let platform = RunningPlatform::start(&env.settings(), &ServiceKind::ALL).await;

    wait_for_all(&platform, ServingStatus::Serving, "ready at start").await;
    broker.stop_app();
    wait_for_all(
        &platform,
        ServingStatus::NotServing,
        "not ready without the broker",
    )
    .await;
    for (kind, _) in SERVICES {
        assert_eq!(
            health(&platform, kind, "").await,
            Some(ServingStatus::Serving),
            "{kind} is still alive"
        );
    }
    broker.start_app().await;
    wait_for_all(
        &platform,
        ServingStatus::Serving,
        "ready again with the broker back",
    )
    .await;

    drop(platform);
    env.cleanup().await;
}

async fn wait_for_all(platform: &RunningPlatform, wanted: ServingStatus, what: &str) {
    for (kind, service) in SERVICES {
        eventually(
            &format!("{kind}: {what}"),
            Duration::from_secs(60),
            || async { (health(platform, kind, service).await == Some(wanted)).then_some(()) },
        )
        .await;
    }
}

async fn health(
    platform: &RunningPlatform,
    kind: ServiceKind,
    service: &str,
) -> Option<ServingStatus> {
    let channel = tonic::transport::Endpoint::from_shared(platform.url(kind))
        .ok()?
        .connect()
        .await
        .ok()?;
    let answer = HealthClient::new(channel)
        .check(HealthCheckRequest {
            service: service.to_owned(),
        })
        .await
        .ok()?;
    Some(answer.into_inner().status())
}
