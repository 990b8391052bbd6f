//! Test 7: bad input gets INVALID_ARGUMENT or UNAUTHENTICATED with details, and stores
//! nothing.

use segnala::ServiceKind;
use segnala_proto::{
    common::v1::LatLng,
    intake::v1::{CreateReportRequest, Report, intake_service_client::IntakeServiceClient},
};
use segnala_shared::messaging::outbox;
use tonic::Code;
use tonic_types::StatusExt;

use crate::support::{
    RunningPlatform, TestEnv,
    clients::{channel, report_request},
    env::CREW_KEY,
};

fn with(description: &str, latitude: f64, longitude: f64) -> CreateReportRequest {
    CreateReportRequest {
        report: Some(Report {
            description: description.to_owned(),
            location: Some(LatLng {
                latitude,
                longitude,
            }),
            ..Report::default()
        }),
        request_id: uuid::Uuid::new_v4().to_string(),
    }
}

fn violations(status: &tonic::Status) -> Vec<String> {
    status
        .get_details_bad_request()
        .map(|b| b.field_violations.into_iter().map(|v| v.field).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn bad_input_is_refused_with_details_and_stores_nothing() {
    let env = TestEnv::new().await;
    let platform = RunningPlatform::start(&env.settings(), &[ServiceKind::Intake]).await;
    let url = platform.url(ServiceKind::Intake);
    let mut intake =
        IntakeServiceClient::new(channel(&url, Some(crate::support::env::INTEGRATOR_KEY)).await);

    let cases = [
        (with("   ", 45.0, 9.0), vec!["report.description"]),
        (with("Buca", 91.0, 9.0), vec!["report.location.latitude"]),
        // Monza, outside the city's boundary.
        (with("Buca", 45.5845, 9.2744), vec!["report.location"]),
        (
            with("Buca", 45.0, -180.5),
            vec!["report.location.longitude"],
        ),
        (
            with(&"a".repeat(4001), 45.0, 9.0),
            vec!["report.description"],
        ),
        (
            with("", f64::NAN, 200.0),
            vec![
                "report.description",
                "report.location.latitude",
                "report.location.longitude",
            ],
        ),
        (
            CreateReportRequest {
                request_id: "not-a-uuid".into(),
                ..with("Buca", 45.0, 9.0)
            },
            vec!["request_id"],
        ),
        (CreateReportRequest::default(), vec!["report"]),
    ];
    for (request, expected) in cases {
        let status = intake.create_report(request).await.expect_err("refused");
        assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
        assert_eq!(violations(&status), expected, "{status:?}");
        let info = status
            .get_details_error_info()
            .expect("ErrorInfo is always there");
        assert_eq!(info.domain, "intake.segnala");
    }

    // No key, a wrong key, and a role that may not submit.
    let mut anonymous = IntakeServiceClient::new(channel(&url, None).await);
    let status = anonymous
        .create_report(report_request("Buca", &uuid::Uuid::new_v4().to_string()))
        .await
        .expect_err("refused");
    assert_eq!(status.code(), Code::Unauthenticated);
    assert_eq!(
        status.get_details_error_info().map(|i| i.reason),
        Some("CREDENTIAL_MISSING".into())
    );
    let mut wrong =
        IntakeServiceClient::new(channel(&url, Some("not-a-key-of-this-platform")).await);
    let status = wrong
        .create_report(report_request("Buca", &uuid::Uuid::new_v4().to_string()))
        .await
        .expect_err("refused");
    assert_eq!(status.code(), Code::Unauthenticated);
    let mut crew = IntakeServiceClient::new(channel(&url, Some(CREW_KEY)).await);
    let status = crew
        .create_report(report_request("Buca", &uuid::Uuid::new_v4().to_string()))
        .await
        .expect_err("refused");
    assert_eq!(status.code(), Code::PermissionDenied);

    let db = env.service_db(ServiceKind::Intake).await;
    assert_eq!(
        segnala_intake::store::count_reports(&db)
            .await
            .expect("count"),
        0,
        "no report stored"
    );
    assert_eq!(
        outbox::pending(&db).await.expect("count"),
        0,
        "no event queued"
    );
    drop(platform);
    env.cleanup().await;
}
