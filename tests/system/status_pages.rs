//! The public web surface of status: the report page in two languages, the city page,
//! Atom feeds, JSON, the 404 page; a scan of every public answer for the reporter's
//! contact; and the page in a real headless Chromium.

use std::{path::PathBuf, process::Command, time::Duration};

use segnala::ServiceKind;
use segnala_proto::{
    intake::v1::ReporterContact,
    status::v1::{
        GetReportStatusRequest, ListReportStatusesRequest, ListUpdatesRequest, PublicState,
        ReportStatusChanged, WatchReportRequest,
    },
    tracking::v1::WorkOrderState,
    triage::v1::ReportNeedsReview,
};
use segnala_shared::messaging::Envelope;

use crate::{
    status_read_model::{lighting_and_roads, order, received, routed, status_client},
    support::{
        RunningPlatform, TestEnv,
        clients::report_request,
        events::{publish, transport},
        eventually,
        tap::EventTap,
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
            Envelope::new(&lighting_and_roads()),
            Envelope::new(&received(CODE, 45.464_249, 9.189_951)),
            Envelope::new(&routed(
                CODE,
                "street_lighting",
                "municipio_1",
                "incidents/a",
            )),
            Envelope::new(&resolved),
        ],
    )
    .await;
    wait_for(&platform, CODE, PublicState::InProgress).await;
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
    // Names, not ids: the category and the zone as the taxonomy and the city call them.
    assert!(italian.contains("Lampione spento"), "{italian}");
    assert!(
        italian.contains("Municipio 1 – Centro storico"),
        "{italian}"
    );
    assert!(!italian.contains("municipio_1<"), "{italian}");
    // Times on the city's clock: 08:00 UTC is 09:00 in Rome in January.
    assert!(italian.contains("15/01/2027 09:00 CET"), "{italian}");
    assert!(!italian.contains("UTC"), "{italian}");
    assert!(italian.contains("Risoluzione prevista"));
    assert!(italian.contains("16/01/2027"), "the expected day");

    let (_, _, english) = get(&format!("{base}/r/{CODE}"), Some("en-GB,en;q=0.9,it;q=0.5")).await;
    assert!(english.contains("<html lang=\"en\">"));
    assert!(english.contains("In progress"));
    assert!(
        english.contains("Sent to the Street lighting department"),
        "{english}"
    );
    assert!(!english.contains("street_lighting department"), "{english}");
    assert!(english.contains("Street light out"), "{english}");
    assert!(english.contains("2027-01-15 09:00 CET"), "{english}");
    let (_, _, by_query) = get(&format!("{base}/r/{CODE}?lang=en"), Some("it")).await;
    assert!(by_query.contains("In progress"));

    let (status, _, missing) = get(&format!("{base}/r/ZZZZ-0000-0009"), Some("en")).await;
    assert_eq!(status, 404);
    assert!(missing.contains("Report not found"));
    let (status, _, _) = get(&format!("{base}/r/not-a-code"), None).await;
    assert_eq!(status, 404);

    let (status, _, city) = get(&format!("{base}/?department=street_lighting&lang=en"), None).await;
    assert_eq!(status, 200);
    // One line per report, at its latest step, though the report took three.
    assert_eq!(city.matches(&format!("/r/{CODE}?")).count(), 1, "{city}");
    assert!(city.contains("Work in progress"), "{city}");
    assert!(!city.contains("Report received"), "{city}");
    // The filters offer names, in the page's language, and keep the choice.
    assert!(
        city.contains("<option value=\"street_lighting\" selected>Street lighting</option>"),
        "{city}"
    );
    assert!(city.contains("<option value=\"roads\">Roads and sidewalks</option>"));
    assert!(
        city.contains("<option value=\"municipio_1\">Municipio 1 – Centro storico</option>"),
        "{city}"
    );
    let (_, _, italian_city) = get(&format!("{base}/?lang=it"), None).await;
    assert!(
        italian_city.contains(
            "<select id=\"department\" name=\"department\"><option value=\"\">Tutti</option><option value=\"street_lighting\">Illuminazione pubblica</option>"
        ),
        "{italian_city}"
    );
    assert!(italian_city.contains("<select id=\"zone\" name=\"zone\">"));
    let (_, _, by_zone) = get(&format!("{base}/?zone=municipio_1"), None).await;
    assert!(by_zone.contains(CODE));
    let (_, _, other) = get(&format!("{base}/?department=roads"), None).await;
    assert!(!other.contains(CODE));
    let (status, _, _) = get(&format!("{base}/?state=sleeping"), None).await;
    assert_eq!(status, 400);

    for feed in [
        "/feeds/city",
        "/feeds/departments/street_lighting",
        "/feeds/zones/municipio_1",
    ] {
        let (status, content_type, body) = get(&format!("{base}{feed}"), None).await;
        assert_eq!(status, 200, "{feed}");
        assert!(
            content_type.starts_with("application/atom+xml"),
            "{content_type}"
        );
        assert!(body.starts_with("<?xml"));
        assert!(body.contains(&format!("/r/{CODE}")), "{feed}: {body}");
        // A feed tells each step once: a reader learns of every change.
        assert_eq!(body.matches("<entry>").count(), 3, "{feed}: {body}");
    }
    let (_, _, zone_feed) = get(&format!("{base}/feeds/zones/municipio_1?lang=en"), None).await;
    assert!(
        zone_feed.contains("<title>City reports — Municipio 1 – Centro storico</title>"),
        "{zone_feed}"
    );
    let (_, _, empty_zone) = get(&format!("{base}/feeds/zones/municipio_9"), None).await;
    assert!(!empty_zone.contains(CODE));

    let (status, _, json) = get(&format!("{base}/api/v1/reports/{CODE}?lang=en"), None).await;
    assert_eq!(status, 200);
    let json: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(json["report"]["state"], "in_progress");
    assert_eq!(json["report"]["department"], "street_lighting");
    assert_eq!(json["report"]["department_name"], "Street lighting");
    assert_eq!(json["report"]["category_name"], "Street light out");
    assert_eq!(json["report"]["zone_name"], "Municipio 1 – Centro storico");
    assert_eq!(json["report"]["approximate_location"]["latitude"], 45.464);
    assert_eq!(json["report"]["expected_time"], "2027-01-16T08:00:00+00:00");
    // The JSON of the city page: one update per report, its latest step; gRPC's
    // ListUpdates keeps every step for integrators who follow each change.
    let (_, _, updates) = get(&format!("{base}/api/v1/updates?zone=municipio_1"), None).await;
    let updates: serde_json::Value = serde_json::from_str(&updates).expect("JSON");
    assert_eq!(updates["updates"].as_array().map(Vec::len), Some(1));
    assert_eq!(updates["updates"][0]["state"], "in_progress");
    let steps = status_client(&platform)
        .await
        .list_updates(ListUpdatesRequest {
            zone: "municipio_1".into(),
            ..Default::default()
        })
        .await
        .expect("ListUpdates")
        .into_inner();
    assert_eq!(steps.updates.len(), 3);
    assert_eq!(
        steps
            .updates
            .last()
            .and_then(|u| u.entry.as_ref())
            .map(|e| e.message.as_str()),
        Some("Report received")
    );
    assert!(
        steps
            .updates
            .iter()
            .filter_map(|u| u.entry.as_ref())
            .any(|e| e.message == "Sent to the Street lighting department"),
        "{steps:?}"
    );

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
    // The report page, and the city page with its lists of names.
    for (page, lang, expected) in [
        ("report", "it", "In lavorazione"),
        ("report", "en", "Sent to the Street lighting department"),
        (
            "city",
            "it",
            "<option value=\"street_lighting\">Illuminazione pubblica</option>",
        ),
        (
            "city",
            "en",
            "<option value=\"municipio_1\">Municipio 1 – Centro storico</option>",
        ),
    ] {
        let url = match page {
            "report" => format!("{base}/r/{CODE}?lang={lang}"),
            _ => format!("{base}/?lang={lang}"),
        };
        let dom = run(vec!["--dump-dom".into(), url.clone()]).await;
        let dom = String::from_utf8_lossy(&dom.stdout);
        assert!(dom.contains(expected), "{page} {lang}: {dom}");
        assert!(dom.contains(&format!("<html lang=\"{lang}\">")));
        assert!(
            !dom.contains("UTC"),
            "{page} {lang}: times on the city's clock"
        );
        let file = screenshots.join(format!("status-{page}-{lang}.png"));
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
    let code = clients.submit_request(request).await;
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

/// The status of `code` once it is in `state`, read through gRPC.
async fn wait_for(
    platform: &RunningPlatform,
    code: &str,
    state: PublicState,
) -> segnala_proto::status::v1::ReportStatus {
    let client = status_client(platform).await;
    eventually(&format!("{code} is {state:?}"), WAIT, || {
        let mut client = client.clone();
        async move {
            let status = client
                .get_report_status(GetReportStatusRequest {
                    tracking_code: code.into(),
                    ..Default::default()
                })
                .await
                .ok()?
                .into_inner()
                .status?;
            (status.state == state as i32).then_some(status)
        }
    })
    .await
}

#[tokio::test]
async fn a_resolved_report_shows_no_expected_date_nor_the_reason_it_was_held() {
    const HELD: &str = "HOLD-0000-0001";
    let env = TestEnv::new().await;
    let platform = RunningPlatform::start(&env.settings(), &[ServiceKind::Status]).await;
    let base = platform.http_url(ServiceKind::Status);
    let bus = transport(&env).await;
    let mut held = order("held", &[HELD], "incidents/held", WorkOrderState::OnHold, 1);
    held.reason = "In attesa del pezzo di ricambio".into();
    publish(
        &bus,
        &[
            Envelope::new(&received(HELD, 45.464_249, 9.189_951)),
            Envelope::new(&routed(
                HELD,
                "street_lighting",
                "municipio_1",
                "incidents/held",
            )),
            Envelope::new(&held),
        ],
    )
    .await;
    let on_hold = wait_for(&platform, HELD, PublicState::InProgress).await;
    assert_eq!(on_hold.reason, "In attesa del pezzo di ricambio");
    let (_, _, page) = get(&format!("{base}/r/{HELD}?lang=it"), None).await;
    assert!(page.contains("<dt>Motivo</dt>"), "{page}");
    assert!(page.contains("<dt>Risoluzione prevista</dt>"), "{page}");

    let mut resolved = order(
        "held",
        &[HELD],
        "incidents/held",
        WorkOrderState::Resolved,
        2,
    );
    resolved.public_note = "Lampada sostituita".into();
    publish(&bus, &[Envelope::new(&resolved)]).await;
    let done = wait_for(&platform, HELD, PublicState::Resolved).await;
    assert_eq!(done.reason, "", "the hold is over");
    assert_eq!(done.expected_time, None, "nothing left to expect");
    for lang in ["it", "en"] {
        let (_, _, page) = get(&format!("{base}/r/{HELD}?lang={lang}"), None).await;
        assert!(page.contains("Lampada sostituita"), "{page}");
        for gone in [
            "<dt>Motivo</dt>",
            "<dt>Reason</dt>",
            "<dt>Risoluzione prevista</dt>",
            "<dt>Expected fix</dt>",
        ] {
            assert!(!page.contains(gone), "{lang}: `{gone}` in {page}");
        }
    }
    let (_, _, json) = get(&format!("{base}/api/v1/reports/{HELD}"), None).await;
    let json: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(json["report"]["state"], "resolved");
    assert!(json["report"]["expected_time"].is_null(), "{json}");
    assert!(json["report"]["reason"].is_null(), "{json}");

    drop(platform);
    env.cleanup().await;
}

#[tokio::test]
async fn a_report_in_review_shows_citizens_a_plain_sentence_never_the_classifiers_scores() {
    const OLD: &str = "REVW-0000-0001";
    const NEW: &str = "REVW-0000-0002";
    const TECHNICAL: &str = "the best department, general, scores 0.28, under 0.30";
    const SENTENCE: &str = "Un operatore verificherà la segnalazione.";
    let env = TestEnv::new().await;
    let platform = RunningPlatform::start(&env.settings(), &[ServiceKind::Status]).await;
    let base = platform.http_url(ServiceKind::Status);
    let mut tap = EventTap::bind(&env, "segnala.status.v1.ReportStatusChanged").await;
    let bus = transport(&env).await;
    let review = |code: &str, message: &str| ReportNeedsReview {
        report: format!("reports/{code}"),
        tracking_code: code.into(),
        reason: TECHNICAL.into(),
        version: 1,
        message: message.into(),
        ..Default::default()
    };
    publish(
        &bus,
        &[
            Envelope::new(&received(OLD, 45.464_249, 9.189_951)),
            Envelope::new(&received(NEW, 45.464_249, 9.189_951)),
            // Written before triage gave a public sentence: only the explanation.
            Envelope::new(&review(OLD, "")),
            Envelope::new(&review(NEW, SENTENCE)),
        ],
    )
    .await;
    // What intake tells the reporter in the chat.
    let told_old = tap
        .next_of(OLD, |e: &ReportStatusChanged| &e.tracking_code, WAIT)
        .await;
    assert_eq!(told_old.message, "");
    let told_new = tap
        .next_of(NEW, |e: &ReportStatusChanged| &e.tracking_code, WAIT)
        .await;
    assert_eq!(told_new.message, SENTENCE);
    assert_eq!(told_new.state, PublicState::InReview as i32);

    let mut answers = Vec::new();
    for code in [OLD, NEW] {
        let status = wait_for(&platform, code, PublicState::InReview).await;
        answers.push(format!("{status:?}"));
        for path in [
            format!("/r/{code}?lang=it"),
            format!("/r/{code}?lang=en"),
            format!("/api/v1/reports/{code}"),
        ] {
            let (status, _, body) = get(&format!("{base}{path}"), None).await;
            assert_eq!(status, 200, "{path}");
            answers.push(body);
        }
    }
    for path in ["/", "/api/v1/updates", "/feeds/city"] {
        answers.push(get(&format!("{base}{path}"), None).await.2);
    }
    for answer in &answers {
        assert!(!answer.contains("scores"), "{answer}");
        assert!(!answer.contains("0.28"), "{answer}");
    }
    let (_, _, page) = get(&format!("{base}/r/{NEW}?lang=it"), None).await;
    assert!(page.contains(SENTENCE), "{page}");
    assert!(
        page.contains("Un operatore sta verificando la segnalazione"),
        "{page}"
    );

    drop(platform);
    env.cleanup().await;
}
