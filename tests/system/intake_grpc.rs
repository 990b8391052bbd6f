//! Intake's gRPC API as apps and operators use it: photos sent with a report (as links
//! or as the image itself, kept without its metadata), and the operators' paged, filtered list of reports.

use std::collections::HashSet;

use segnala::ServiceKind;
use segnala_proto::{
    common::v1::Channel,
    intake::v1::{
        CreateReportRequest, ListReportsRequest, Media, intake_service_client::IntakeServiceClient,
        media::Source,
    },
};
use tonic::Code;

use crate::support::{
    RunningPlatform, TestEnv,
    clients::{channel, report_request},
    env::OPERATOR_KEY,
    photos,
};

const SERVICES: [ServiceKind; 3] = [
    ServiceKind::Intake,
    ServiceKind::Triage,
    ServiceKind::Status,
];

fn with_media(description: &str, media: Vec<Source>) -> CreateReportRequest {
    let mut request = report_request(description, &uuid::Uuid::new_v4().to_string());
    if let Some(report) = request.report.as_mut() {
        report.media = media
            .into_iter()
            .map(|source| Media {
                source: Some(source),
            })
            .collect();
    }
    request
}

async fn listed(
    operator: &mut IntakeServiceClient<crate::support::clients::Intercepted>,
    request: ListReportsRequest,
) -> (Vec<String>, String) {
    let page = operator
        .list_reports(request)
        .await
        .expect("ListReports")
        .into_inner();
    (
        page.reports.into_iter().map(|r| r.tracking_code).collect(),
        page.next_page_token,
    )
}

#[tokio::test]
async fn photos_come_as_links_or_images_and_bad_ones_change_nothing() {
    let env = TestEnv::new().await;
    let platform = RunningPlatform::start(&env.settings(), &SERVICES).await;
    let mut clients = platform.clients().await;
    let mut operator = IntakeServiceClient::new(
        channel(&platform.url(ServiceKind::Intake), Some(OPERATOR_KEY)).await,
    );

    let link = "https://photos.example.org/lampione.jpg";
    let created = clients
        .intake
        .create_report(with_media(
            "Lampione spento in via Dante",
            vec![
                Source::Url(link.into()),
                Source::Content(photos::camera_jpeg()),
            ],
        ))
        .await
        .expect("a report with two photos is accepted")
        .into_inner()
        .report
        .expect("a report");
    assert_eq!(created.media_urls.len(), 2, "{:?}", created.media_urls);
    assert_eq!(created.media_urls[0], link);

    // The uploaded image is served back with its type, without what the camera wrote
    // into it, upright.
    let uploaded = &created.media_urls[1];
    let path = &uploaded[uploaded.find("/media/").expect("served under /media")..];
    let served = reqwest::get(format!("{}{path}", platform.http_url(ServiceKind::Intake)))
        .await
        .expect("the image is served");
    assert_eq!(served.status(), 200);
    assert_eq!(
        served.headers()["content-type"].to_str().expect("ascii"),
        "image/jpeg"
    );
    photos::assert_without_camera_metadata(&served.bytes().await.expect("bytes"));

    // Operators read the photos back with the report.
    let stored = platform.report_as_operator(&created.tracking_code).await;
    assert_eq!(stored.media_urls, created.media_urls);

    // Not an image, an iPhone's HEIC, a picture cut short, a link that is not
    // http(s), too many photos: each refused by name.
    let refusals = [
        (
            vec![Source::Content(b"<script>alert(1)</script>".to_vec())],
            "report.media[0].content",
        ),
        (
            vec![Source::Content(
                b"\0\0\0\x18ftypheic\0\0\0\0mif1heic\0\0\0\0".to_vec(),
            )],
            "HEIC",
        ),
        (
            vec![Source::Content(photos::camera_jpeg()[..300].to_vec())],
            "cannot be read",
        ),
        (
            vec![Source::Url("javascript:alert(1)".into())],
            "report.media[0]",
        ),
        (
            (0..6).map(|_| Source::Url(link.into())).collect(),
            "report.media",
        ),
    ];
    for (media, field) in refusals {
        let refused = clients
            .intake
            .create_report(with_media("Buca in strada", media))
            .await
            .expect_err("refused");
        assert_eq!(refused.code(), Code::InvalidArgument, "{refused:?}");
        assert!(refused.message().contains(field), "{field}: {refused:?}");
    }
    let (codes, _) = listed(&mut operator, ListReportsRequest::default()).await;
    assert_eq!(
        codes,
        vec![created.tracking_code],
        "nothing refused was stored"
    );

    drop(platform);
    env.cleanup().await;
}

#[tokio::test]
async fn operators_page_through_reports_with_filters_and_others_may_not() {
    let env = TestEnv::new().await;
    let platform = RunningPlatform::start(&env.settings(), &SERVICES).await;
    let mut clients = platform.clients().await;
    let mut operator = IntakeServiceClient::new(
        channel(&platform.url(ServiceKind::Intake), Some(OPERATOR_KEY)).await,
    );

    let mut created = Vec::new();
    for (i, service_code) in ["101", "", "101", "", ""].iter().enumerate() {
        let mut request = report_request(
            &format!("Segnalazione numero {i}: lampione spento"),
            &uuid::Uuid::new_v4().to_string(),
        );
        if let Some(report) = request.report.as_mut() {
            report.service_code = (*service_code).into();
        }
        let report = clients
            .intake
            .create_report(request)
            .await
            .expect("accepted")
            .into_inner()
            .report
            .expect("a report");
        created.push(report.tracking_code);
    }
    let newest_first: Vec<String> = created.iter().rev().cloned().collect();

    // Pages of two, newest first, each report once, then no token.
    let mut seen = Vec::new();
    let mut token = String::new();
    let mut pages = 0;
    loop {
        let (codes, next) = listed(
            &mut operator,
            ListReportsRequest {
                page_size: 2,
                page_token: token.clone(),
                ..ListReportsRequest::default()
            },
        )
        .await;
        assert!(codes.len() <= 2);
        seen.extend(codes);
        pages += 1;
        if next.is_empty() {
            break;
        }
        token = next;
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, newest_first);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 5);

    // Filters: by service code, by channel, by time.
    let (lamps, _) = listed(
        &mut operator,
        ListReportsRequest {
            service_code: "101".into(),
            ..ListReportsRequest::default()
        },
    )
    .await;
    assert_eq!(lamps, vec![created[2].clone(), created[0].clone()]);
    let (from_telegram, _) = listed(
        &mut operator,
        ListReportsRequest {
            channel: Channel::Telegram as i32,
            ..ListReportsRequest::default()
        },
    )
    .await;
    assert!(from_telegram.is_empty(), "{from_telegram:?}");
    let (future, _) = listed(
        &mut operator,
        ListReportsRequest {
            create_time_after: Some(prost_types::Timestamp {
                seconds: chrono::Utc::now().timestamp() + 3600,
                nanos: 0,
            }),
            ..ListReportsRequest::default()
        },
    )
    .await;
    assert!(future.is_empty(), "{future:?}");

    // Operators see who reported; nobody else may list.
    let first = operator
        .list_reports(ListReportsRequest::default())
        .await
        .expect("ListReports")
        .into_inner();
    let contact = first.reports[0].reporter.as_ref().expect("the contact");
    assert_eq!(contact.email, "maria.bianchi@example.org");
    let denied = clients
        .intake
        .list_reports(ListReportsRequest::default())
        .await
        .expect_err("an integrator may not list reports");
    assert_eq!(denied.code(), Code::PermissionDenied);

    // A token this API did not give and a negative size are refused by name.
    for (request, field) in [
        (
            ListReportsRequest {
                page_token: "not-a-token".into(),
                ..ListReportsRequest::default()
            },
            "page_token",
        ),
        (
            ListReportsRequest {
                page_size: -1,
                ..ListReportsRequest::default()
            },
            "page_size",
        ),
    ] {
        let refused = operator.list_reports(request).await.expect_err("refused");
        assert_eq!(refused.code(), Code::InvalidArgument);
        assert!(refused.message().contains(field), "{refused:?}");
    }

    drop(platform);
    env.cleanup().await;
}
