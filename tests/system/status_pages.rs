//! The public web surface of status: the report page in two languages, the city page,
//! Atom feeds, JSON, the 404 page; a scan of every public answer for the reporter's
//! contact; and the page in a real headless Chromium.

use std::{path::PathBuf, process::Command, time::Duration};

use segnala::ServiceKind;
use segnala_proto::{
    intake::v1::ReporterContact,
    status::v1::{
        GetReportStatusRequest, ListReportStatusesRequest, ListUpdatesRequest, PublicState,
        WatchReportRequest,
    },
    tracking::v1::WorkOrderState,
};
use segnala_shared::messaging::Envelope;

use crate::{
    status_read_model::{order, received, routed, status_client},
    support::{
        RunningPlatform, TestEnv,
        clients::report_request,
        events::{publish, transport},
        eventually,
    },
};

const WAIT: Duration = Duration::from_secs(30);
const CODE: &str = "AAAA-0000-0001";

async fn get(url: &str, accept_language: Option<&str>) -> (u16, String, String) {
    let client =
        segnala_shared::delivery::http_client(Duration::from_secs(10)).expect("an HTTP client");
    let mut request = client.get(url);
    if let Some(lang) = accept_language {
        request = request.header("accept-language", lang);
    }
    let response = request.send().await.expect("the status pages answer");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, content_type, response.text().await.expect("a body"))
}

async fn platform_with_one_assigned_report(env: &TestEnv) -> RunningPlatform {
    let platform = RunningPlatform::start(&env.settings(), &[ServiceKind::Status]).await;
    let bus = transport(env).await;
    let mut resolved = order("a", &[CODE], "incidents/a", WorkOrderState::InProgress, 2);
    resolved.public_note = "Squadra sul posto <b>oggi</b>".into();
    publish(
        &bus,
        &[
            Envelope::new(&received(CODE, 45.464_249, 9.189_951)),
            Envelope::new(&routed(
                CODE,
                "street_lighting",
                "municipio-1",
                "incidents/a",
            )),
            Envelope::new(&resolved),
        ],
    )
    .await;
    let client = status_client(&platform).await;
    eventually("the report is in progress", WAIT, || {
        let mut client = client.clone();
        async move {
            let status = client
                .get_report_status(GetReportStatusRequest {
                    tracking_code: CODE.into(),
                    ..Default::default()
                })
                .await
                .ok()?
                .into_inner()
                .status?;
            (status.state == PublicState::InProgress as i32).then_some(())
        }
    })
    .await;
    platform
}

#[tokio::test]
async fn status_pages_feeds_and_json_show_a_report_in_two_languages() {
    let env = TestEnv::new().await;
    let platform = platform_with_one_assigned_report(&env).await;
    let base = platform.http_url(ServiceKind::Status);

    let (status, content_type, italian) =
        get(&format!("{base}/r/{CODE}"), Some("it-IT,it;q=0.9")).await;
    assert_eq!(status, 200);
    assert!(content_type.starts_with("text/html"), "{content_type}");
    assert!(italian.contains("<html lang=\"it\">"));
    assert!(italian.contains("In lavorazione"), "{italian}");
    assert!(italian.contains("Illuminazione pubblica"));
    assert!(italian.contains("45.464, 9.190"), "the rounded position");
    assert!(!italian.contains("45.4642"), "never the exact position");
    // The crew's note is text, never markup.
    assert!(italian.contains("Squadra sul posto &lt;b&gt;oggi&lt;/b&gt;"));
    assert!(!italian.contains("<script"));

    let (_, _, english) = get(&format!("{base}/r/{CODE}"), Some("en-GB,en;q=0.9,it;q=0.5")).await;
    assert!(english.contains("<html lang=\"en\">"));
    assert!(english.contains("In progress"));
    assert!(english.contains("Street lighting"));
    let (_, _, by_query) = get(&format!("{base}/r/{CODE}?lang=en"), Some("it")).await;
    assert!(by_query.contains("In progress"));

    let (status, _, missing) = get(&format!("{base}/r/ZZZZ-0000-0009"), Some("en")).await;
    assert_eq!(status, 404);
    assert!(missing.contains("Report not found"));
    let (status, _, _) = get(&format!("{base}/r/not-a-code"), None).await;
    assert_eq!(status, 404);

    let (status, _, city) = get(&format!("{base}/?department=street_lighting&lang=en"), None).await;
    assert_eq!(status, 200);
    assert!(city.contains(CODE));
    let (_, _, other) = get(&format!("{base}/?department=roads"), None).await;
    assert!(!other.contains(CODE));
    let (status, _, _) = get(&format!("{base}/?state=sleeping"), None).await;
    assert_eq!(status, 400);

    for feed in [
        "/feeds/city",
        "/feeds/departments/street_lighting",
        "/feeds/zones/municipio-1",
    ] {
        let (status, content_type, body) = get(&format!("{base}{feed}"), None).await;
        assert_eq!(status, 200, "{feed}");
        assert!(
            content_type.starts_with("application/atom+xml"),
            "{content_type}"
        );
        assert!(body.starts_with("<?xml"));
        assert!(body.contains(&format!("/r/{CODE}")), "{feed}: {body}");
    }
    let (_, _, empty_zone) = get(&format!("{base}/feeds/zones/municipio-9"), None).await;
    assert!(!empty_zone.contains(CODE));

    let (status, _, json) = get(&format!("{base}/api/v1/reports/{CODE}?lang=en"), None).await;
    assert_eq!(status, 200);
    let json: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(json["report"]["state"], "in_progress");
    assert_eq!(json["report"]["department"], "street_lighting");
    assert_eq!(json["report"]["approximate_location"]["latitude"], 45.464);
    assert_eq!(json["report"]["expected_time"], "2027-01-16T08:00:00+00:00");
    let (_, _, updates) = get(&format!("{base}/api/v1/updates?zone=municipio-1"), None).await;
    let updates: serde_json::Value = serde_json::from_str(&updates).expect("JSON");
    assert_eq!(updates["updates"].as_array().map(Vec::len), Some(3));

    drop(platform);
    env.cleanup().await;
}

#[tokio::test]
async fn status_page_renders_in_headless_chromium_in_both_languages() {
    let chromium = ["chromium", "chromium-browser"]
        .into_iter()
        .find(|name| {
            Command::new(name)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .expect(
            "Chromium is not installed: run tests/run.sh, which installs Debian's chromium package",
        );
    let env = TestEnv::new().await;
    let platform = platform_with_one_assigned_report(&env).await;
    let base = platform.http_url(ServiceKind::Status);
    let target_dir = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let screenshots = target_dir.join("screenshots");
    std::fs::create_dir_all(&screenshots).expect("the screenshot folder");
    let profile = tempfile::tempdir().expect("a browser profile");

    let run = |args: Vec<String>| {
        let chromium = chromium.to_owned();
        let profile = profile.path().to_owned();
        async move {
            tokio::task::spawn_blocking(move || {
                Command::new(chromium)
                    .args([
                        "--headless",
                        "--no-sandbox",
                        "--disable-gpu",
                        "--disable-dev-shm-usage",
                    ])
                    .arg(format!("--user-data-dir={}", profile.display()))
                    .args(args)
                    .output()
                    .expect("Chromium runs")
            })
            .await
            .expect("the browser task")
        }
    };
    for (lang, expected) in [("it", "In lavorazione"), ("en", "In progress")] {
        let url = format!("{base}/r/{CODE}?lang={lang}");
        let dom = run(vec!["--dump-dom".into(), url.clone()]).await;
        let dom = String::from_utf8_lossy(&dom.stdout);
        assert!(dom.contains(expected), "{lang}: {dom}");
        assert!(dom.contains(&format!("<html lang=\"{lang}\">")));
        let file = screenshots.join(format!("status-report-{lang}.png"));
        let _ = std::fs::remove_file(&file);
        let shot = run(vec![
            format!("--screenshot={}", file.display()),
            "--window-size=412,915".into(),
            url,
        ])
        .await;
        assert!(shot.status.success(), "{shot:?}");
        let size = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
        assert!(size > 5_000, "a real screenshot at {}", file.display());
    }
    drop(platform);
    env.cleanup().await;
}

#[tokio::test]
async fn status_public_answers_never_show_the_reporters_contact() {
    let env = TestEnv::new().await;
    let platform = RunningPlatform::start(&env.settings(), &ServiceKind::ALL).await;
    let mut clients = platform.clients().await;
    let contact = ReporterContact {
        display_name: "Zebedeo Quintilli".into(),
        email: "zebedeo.quintilli@example.org".into(),
        phone: "+39 347 9876543".into(),
        handle: "@zebedeo_q".into(),
    };
    let mut request = report_request(
        "Il lampione in via Dante è spento",
        &uuid::Uuid::new_v4().to_string(),
    );
    if let Some(report) = request.report.as_mut() {
        report.reporter = Some(contact.clone());
    }
    let code = clients
        .intake
        .create_report(request)
        .await
        .expect("accepted")
        .into_inner()
        .report
        .expect("a report")
        .tracking_code;
    let status = clients
        .wait_for_state(&code, PublicState::Assigned, WAIT)
        .await;
    let base = platform.http_url(ServiceKind::Status);
    let mut answers = vec![format!("{status:?}")];
    let listed = clients
        .status
        .list_report_statuses(ListReportStatusesRequest::default())
        .await
        .expect("list")
        .into_inner();
    answers.push(format!("{listed:?}"));
    let updates = clients
        .status
        .list_updates(ListUpdatesRequest::default())
        .await
        .expect("updates")
        .into_inner();
    assert!(updates.updates.iter().any(|u| u.tracking_code == code));
    answers.push(format!("{updates:?}"));
    let watched = clients
        .status
        .watch_report(WatchReportRequest {
            tracking_code: code.clone(),
        })
        .await
        .expect("watch")
        .into_inner()
        .message()
        .await
        .expect("a status");
    answers.push(format!("{watched:?}"));
    for path in [
        format!("/r/{code}"),
        format!("/r/{code}?lang=en"),
        "/".into(),
        format!("/api/v1/reports/{code}"),
        "/api/v1/updates".into(),
        "/feeds/city".into(),
        format!("/feeds/departments/{}", status.department),
    ] {
        let (status, _, body) = get(&format!("{base}{path}"), None).await;
        assert_eq!(status, 200, "{path}");
        assert!(body.contains(&code), "{path} shows the report");
        answers.push(body);
    }
    for answer in &answers {
        for secret in [
            "Zebedeo",
            "Quintilli",
            "zebedeo",
            "347 9876543",
            "3479876543",
            "9876543",
            "@zebedeo_q",
        ] {
            assert!(!answer.contains(secret), "`{secret}` leaked in: {answer}");
        }
    }
    drop(platform);
    env.cleanup().await;
}
