//! The gRPC surface as integrators' own clients meet it: reflection in both protocol
//! versions (grpcurl speaks v1, PyPI's grpcio-reflection v1alpha) listing only what
//! each port serves, and the bearer scheme read in any case.

use std::collections::BTreeSet;

use futures_util::StreamExt;
use segnala::ServiceKind;
use segnala_proto::intake::v1::intake_service_client::IntakeServiceClient;
use serde_json::Value;
use tonic::{metadata::MetadataValue, transport::Channel};
use tonic_reflection::pb::v1::{
    ServerReflectionRequest, server_reflection_client::ServerReflectionClient,
    server_reflection_request::MessageRequest, server_reflection_response::MessageResponse,
};

use crate::support::{
    RunningPlatform, TestEnv, clients::report_request, env::INTEGRATOR_KEY,
    python::python_with_clients,
};

/// What every port serves besides its own services.
const SHARED: [&str; 3] = [
    "grpc.health.v1.Health",
    "grpc.reflection.v1.ServerReflection",
    "grpc.reflection.v1alpha.ServerReflection",
];

/// The services each port serves, as reflection should list them.
fn expected(kind: ServiceKind) -> BTreeSet<String> {
    let own: &[&str] = match kind {
        ServiceKind::Intake => &[
            "segnala.intake.v1.IntakeService",
            "segnala.intake.v1.ReporterDataService",
        ],
        ServiceKind::Triage => &["segnala.triage.v1.TriageService"],
        ServiceKind::Tracking => &[
            "segnala.tracking.v1.TrackingService",
            "segnala.tracking.v1.WorkQueueService",
        ],
        ServiceKind::Status => &["segnala.status.v1.StatusService"],
    };
    own.iter().chain(&SHARED).map(|s| (*s).to_owned()).collect()
}

async fn connect(url: &str) -> Channel {
    tonic::transport::Endpoint::from_shared(url.to_owned())
        .expect("a URL")
        .connect()
        .await
        .expect("connect")
}

/// The services a port lists over reflection v1.
async fn listed_v1(url: &str) -> BTreeSet<String> {
    let mut client = ServerReflectionClient::new(connect(url).await);
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut answers = client
        .server_reflection_info(futures_util::stream::iter([request]))
        .await
        .expect("reflection v1 answers")
        .into_inner();
    let answer = answers
        .next()
        .await
        .expect("one answer")
        .expect("not an error");
    match answer.message_response {
        Some(MessageResponse::ListServicesResponse(list)) => {
            list.service.into_iter().map(|s| s.name).collect()
        }
        other => panic!("not a service list: {other:?}"),
    }
}

#[tokio::test]
async fn reflection_v1_and_v1alpha_list_what_each_port_serves() {
    let python = python_with_clients();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/system/grpc_clients/reflect.py"
    );
    let env = TestEnv::new().await;
    let platform = RunningPlatform::start(&env.settings(), &ServiceKind::ALL).await;
    for kind in ServiceKind::ALL {
        let url = platform.url(kind);
        assert_eq!(listed_v1(&url).await, expected(kind), "{kind}, v1");

        // grpcio-reflection resolves each service's methods from the descriptors.
        let output = tokio::process::Command::new(&python)
            .arg(script)
            .arg(platform.addresses[kind.name()].to_string())
            .output()
            .await
            .expect("the script runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "grpcio-reflection failed on {kind}:\n{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let seen: Value = serde_json::from_str(&stdout).expect("the script prints JSON");
        let services = seen["services"].as_object().expect("services");
        let names: BTreeSet<String> = services.keys().cloned().collect();
        assert_eq!(names, expected(kind), "{kind}, v1alpha");
        let methods = |service: &str| -> Vec<&str> {
            services[service]
                .as_array()
                .expect("methods")
                .iter()
                .filter_map(Value::as_str)
                .collect()
        };
        match kind {
            ServiceKind::Intake => assert!(
                methods("segnala.intake.v1.IntakeService").contains(&"CreateReport"),
                "{seen}"
            ),
            ServiceKind::Tracking => assert!(
                methods("segnala.tracking.v1.WorkQueueService").contains(&"ClaimNext"),
                "{seen}"
            ),
            ServiceKind::Triage | ServiceKind::Status => {}
        }
        assert_eq!(methods("grpc.health.v1.Health"), ["Check", "Watch"]);
    }
    drop(platform);
    env.cleanup().await;
}

#[tokio::test]
async fn the_bearer_scheme_may_be_written_in_any_case() {
    let env = TestEnv::new().await;
    let platform =
        RunningPlatform::start(&env.settings(), &[ServiceKind::Intake, ServiceKind::Triage]).await;
    let channel = connect(&platform.url(ServiceKind::Intake)).await;
    for scheme in ["bearer", "BEARER", "Bearer"] {
        let value = MetadataValue::try_from(format!("{scheme} {INTEGRATOR_KEY}")).expect("ASCII");
        let mut intake = IntakeServiceClient::with_interceptor(
            channel.clone(),
            move |mut request: tonic::Request<()>| {
                request
                    .metadata_mut()
                    .insert("authorization", value.clone());
                Ok(request)
            },
        );
        let created = intake
            .create_report(report_request(
                "Lampione spento in via Dante",
                &uuid::Uuid::new_v4().to_string(),
            ))
            .await;
        assert!(created.is_ok(), "`{scheme}` refused: {created:?}");
    }
    drop(platform);
    env.cleanup().await;
}
