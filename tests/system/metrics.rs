//! What an operations team scrapes: every service's Prometheus metrics on the process's
//! metrics port (never on the public site), moving as a report goes through.

use std::time::Duration;

use segnala::ServiceKind;
use segnala_proto::status::v1::PublicState;

use crate::support::{RunningPlatform, TestEnv, clients::report_request, eventually};

const TIMEOUT: Duration = Duration::from_secs(30);

#[tokio::test]
async fn metrics_count_reports_decisions_deliveries_and_calls_by_outcome() {
    let env = TestEnv::new().await;
    let platform = RunningPlatform::start(&env.settings(), &ServiceKind::ALL).await;
    let mut clients = platform.clients().await;
    let http = segnala_shared::delivery::http_client(TIMEOUT).expect("an HTTP client");
    let metrics_url = format!(
        "http://{}/metrics",
        platform.metrics_address.expect("a metrics port")
    );

    let code = clients
        .submit(
            "Il lampione di via Roma 3 è spento",
            &uuid::Uuid::new_v4().to_string(),
        )
        .await;
    clients
        .wait_for_state(&code, PublicState::Assigned, TIMEOUT)
        .await;
    // A refused call counts under its code.
    let refused = clients
        .intake
        .create_report(report_request("", &uuid::Uuid::new_v4().to_string()))
        .await
        .expect_err("an empty report is refused");
    assert_eq!(refused.code(), tonic::Code::InvalidArgument);

    let wanted = [
        r#"segnala_reports_accepted_total{channel="api"} 1"#,
        r#"segnala_triage_decisions_total{outcome="routed",method="#,
        r#"segnala_grpc_requests_total{method="/segnala.intake.v1.IntakeService/CreateReport",code="Ok"} 1"#,
        r#"segnala_grpc_requests_total{method="/segnala.intake.v1.IntakeService/CreateReport",code="InvalidArgument"} 1"#,
        r#"segnala_consumer_deliveries_total{consumer="triage",event="segnala.intake.v1.ReportReceived"} 1"#,
        r#"segnala_consumer_deliveries_total{consumer="tracking",event="segnala.triage.v1.ReportRouted"} 1"#,
        r#"segnala_consumer_batch_duration_seconds_bucket{consumer="status","#,
        r#"segnala_grpc_request_duration_seconds_bucket{method="/segnala.intake.v1.IntakeService/CreateReport","#,
        r#"segnala_outbox_pending{service="intake"}"#,
        r#"segnala_ready{service="triage"} 1"#,
        r#"segnala_outbox_oldest_age_seconds{service="tracking"}"#,
        "# HELP segnala_reports_accepted_total Reports intake accepted, by channel.",
        "# TYPE segnala_grpc_request_duration_seconds histogram",
    ];
    let text = eventually("the metrics show the report", TIMEOUT, || async {
        let response = http.get(&metrics_url).send().await.ok()?;
        assert_eq!(
            response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some("text/plain; version=0.0.4; charset=utf-8")
        );
        let text = response.text().await.ok()?;
        wanted
            .iter()
            .all(|series| text.contains(series))
            .then_some(text)
    })
    .await;
    // A tracking code never becomes a label: series stay few whatever the traffic.
    assert!(!text.contains(&code), "{text}");

    let public = http
        .get(format!(
            "{}/metrics",
            platform.http_url(ServiceKind::Status)
        ))
        .send()
        .await
        .expect("the public site answers");
    assert_eq!(public.status(), reqwest::StatusCode::NOT_FOUND);
    let after = http
        .get(&metrics_url)
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(
        after.contains(
            r#"segnala_http_requests_total{route="unmatched",method="GET",status="404"} 1"#
        ),
        "{after}"
    );

    drop(platform);
    env.cleanup().await;
}
