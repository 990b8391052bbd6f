//! A reporter's rights: operators export everything a reporter gave the city, erase it
//! (the reports stay, anonymous, in triage and tracking too, and the work on them goes
//! on), every request is in intake's audit log; contacts go by themselves a set time
//! after the report closes; operators hide a photo from the public, on record.

use std::time::Duration;

use prost::Message;
use sea_orm::{ConnectionTrait, Statement};
use segnala::ServiceKind;
use segnala_proto::{
    common::v1::Channel,
    intake::v1::{
        CreateReportRequest, EraseReporterDataRequest, ExportReporterDataRequest,
        ExportReporterDataResponse, Media, Report, ReportReceived, Reporter, ReporterContact,
        intake_service_client::IntakeServiceClient, media::Source,
        reporter_data_service_client::ReporterDataServiceClient,
    },
    triage::v1::{RerouteReportRequest, triage_service_client::TriageServiceClient},
};
use serde_json::json;
use tonic::Code;

use crate::support::{
    chats::{Setup, TELEGRAM_SEND, code_in, telegram_message},
    clients::{Intercepted, channel, report_request},
    embedded::Embedded,
    env::{CREW_KEY, OPERATOR_KEY},
    eventually, photos,
    tracking::{claim, crew_client, operator_client, order_of, resolve, start},
};

const WAIT: Duration = Duration::from_secs(60);
const MARIO: i64 = 5_551_234;
const LUCIA: i64 = 5_559_876;

async fn rights(setup: &Setup, key: &str) -> ReporterDataServiceClient<Intercepted> {
    ReporterDataServiceClient::new(
        channel(&setup.platform.url(ServiceKind::Intake), Some(key)).await,
    )
}

fn reporter(channel: Channel, id: &str) -> Option<Reporter> {
    Some(Reporter {
        channel: channel as i32,
        id: id.to_owned(),
    })
}

async fn export(
    client: &mut ReporterDataServiceClient<Intercepted>,
    channel: Channel,
    id: &str,
) -> ExportReporterDataResponse {
    client
        .export_reporter_data(ExportReporterDataRequest {
            reporter: reporter(channel, id),
        })
        .await
        .expect("export")
        .into_inner()
}

/// The audit log: (action, channel, operator, tracking codes), oldest first.
async fn audit_log(setup: &Setup) -> Vec<(String, String, String, Vec<String>)> {
    let db = setup.env.service_db(ServiceKind::Intake).await;
    db.query_all_raw(Statement::from_string(
        db.get_database_backend(),
        "SELECT action, channel, operator, tracking_codes FROM reporter_data_requests \
         ORDER BY created_at",
    ))
    .await
    .expect("the audit log")
    .iter()
    .map(|row| {
        let codes: String = row.try_get("", "tracking_codes").expect("codes");
        (
            row.try_get("", "action").expect("action"),
            row.try_get("", "channel").expect("channel"),
            row.try_get("", "operator").expect("operator"),
            serde_json::from_str(&codes).expect("a JSON list"),
        )
    })
    .collect()
}

/// Reports on Telegram from `chat`, waiting for the acknowledgement number `reply`.
async fn telegram_report(
    setup: &Setup,
    message_id: i64,
    chat: i64,
    text: &str,
    reply: usize,
) -> String {
    setup
        .tell_telegram(&telegram_message(
            message_id,
            chat,
            "it",
            json!({"text": text, "location": {"latitude": 45.4642, "longitude": 9.19}}),
        ))
        .await;
    code_in(&setup.telegram_reply(reply).await)
}

#[tokio::test]
async fn an_operator_exports_a_reporters_data_then_erases_it_and_the_report_stays_anonymous() {
    let setup = Setup::with(&ServiceKind::ALL, |_| {}).await;
    let mario = telegram_report(
        &setup,
        80,
        MARIO,
        "Buca profonda in via Verdi 3, sono Mario Rossi, chiamatemi al 333 765 4321",
        1,
    )
    .await;
    let lucia = telegram_report(&setup, 81, LUCIA, "Cassonetto rotto in piazza Duomo", 2).await;
    let mut clients = setup.platform.clients().await;
    let anna = clients
        .submit_request(CreateReportRequest {
            report: Some(Report {
                reporter: Some(ReporterContact {
                    display_name: "Anna Bianchi".into(),
                    email: "anna.bianchi@example.org".into(),
                    ..ReporterContact::default()
                }),
                ..report_request("Semaforo guasto in viale Monza", "")
                    .report
                    .unwrap()
            }),
            request_id: uuid::Uuid::new_v4().to_string(),
        })
        .await;
    let mut operator = rights(&setup, OPERATOR_KEY).await;

    // The copy: the report as written, the contact, the acknowledgement sent.
    let copy = export(&mut operator, Channel::Telegram, &MARIO.to_string()).await;
    let codes: Vec<&str> = copy
        .reports
        .iter()
        .map(|r| r.tracking_code.as_str())
        .collect();
    assert_eq!(codes, [mario.as_str()]);
    assert!(copy.reports[0].description.contains("333 765 4321"));
    assert!(
        copy.reports[0]
            .reporter
            .as_ref()
            .is_some_and(|c| !c.display_name.is_empty())
    );
    assert!(
        copy.replies.iter().any(|r| r.body.contains(&mario)),
        "the acknowledgement is in the copy: {:?}",
        copy.replies
    );
    assert!(
        copy.replies.iter().all(|r| !r.body.contains(&lucia)),
        "only the reporter's own replies"
    );
    // An e-mail address is found whatever its case.
    let by_mail = export(&mut operator, Channel::Api, "Anna.Bianchi@example.org").await;
    let codes: Vec<&str> = by_mail
        .reports
        .iter()
        .map(|r| r.tracking_code.as_str())
        .collect();
    assert_eq!(codes, [anna.as_str()]);

    // Bad requests are refused and change nothing.
    let logged = audit_log(&setup).await.len();
    for (request, field) in [
        (
            reporter(Channel::Unspecified, "5551234"),
            "reporter.channel",
        ),
        (reporter(Channel::Telegram, "  "), "reporter.id"),
        (None, "reporter"),
    ] {
        let refused = operator
            .erase_reporter_data(EraseReporterDataRequest { reporter: request })
            .await
            .expect_err("refused");
        assert_eq!(refused.code(), Code::InvalidArgument, "{refused:?}");
        assert!(refused.message().contains(field), "{refused:?}");
    }
    let mut crew = rights(&setup, CREW_KEY).await;
    let refused = crew
        .erase_reporter_data(EraseReporterDataRequest {
            reporter: reporter(Channel::Telegram, &MARIO.to_string()),
        })
        .await
        .expect_err("crews may not");
    assert_eq!(refused.code(), Code::PermissionDenied, "{refused:?}");
    assert_eq!(audit_log(&setup).await.len(), logged);

    // Triage and tracking hold copies of the text: the report kept with its decision,
    // an operator's correction, the work order's description.
    let tracking = operator_client(&setup.platform.url(ServiceKind::Tracking)).await;
    let report_name = format!("reports/{mario}");
    order_of(&tracking, &report_name, "Mario's work order", |o| {
        o.description.contains("333 765 4321")
    })
    .await;
    TriageServiceClient::new(
        channel(&setup.platform.url(ServiceKind::Triage), Some(OPERATOR_KEY)).await,
    )
    .reroute_report(RerouteReportRequest {
        report: report_name.clone(),
        department: "traffic".into(),
        category: String::new(),
    })
    .await
    .expect("an operator's correction");
    let triage_copies = || async {
        let db = setup.env.service_db(ServiceKind::Triage).await;
        let backend = db.get_database_backend();
        let kept = db
            .query_one_raw(Statement::from_sql_and_values(
                backend,
                "SELECT received FROM decisions WHERE tracking_code = $1",
                [mario.clone().into()],
            ))
            .await
            .unwrap()
            .and_then(|row| row.try_get::<Option<Vec<u8>>>("", "received").unwrap())
            .expect("the report is kept with its decision");
        let kept = ReportReceived::decode(kept.as_slice()).expect("a ReportReceived");
        let corrections: Vec<String> = db
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                "SELECT text FROM corrections WHERE tracking_code = $1",
                [mario.clone().into()],
            ))
            .await
            .unwrap()
            .iter()
            .map(|row| row.try_get("", "text").unwrap())
            .collect();
        db.close().await.ok();
        (kept.description, corrections)
    };
    let (kept, corrections) = triage_copies().await;
    assert!(kept.contains("333 765 4321"), "{kept}");
    assert_eq!(corrections.len(), 1);
    assert!(corrections[0].contains("333 765 4321"), "{corrections:?}");

    // The erasure.
    let erased = operator
        .erase_reporter_data(EraseReporterDataRequest {
            reporter: reporter(Channel::Telegram, &MARIO.to_string()),
        })
        .await
        .expect("erase")
        .into_inner();
    assert_eq!(erased.tracking_codes, [mario.as_str()]);
    assert!(erased.erased_records >= 3, "{erased:?}");
    let report = setup.platform.report_as_operator(&mario).await;
    let contact = report.reporter.unwrap_or_default();
    assert_eq!(contact, ReporterContact::default(), "no contact is left");
    assert!(
        report
            .description
            .starts_with("Buca profonda in via Verdi 3")
    );
    for personal in ["333 765 4321", "Mario Rossi"] {
        assert!(
            !report.description.contains(personal),
            "{}",
            report.description
        );
    }
    assert!(report.external_id.is_empty(), "the message's id goes too");
    // The copies downstream lose the same data.
    let order = order_of(
        &tracking,
        &report_name,
        "the order's description anonymised",
        |o| !o.description.contains("333 765 4321"),
    )
    .await;
    assert!(
        order
            .description
            .starts_with("Buca profonda in via Verdi 3")
            && !order.description.contains("Mario Rossi"),
        "{}",
        order.description
    );
    let (kept, corrections) = eventually("triage's copies anonymised", WAIT, || async {
        let copies = triage_copies().await;
        (!copies.0.contains("333 765 4321")).then_some(copies)
    })
    .await;
    for text in std::iter::once(&kept).chain(&corrections) {
        assert!(text.starts_with("Buca profonda in via Verdi 3"), "{text}");
        for personal in ["333 765 4321", "Mario Rossi"] {
            assert!(!text.contains(personal), "{text}");
        }
    }
    let after = export(&mut operator, Channel::Telegram, &MARIO.to_string()).await;
    assert_eq!(
        after,
        ExportReporterDataResponse::default(),
        "nothing is left"
    );
    let again = operator
        .erase_reporter_data(EraseReporterDataRequest {
            reporter: reporter(Channel::Telegram, &MARIO.to_string()),
        })
        .await
        .expect("erase again")
        .into_inner();
    assert_eq!(again.erased_records, 0);

    // The others keep theirs; the work on the anonymous report goes on.
    let lucia_report = setup.platform.report_as_operator(&lucia).await;
    assert!(
        lucia_report
            .reporter
            .is_some_and(|c| !c.display_name.is_empty())
    );
    let copy = export(&mut operator, Channel::Telegram, &LUCIA.to_string()).await;
    assert!(
        !copy.replies.is_empty()
            && copy
                .replies
                .iter()
                .all(|r| r.body.contains(&LUCIA.to_string())),
        "Lucia's replies stay: {:?}",
        copy.replies
    );
    let public = clients
        .wait_until(&mario, "the report is still public", WAIT, |s| {
            !s.description.is_empty()
        })
        .await;
    assert!(
        public.description.starts_with("Buca profonda"),
        "{public:?}"
    );

    let log = audit_log(&setup).await;
    let actions: Vec<(&str, &str, &str)> = log
        .iter()
        .map(|(a, c, o, _)| (a.as_str(), c.as_str(), o.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            ("export", "telegram", "test-operator"),
            ("export", "api", "test-operator"),
            ("erase", "telegram", "test-operator"),
            ("export", "telegram", "test-operator"),
            ("erase", "telegram", "test-operator"),
            ("export", "telegram", "test-operator"),
        ]
    );
    assert_eq!(log[2].3, [mario.as_str()]);
    setup.finish().await;
}

#[tokio::test]
async fn contacts_are_erased_by_themselves_once_the_report_has_been_closed_long_enough() {
    let setup = Setup::with(&ServiceKind::ALL, |settings| {
        settings.intake.retention.contacts_days_after_close = 0;
        settings.intake.retention.check_every_secs = 1;
    })
    .await;
    let fixed = telegram_report(
        &setup,
        90,
        MARIO,
        "Lampione spento in via Roma, tutto buio",
        1,
    )
    .await;
    let open = telegram_report(
        &setup,
        91,
        LUCIA,
        "Buca in via Torino 5, chiamatemi al 347 111 2233",
        2,
    )
    .await;

    let tracking_url = setup.platform.url(ServiceKind::Tracking);
    let tracking = operator_client(&tracking_url).await;
    let mut crew = crew_client(&tracking_url, CREW_KEY).await;
    let order = order_of(
        &tracking,
        &format!("reports/{fixed}"),
        "a work order",
        |_| true,
    )
    .await;
    claim(&mut crew, "").await.expect("claim");
    start(&mut crew, &order.name).await.expect("start");
    resolve(&mut crew, &order.name, "Lampada sostituita")
        .await
        .expect("resolve");

    eventually("the closed report's contact is erased", WAIT, || async {
        let report = setup.platform.report_as_operator(&fixed).await;
        report
            .reporter
            .is_none_or(|c| c == ReporterContact::default())
            .then_some(())
    })
    .await;
    let log = audit_log(&setup).await;
    assert!(
        log.iter()
            .any(|(action, _, operator, codes)| action == "retention"
                && operator == "retention"
                && codes == std::slice::from_ref(&fixed)),
        "{log:?}"
    );
    // The report still open keeps its reporter, who still hears of it.
    let still = setup.platform.report_as_operator(&open).await;
    assert!(still.reporter.is_some_and(|c| !c.display_name.is_empty()));
    assert!(
        still.description.contains("347 111 2233"),
        "operators still read it"
    );
    assert!(
        setup
            .fake
            .posts(TELEGRAM_SEND)
            .iter()
            .any(|p| p.body["chat_id"] == LUCIA),
        "Lucia was answered"
    );
    setup.finish().await;
}

#[tokio::test]
async fn segnala_ops_reporter_exports_and_erases_in_embedded_mode() {
    let up = Embedded::start(&[]).await;
    let submitted = up
        .run_json(&[
            "report",
            "submit",
            "--json",
            "-d",
            "Perdita d'acqua in via Padova 20, scrivete a giulia.neri@example.org",
            "--lat",
            "45.49",
            "--lon",
            "9.22",
            "--name",
            "Giulia Neri",
            "--email",
            "giulia.neri@example.org",
        ])
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let code = submitted["tracking_code"]
        .as_str()
        .expect("a code")
        .to_owned();
    let identity = ["--channel", "api", "--id", "GIULIA.NERI@example.org"];

    let copy = up
        .run_json(&[&["ops", "reporter", "export"][..], &identity].concat())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(copy["reports"][0]["tracking_code"], code.as_str());
    assert_eq!(copy["reports"][0]["contact"]["name"], "Giulia Neri");
    assert!(
        copy["reports"][0]["description"]
            .as_str()
            .is_some_and(|d| d.contains("giulia.neri@example.org"))
    );

    let unconfirmed = up
        .run(&[&["ops", "reporter", "erase"][..], &identity].concat())
        .await
        .expect_err("an erasure needs --yes");
    assert!(unconfirmed.contains("--yes"), "{unconfirmed}");
    let still = up
        .run_json(&[&["ops", "reporter", "export"][..], &identity].concat())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(still["reports"].as_array().map(Vec::len), Some(1));

    let erased = up
        .run(&[&["ops", "reporter", "erase", "--yes"][..], &identity].concat())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(erased.contains(&code), "{erased}");
    let empty = up
        .run_json(&[&["ops", "reporter", "export"][..], &identity].concat())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(empty["reports"], json!([]));
    let again = up
        .run(&[&["ops", "reporter", "erase", "--yes"][..], &identity].concat())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(again.contains("Nothing"), "{again}");
}

/// An operator hides a citizen's photo from the terminal, says why, and shows it again;
/// the record keeps both.
#[tokio::test]
async fn segnala_ops_photo_hides_and_shows_a_photo_on_record_in_embedded_mode() {
    let up = Embedded::start(&[]).await;
    let mut intake =
        IntakeServiceClient::new(channel(&up.url("INTAKE"), Some(&up.local_key())).await);
    let mut request = report_request("Lampione spento, si vede la targa dell'auto", "");
    if let Some(report) = request.report.as_mut() {
        report.media = vec![Media {
            source: Some(Source::Content(photos::camera_jpeg())),
        }];
    }
    let link = intake
        .create_report(request)
        .await
        .expect("a report with a photo")
        .into_inner()
        .report
        .expect("a report")
        .media_urls
        .remove(0);

    let refused = up
        .run(&["ops", "photo", "hide", &link])
        .await
        .expect_err("a reason is required");
    assert!(refused.contains("--reason"), "{refused}");
    let hidden = up
        .run(&["ops", "photo", "hide", &link, "--reason", "shows a plate"])
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(hidden.contains("hidden from the public"), "{hidden}");
    let id = link.rsplit('/').next().expect("an id");
    let shown = up
        .run(&["ops", "photo", "unhide", id, "--reason", "plate blurred"])
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(shown.contains(": public"), "{shown}");
    let record = up
        .run(&["ops", "photo", "get", &format!("photos/{id}")])
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let hidden_at = record.find("hidden by").expect("the hiding is on record");
    let shown_at = record.find("shown by").expect("the showing is on record");
    assert!(hidden_at < shown_at, "{record}");
    assert!(
        record.contains("shows a plate") && record.contains("plate blurred"),
        "{record}"
    );
    let unknown = up
        .run(&["ops", "photo", "get", "photos/not-an-id"])
        .await
        .expect_err("not a photo");
    assert!(unknown.contains("photos/{id}"), "{unknown}");
}
