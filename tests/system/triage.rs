//! Triage against the real broker and database: the service list it offers, and where
//! reports in Italian and English end up.

use std::time::Duration;

use segnala::ServiceKind;
use segnala_proto::{
    common::v1::Priority,
    triage::v1::{
        DecisionOutcome, EmergencyDetected, GetDecisionRequest, ListDepartmentsRequest,
        RejectionReason, ReportMerged, ReportNeedsReview, ReportRejected, ReportRouted,
        triage_service_client::TriageServiceClient,
    },
};

use segnala_proto::{
    common::v1::LatLng,
    intake::v1::{CreateReportRequest, intake_service_client::IntakeServiceClient},
};
use segnala_shared::tracking_code::TrackingCode;
use tonic_types::StatusExt;

use crate::{
    status_read_model::received,
    support::{
        RunningPlatform, TestEnv,
        clients::{IntakeClient, channel, report_request},
        env::{INTEGRATOR_KEY, OPERATOR_KEY},
        eventually,
        tap::EventTap,
        tracking::publish,
    },
};

const TIMEOUT: Duration = Duration::from_secs(30);

#[tokio::test]
async fn anyone_lists_the_departments_with_their_categories_and_service_codes() {
    let env = TestEnv::new().await;
    let platform = RunningPlatform::start(&env.settings(), &[ServiceKind::Triage]).await;
    let mut triage =
        TriageServiceClient::new(channel(&platform.url(ServiceKind::Triage), None).await);

    let all = triage
        .list_departments(ListDepartmentsRequest::default())
        .await
        .expect("ListDepartments needs no credentials")
        .into_inner();
    assert_eq!(all.departments.len(), 12);
    assert!(all.next_page_token.is_empty());
    let lighting = &all.departments[0];
    assert_eq!(lighting.name, "departments/street_lighting");
    assert_eq!(lighting.display_names["it"], "Illuminazione pubblica");
    assert_eq!(lighting.display_names["en"], "Street lighting");
    let lamp_out = &lighting.categories[0];
    assert_eq!(
        (
            lamp_out.category_id.as_str(),
            lamp_out.service_code.as_str()
        ),
        ("lamp_out", "101")
    );
    assert_eq!(lamp_out.display_names["en"], "Street light out");
    assert!(lighting.resolution_targets.iter().any(|t| {
        t.priority == Priority::Critical as i32
            && t.resolve_within.is_some_and(|d| d.seconds == 4 * 3600)
    }));
    let codes: Vec<&str> = all
        .departments
        .iter()
        .flat_map(|d| d.categories.iter().map(|c| c.service_code.as_str()))
        .collect();
    let unique: std::collections::HashSet<_> = codes.iter().collect();
    assert_eq!(unique.len(), codes.len(), "service codes are unique");

    // Pages of five walk the same list.
    let mut walked = Vec::new();
    let mut token = String::new();
    loop {
        let page = triage
            .list_departments(ListDepartmentsRequest {
                page_size: 5,
                page_token: token,
            })
            .await
            .expect("a page")
            .into_inner();
        walked.extend(page.departments.into_iter().map(|d| d.department_id));
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    let ids: Vec<String> = all
        .departments
        .into_iter()
        .map(|d| d.department_id)
        .collect();
    assert_eq!(walked, ids);

    let bad = triage
        .list_departments(ListDepartmentsRequest {
            page_size: 5,
            page_token: "not-a-token".into(),
        })
        .await
        .expect_err("a made-up token is refused");
    assert_eq!(bad.code(), tonic::Code::InvalidArgument);
    drop(platform);
    env.cleanup().await;
}

#[tokio::test]
async fn reports_in_italian_and_english_are_routed_to_their_department_and_category() {
    let env = TestEnv::new().await;
    let platform =
        RunningPlatform::start(&env.settings(), &[ServiceKind::Intake, ServiceKind::Triage]).await;
    let mut tap = EventTap::bind(&env, "segnala.triage.v1.#").await;
    let mut intake = IntakeClient::connect(&platform).await;

    let cases = [
        (
            "Il lampione davanti al civico 12 è spento da tre notti",
            "street_lighting",
            "lamp_out",
            "101",
        ),
        (
            "Una buca enorme in mezzo alla carreggiata",
            "roads",
            "pothole",
            "201",
        ),
        (
            "Overflowing bin outside the station, rubbish everywhere",
            "waste",
            "bins",
            "301",
        ),
        (
            "The traffic light at the junction is stuck on red",
            "traffic",
            "traffic_lights",
            "601",
        ),
    ];
    for (text, department, category, service_code) in cases {
        let code = intake.submit(text).await;
        let routed: ReportRouted = tap
            .next_of(&code, |e: &ReportRouted| &e.tracking_code, TIMEOUT)
            .await;
        assert_eq!(
            (
                routed.department.as_str(),
                routed.category.as_str(),
                routed.service_code.as_str()
            ),
            (department, category, service_code),
            "{text}"
        );
        assert_eq!(routed.priority, Priority::Normal as i32, "{text}");
        assert_eq!(routed.incident, format!("incidents/{code}"));
        assert_eq!(routed.version, 1);
        assert!(
            routed.resolve_within.is_some_and(|d| d.seconds > 0),
            "{text}"
        );
        assert!(!routed.emergency);
    }
    drop(platform);
    env.cleanup().await;
}

#[tokio::test]
async fn emergencies_go_to_civil_protection_at_once_and_harmless_mentions_do_not() {
    let env = TestEnv::new().await;
    let platform =
        RunningPlatform::start(&env.settings(), &[ServiceKind::Intake, ServiceKind::Triage]).await;
    let mut tap = EventTap::bind(&env, "segnala.triage.v1.#").await;
    let mut intake = IntakeClient::connect(&platform).await;

    // Two emergencies far enough apart to be two incidents (reports of one emergency
    // near each other are one incident, each with its own alert).
    for (text, safety, (latitude, longitude)) in [
        (
            "Forte odore di gas nel palazzo, sospetta fuga di gas",
            "Se ci sono persone in pericolo chiama subito il 112.",
            (45.4642, 9.19),
        ),
        (
            "A balcony collapsed onto the pavement and two people are injured",
            "If anyone is in danger, call 112 now.",
            (45.4781, 9.2275),
        ),
    ] {
        let code = intake.submit_request(at(text, latitude, longitude)).await;
        let routed: ReportRouted = tap
            .next_of(&code, |e: &ReportRouted| &e.tracking_code, TIMEOUT)
            .await;
        assert_eq!(routed.department, "civil_protection", "{text}");
        assert_eq!(routed.priority, Priority::Critical as i32);
        assert!(routed.emergency);
        assert_eq!(routed.resolve_within.map(|d| d.seconds), Some(2 * 3600));
        let alert: EmergencyDetected = tap
            .next_of(&code, |e: &EmergencyDetected| &e.tracking_code, TIMEOUT)
            .await;
        assert!(!alert.matched_terms.is_empty());
        assert!(
            alert.safety_message.starts_with(safety),
            "{}",
            alert.safety_message
        );
        assert!(alert.location.is_some());
    }

    // A fire that is out, or a fire hazard, is the waste crew's work, not an alarm.
    let code = intake
        .submit("The bin fire is out, please collect the burnt bin and the rubbish")
        .await;
    let routed: ReportRouted = tap
        .next_of(&code, |e: &ReportRouted| &e.tracking_code, TIMEOUT)
        .await;
    assert_eq!(routed.department, "waste");
    assert!(!routed.emergency);
    assert_eq!(routed.priority, Priority::Normal as i32);
    drop(platform);
    env.cleanup().await;
}

#[tokio::test]
async fn thanks_and_other_operators_problems_get_an_answer_and_vague_reports_a_human() {
    let env = TestEnv::new().await;
    let platform =
        RunningPlatform::start(&env.settings(), &[ServiceKind::Intake, ServiceKind::Triage]).await;
    let mut tap = EventTap::bind(&env, "segnala.triage.v1.#").await;
    let mut intake = IntakeClient::connect(&platform).await;
    let mut triage = TriageServiceClient::new(
        channel(&platform.url(ServiceKind::Triage), Some(OPERATOR_KEY)).await,
    );

    let thanks = intake
        .submit("Grazie mille per il lavoro, complimenti a tutti!")
        .await;
    let rejected: ReportRejected = tap
        .next_of(&thanks, |e: &ReportRejected| &e.tracking_code, TIMEOUT)
        .await;
    assert_eq!(rejected.reason, RejectionReason::NotAReport as i32);
    assert!(
        rejected.message.starts_with("Grazie del messaggio!"),
        "{}",
        rejected.message
    );

    let train = intake
        .submit("The national rail train to the city centre was cancelled again this morning")
        .await;
    let rejected: ReportRejected = tap
        .next_of(&train, |e: &ReportRejected| &e.tracking_code, TIMEOUT)
        .await;
    assert_eq!(
        rejected.reason,
        RejectionReason::NotCityResponsibility as i32
    );
    assert!(
        rejected.message.starts_with("Thank you for your report."),
        "{}",
        rejected.message
    );

    let vague = intake
        .submit("Qualcuno deve venire a vedere, è una situazione assurda")
        .await;
    let review: ReportNeedsReview = tap
        .next_of(&vague, |e: &ReportNeedsReview| &e.tracking_code, TIMEOUT)
        .await;
    assert!(!review.candidates.is_empty());
    assert!(
        review.candidates.iter().all(|c| c.score < 0.3),
        "{:?}",
        review.candidates
    );
    // The reporter reads a plain sentence in the report's language; the scores are
    // for operators.
    assert_eq!(review.message, "Un operatore verificherà la segnalazione.");
    assert!(review.reason.contains("scores"), "{}", review.reason);
    // The same words from someone who wrote in English (a visitor): the sentence
    // follows the report's language.
    let mut visitor = report_request(
        "Qualcuno deve venire a vedere, è una situazione assurda",
        &uuid::Uuid::new_v4().to_string(),
    );
    if let Some(report) = visitor.report.as_mut() {
        report.language_code = "en".into();
    }
    let english = intake.submit_request(visitor).await;
    let review: ReportNeedsReview = tap
        .next_of(&english, |e: &ReportNeedsReview| &e.tracking_code, TIMEOUT)
        .await;
    assert_eq!(review.message, "An operator will check your report.");

    // None of them reached a department; the decision says why.
    let decision = triage
        .get_decision(GetDecisionRequest {
            name: format!("reports/{vague}/decision"),
        })
        .await
        .expect("GetDecision")
        .into_inner()
        .decision
        .expect("a decision");
    assert_eq!(decision.outcome, DecisionOutcome::NeedsReview as i32);
    assert!(decision.department.is_empty());
    assert_eq!(decision.model_version, "tfidf-logreg/default-taxonomy-2");
    assert_eq!(decision.scores.len(), 3);
    drop(platform);
    env.cleanup().await;
}

#[tokio::test]
async fn every_decision_explains_its_rules_features_and_scores() {
    let env = TestEnv::new().await;
    let platform =
        RunningPlatform::start(&env.settings(), &[ServiceKind::Intake, ServiceKind::Triage]).await;
    let mut tap = EventTap::bind(&env, "segnala.triage.v1.#").await;
    let mut intake = IntakeClient::connect(&platform).await;
    let mut triage = TriageServiceClient::new(
        channel(&platform.url(ServiceKind::Triage), Some(OPERATOR_KEY)).await,
    );

    let code = intake
        .submit("Lampioni spenti in tutta via Garibaldi")
        .await;
    tap.next_of(&code, |e: &ReportRouted| &e.tracking_code, TIMEOUT)
        .await;
    let decision = triage
        .get_decision(GetDecisionRequest {
            name: format!("reports/{code}/decision"),
        })
        .await
        .expect("GetDecision")
        .into_inner()
        .decision
        .expect("a decision");
    assert_eq!(decision.outcome, DecisionOutcome::Routed as i32);
    assert_eq!(
        (decision.department.as_str(), decision.category.as_str()),
        ("street_lighting", "lamp_out")
    );
    assert_eq!(decision.method, "classifier");
    assert!(
        decision
            .rules
            .iter()
            .any(|r| r == "keyword:lampion→street_lighting/lamp_out"),
        "{:?}",
        decision.rules
    );
    assert!(
        decision.features.iter().any(|f| f.starts_with("lampion")),
        "{:?}",
        decision.features
    );
    assert_eq!(decision.scores[0].department, "street_lighting");
    assert!(decision.scores[0].score > decision.scores[1].score);

    let refused = triage
        .get_decision(GetDecisionRequest {
            name: format!("reports/{code}/decision"),
        })
        .await;
    assert!(refused.is_ok());
    let mut anonymous =
        TriageServiceClient::new(channel(&platform.url(ServiceKind::Triage), None).await);
    let refused = anonymous
        .get_decision(GetDecisionRequest {
            name: format!("reports/{code}/decision"),
        })
        .await
        .expect_err("decisions are for operators");
    assert_eq!(refused.code(), tonic::Code::Unauthenticated);
    drop(platform);
    env.cleanup().await;
}

/// The default taxonomy with each (first occurrence, replacement) of `edits` made,
/// written to `dir/name`.
fn default_taxonomy_with(
    dir: &std::path::Path,
    name: &str,
    edits: &[(&str, &str)],
) -> std::path::PathBuf {
    let default = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../triage/taxonomy.toml"
    ))
    .expect("the default taxonomy");
    let mut edited = default.clone();
    for (from, to) in edits {
        assert!(edited.contains(from), "`{from}` is in the default taxonomy");
        edited = edited.replacen(from, to, 1);
    }
    let path = dir.join(name);
    std::fs::write(&path, edited).expect("write the taxonomy");
    path
}

/// The default taxonomy with street lighting serving the historic centre only.
fn taxonomy_with_lighting_in_the_centre_only(dir: &std::path::Path) -> std::path::PathBuf {
    default_taxonomy_with(
        dir,
        "taxonomy.toml",
        &[(
            "name_en = \"Street lighting\"\n",
            "name_en = \"Street lighting\"\nzones = [\"municipio_1\"]\n",
        )],
    )
}

fn at(description: &str, latitude: f64, longitude: f64) -> CreateReportRequest {
    let mut request = report_request(description, &uuid::Uuid::new_v4().to_string());
    if let Some(report) = request.report.as_mut() {
        report.location = Some(LatLng {
            latitude,
            longitude,
        });
    }
    request
}

#[tokio::test]
async fn places_outside_the_city_are_turned_away_and_zones_steer_routing() {
    let env = TestEnv::new().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let mut settings = env.settings();
    settings.triage.taxonomy_path = Some(taxonomy_with_lighting_in_the_centre_only(dir.path()));
    let platform =
        RunningPlatform::start(&settings, &[ServiceKind::Intake, ServiceKind::Triage]).await;
    let mut tap = EventTap::bind(&env, "segnala.triage.v1.#").await;
    let mut intake = IntakeClient::connect(&platform).await;
    let mut triage = TriageServiceClient::new(
        channel(&platform.url(ServiceKind::Triage), Some(OPERATOR_KEY)).await,
    );

    // Monza is not Milan: intake refuses the report and says why.
    let refused = IntakeServiceClient::new(
        channel(&platform.url(ServiceKind::Intake), Some(INTEGRATOR_KEY)).await,
    )
    .create_report(at("Lampione spento davanti alla villa", 45.5845, 9.2744))
    .await
    .expect_err("outside the city");
    assert_eq!(refused.code(), tonic::Code::InvalidArgument);
    let violation = refused
        .get_details_bad_request()
        .and_then(|b| b.field_violations.into_iter().next())
        .expect("a field violation");
    assert_eq!(violation.field, "report.location");
    assert!(
        violation
            .description
            .starts_with("is outside Comune di Milano"),
        "{}",
        violation.description
    );

    // A lamp at the Duomo stays with street lighting; one at the central station is
    // in a zone the department does not serve, so citizen relations takes it.
    let duomo = intake
        .submit_request(at("Il lampione è spento da tre notti", 45.4642, 9.19))
        .await;
    let routed: ReportRouted = tap
        .next_of(&duomo, |e: &ReportRouted| &e.tracking_code, TIMEOUT)
        .await;
    assert_eq!(
        (routed.department.as_str(), routed.zone.as_str()),
        ("street_lighting", "municipio_1")
    );
    let station = intake
        .submit_request(at("Il lampione è spento da tre notti", 45.4855, 9.2042))
        .await;
    let routed: ReportRouted = tap
        .next_of(&station, |e: &ReportRouted| &e.tracking_code, TIMEOUT)
        .await;
    assert_eq!(
        (routed.department.as_str(), routed.zone.as_str()),
        ("general", "municipio_2")
    );
    let decision = triage
        .get_decision(GetDecisionRequest {
            name: format!("reports/{station}/decision"),
        })
        .await
        .expect("GetDecision")
        .into_inner()
        .decision
        .expect("a decision");
    assert_eq!(decision.zone, "municipio_2");
    assert!(
        decision
            .rules
            .iter()
            .any(|r| r.starts_with("zone:municipio_2:street_lighting→general/")),
        "{:?}",
        decision.rules
    );

    // A report that reaches triage from elsewhere (an intake with another map, a
    // replayed event) is rejected with an answer, not sent to a crew.
    let turin = TrackingCode::generate().to_string();
    publish(&env, &received(&turin, 45.0703, 7.6869)).await;
    let rejected: ReportRejected = tap
        .next_of(&turin, |e: &ReportRejected| &e.tracking_code, TIMEOUT)
        .await;
    assert_eq!(rejected.reason, RejectionReason::OutsideJurisdiction as i32);
    assert!(
        rejected
            .message
            .contains("fuori dal territorio di Comune di Milano")
            && rejected.message.contains("112"),
        "{}",
        rejected.message
    );
    drop(platform);
    env.cleanup().await;
}

/// Reports that piled up while triage was down arrive in one batch: a report announced
/// twice (two messages) is still decided once, and three reports of one lamp in the batch
/// become one incident, which counts them all when a later report joins it.
#[tokio::test]
async fn a_batch_decides_a_report_announced_twice_once_and_merges_reports_of_one_lamp() {
    let env = TestEnv::new().await;
    let settings = env.settings();
    // Triage declares its queue, then stops; the reports wait in the queue.
    drop(RunningPlatform::start(&settings, &[ServiceKind::Triage]).await);
    let mut tap = EventTap::bind(&env, "segnala.triage.v1.#").await;
    let twice = TrackingCode::generate().to_string();
    let first = TrackingCode::generate().to_string();
    let second = TrackingCode::generate().to_string();
    let third = TrackingCode::generate().to_string();
    let lamp = |code: &str| {
        let mut report = received(code, 45.4642, 9.19);
        report.description = "Il lampione è spento da tre notti".into();
        report
    };
    for code in [&twice, &first, &twice, &second, &third] {
        let mut report = lamp(code);
        if code == &twice {
            report.location = Some(LatLng {
                latitude: 45.47,
                longitude: 9.18,
            });
        }
        publish(&env, &report).await;
    }

    let platform = RunningPlatform::start(&settings, &[ServiceKind::Triage]).await;
    let mut routed = Vec::new();
    let mut merged = Vec::new();
    for _ in 0..4 {
        let event = tap.next("a triage event", TIMEOUT).await;
        if let Some(event) = event.decode::<ReportRouted>() {
            routed.push(event.tracking_code);
        } else if let Some(event) = event.decode::<ReportMerged>() {
            merged.push((event.tracking_code, event.incident, event.report_count));
        }
    }
    routed.sort();
    let mut want = vec![twice.clone(), first.clone()];
    want.sort();
    assert_eq!(routed, want, "each report routed once");
    let incident = format!("incidents/{first}");
    assert_eq!(
        merged,
        [
            (second.clone(), incident.clone(), 2),
            (third.clone(), incident.clone(), 3)
        ]
    );
    assert!(
        tap.next_within(Duration::from_secs(1)).await.is_none(),
        "nothing announced twice"
    );

    // The incident the batch opened was stored with every report it took.
    let fourth = TrackingCode::generate().to_string();
    publish(&env, &lamp(&fourth)).await;
    let event = tap.next("the fourth report's event", TIMEOUT).await;
    let joined = event
        .decode::<ReportMerged>()
        .expect("the fourth report joins the incident");
    assert_eq!((joined.incident, joined.report_count), (incident, 4));
    drop(platform);
    env.cleanup().await;
}

/// The default taxonomy with street lighting's names changed to `it` and `en`.
fn taxonomy_naming_lighting(dir: &std::path::Path, it: &str, en: &str) -> std::path::PathBuf {
    default_taxonomy_with(
        dir,
        &format!("taxonomy-{en}.toml"),
        &[
            (
                "name_it = \"Illuminazione pubblica\"",
                &format!("name_it = \"{it}\""),
            ),
            (
                "name_en = \"Street lighting\"",
                &format!("name_en = \"{en}\""),
            ),
        ],
    )
}

/// The taxonomy version triage last published.
async fn published_version(env: &TestEnv) -> i64 {
    let db = env.service_db(ServiceKind::Triage).await;
    let row = sea_orm::ConnectionTrait::query_one_raw(
        &db,
        sea_orm::Statement::from_string(
            sea_orm::DatabaseBackend::Postgres,
            "SELECT version FROM published_taxonomy".to_owned(),
        ),
    )
    .await
    .expect("read the published taxonomy")
    .expect("a row");
    row.try_get("", "version").expect("a version")
}

/// Status names departments as the city's taxonomy does, without reading triage's
/// files: triage announces the taxonomy when it changes, once however often or in how
/// many replicas it starts.
#[tokio::test]
async fn triage_announces_each_new_taxonomy_once_and_status_names_departments_from_it() {
    let env = TestEnv::new().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let mut settings = env.settings();
    settings.triage.taxonomy_path = Some(taxonomy_naming_lighting(
        dir.path(),
        "Luce pubblica",
        "Public lighting",
    ));
    let services = [ServiceKind::Triage, ServiceKind::Status];
    let shows = |platform: &RunningPlatform, wanted: &'static str| {
        let city = format!("{}/?lang=en", platform.http_url(ServiceKind::Status));
        async move {
            eventually(&format!("the city page offers {wanted}"), TIMEOUT, || {
                let city = city.clone();
                async move {
                    let client = segnala_shared::delivery::http_client(Duration::from_secs(5))
                        .expect("an HTTP client");
                    let page = client.get(&city).send().await.ok()?.text().await.ok()?;
                    page.contains(&format!(
                        "<option value=\"street_lighting\">{wanted}</option>"
                    ))
                    .then_some(page)
                }
            })
            .await
        }
    };
    let platform = RunningPlatform::start(&settings, &services).await;
    let page = shows(&platform, "Public lighting").await;
    assert!(page.contains("<option value=\"roads\">Roads and sidewalks</option>"));
    assert_eq!(published_version(&env).await, 1);
    drop(platform);

    // The same taxonomy again: nothing new to announce.
    let platform = RunningPlatform::start(&settings, &services).await;
    shows(&platform, "Public lighting").await;
    assert_eq!(published_version(&env).await, 1);
    drop(platform);

    // A city that renames a department: announced once more, and status follows.
    settings.triage.taxonomy_path = Some(taxonomy_naming_lighting(
        dir.path(),
        "Lampioni",
        "Street lamps",
    ));
    let platform = RunningPlatform::start(&settings, &services).await;
    shows(&platform, "Street lamps").await;
    assert_eq!(published_version(&env).await, 2);

    // Replicas starting together with a new taxonomy announce it once between them.
    let renamed = std::fs::read_to_string(taxonomy_naming_lighting(dir.path(), "Luci", "Lights"))
        .expect("the taxonomy");
    let taxonomy = std::sync::Arc::new(
        segnala_triage::domain::Taxonomy::parse(&renamed, "replicas").expect("a taxonomy"),
    );
    let mut replicas = tokio::task::JoinSet::new();
    for _ in 0..4 {
        let db = env.service_db(ServiceKind::Triage).await;
        let taxonomy = taxonomy.clone();
        replicas.spawn(async move {
            let outbox = segnala_shared::messaging::Outbox::new();
            segnala_triage::app::publish_taxonomy(&db, &outbox, &taxonomy)
                .await
                .expect("publish")
        });
    }
    let published: Vec<Option<i64>> = replicas.join_all().await;
    assert_eq!(
        published.iter().flatten().collect::<Vec<_>>(),
        [&3],
        "{published:?}"
    );
    assert_eq!(published_version(&env).await, 3);
    shows(&platform, "Lights").await;
    drop(platform);
    env.cleanup().await;
}
