//! Test 5: one trace id covers intake → triage → tracking → status, carried in gRPC
//! metadata and AMQP headers.

use std::time::Duration;

use opentelemetry_sdk::trace::InMemorySpanExporter;
use segnala::ServiceKind;
use segnala_proto::status::v1::PublicState;
use segnala_shared::telemetry::{self, TelemetrySettings};

use crate::support::{RunningPlatform, TestEnv};

#[tokio::test]
async fn one_trace_covers_the_report_across_all_four_services() {
    let exporter = InMemorySpanExporter::default();
    let telemetry = telemetry::init_with_exporter(
        exporter.clone(),
        "segnala-test",
        &TelemetrySettings::default(),
    )
    .expect("telemetry installs once in this process");
    let env = TestEnv::new().await;
    let platform = RunningPlatform::start(&env.settings(), &ServiceKind::ALL).await;
    let mut clients = platform.clients().await;
    let code = clients
        .submit(
            "Cassonetti stracolmi in via Dante",
            &uuid::Uuid::new_v4().to_string(),
        )
        .await;
    clients
        .wait_for_state(&code, PublicState::Assigned, Duration::from_secs(30))
        .await;
    telemetry.flush();

    let spans = exporter.get_finished_spans().expect("spans");
    let create = spans
        .iter()
        .find(|s| s.name == "/segnala.intake.v1.IntakeService/CreateReport")
        .expect("a span for the CreateReport call");
    let trace_id = create.span_context.trace_id();
    let in_trace: Vec<&str> = spans
        .iter()
        .filter(|s| s.span_context.trace_id() == trace_id)
        .map(|s| s.name.as_ref())
        .collect();
    for step in [
        "triage segnala.intake.v1.ReportReceived",
        "tracking segnala.triage.v1.ReportRouted",
        "status segnala.intake.v1.ReportReceived",
        "status segnala.triage.v1.ReportRouted",
        "status segnala.tracking.v1.WorkOrderChanged",
    ] {
        assert!(
            in_trace.contains(&step),
            "`{step}` is not in the report's trace; the trace has {in_trace:?}"
        );
    }
    drop(platform);
    env.cleanup().await;
}
