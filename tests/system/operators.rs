//! Humans in the loop, against the real broker and database: an operator resolves a
//! report triage was unsure about and reroutes one it got wrong; the work orders
//! follow, and both decisions become training data for `segnala triage train`. Junk in
//! the review queue is rejected with a polite answer.

use std::{process::Output, time::Duration};

use segnala::ServiceKind;
use segnala_proto::{
    common::v1::LatLng,
    status::v1::PublicState,
    tracking::v1::WorkOrder,
    triage::v1::{
        DecisionOutcome, ListCorrectionsRequest, ListReviewItemsRequest, RejectReviewItemRequest,
        RejectionReason, ReportNeedsReview, ReportRejected, ReportRouted, RerouteReportRequest,
        ResolveReviewItemRequest, triage_service_client::TriageServiceClient,
    },
};

use crate::support::{
    RunningPlatform, TestEnv,
    clients::{Clients, channel, distinct_place, report_request},
    env::OPERATOR_KEY,
    eventually,
    tap::EventTap,
};

const TIMEOUT: Duration = Duration::from_secs(30);

async fn ops(server: &str, args: &[&str]) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_segnala"))
        .arg("ops")
        .args(["--server", server, "--api-key", OPERATOR_KEY])
        .args(args)
        .output()
        .await
        .expect("the segnala binary runs")
}

fn succeeded(output: Output, what: &str) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{what} failed: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

async fn submit_at(clients: &mut Clients, text: &str, place: usize) -> String {
    submit_filed_at(clients, text, place, "").await
}

/// Submits a report filed under an Open311 service code (empty for none).
async fn submit_filed_at(
    clients: &mut Clients,
    text: &str,
    place: usize,
    service_code: &str,
) -> String {
    let mut request = report_request(text, &uuid::Uuid::new_v4().to_string());
    if let Some(report) = request.report.as_mut() {
        report.location = Some(distinct_place(place));
        report.service_code = service_code.into();
    }
    clients.submit_request(request).await
}

/// The report's work order once it is in `department`.
async fn order_in(clients: &Clients, code: &str, department: &str) -> WorkOrder {
    let tracking = clients.tracking.clone().expect("a tracking client");
    eventually(
        &format!("{code}'s work order in {department}"),
        TIMEOUT,
        || {
            let mut tracking = tracking.clone();
            let report = format!("reports/{code}");
            async move {
                tracking
                    .list_work_orders(segnala_proto::tracking::v1::ListWorkOrdersRequest {
                        report,
                        ..Default::default()
                    })
                    .await
                    .ok()?
                    .into_inner()
                    .work_orders
                    .into_iter()
                    .find(|o| o.department == department)
            }
        },
    )
    .await
}

#[tokio::test]
async fn operators_resolve_the_review_queue_and_reroute_and_their_decisions_train_the_model() {
    let env = TestEnv::new().await;
    let platform = RunningPlatform::start(&env.settings(), &ServiceKind::ALL).await;
    let mut tap = EventTap::bind(&env, "segnala.triage.v1.#").await;
    let mut clients = platform.clients().await;
    let server = platform.url(ServiceKind::Triage);
    let mut triage = TriageServiceClient::new(channel(&server, Some(OPERATOR_KEY)).await);

    // Review → resolve: nothing reaches a crew until the operator decides.
    let vague = "Qualcuno deve venire a vedere, è una situazione assurda";
    let unsure = submit_at(&mut clients, vague, 0).await;
    let _: ReportNeedsReview = tap
        .next_of(&unsure, |e: &ReportNeedsReview| &e.tracking_code, TIMEOUT)
        .await;
    let queue = succeeded(ops(&server, &["review", "list"]).await, "review list");
    assert!(
        queue.contains(&unsure) && queue.contains(vague) && queue.contains("1 report(s)"),
        "{queue}"
    );
    assert!(clients.work_orders_of(&unsure).await.is_empty());
    let resolved = succeeded(
        ops(
            &server,
            &[
                "review",
                "resolve",
                &unsure,
                "--department",
                "roads",
                "--category",
                "pothole",
            ],
        )
        .await,
        "review resolve",
    );
    assert!(resolved.contains("roads/pothole"), "{resolved}");
    let routed: ReportRouted = tap
        .next_of(&unsure, |e: &ReportRouted| &e.tracking_code, TIMEOUT)
        .await;
    assert_eq!((routed.department.as_str(), routed.version), ("roads", 2));
    assert_eq!(routed.description, vague);
    order_in(&clients, &unsure, "roads").await;
    let queue = triage
        .list_review_items(ListReviewItemsRequest::default())
        .await
        .expect("ListReviewItems")
        .into_inner();
    assert!(queue.review_items.is_empty(), "{queue:?}");
    // Deciding twice is refused and changes nothing.
    let again = triage
        .resolve_review_item(ResolveReviewItemRequest {
            report: format!("reports/{unsure}"),
            department: "waste".into(),
            category: String::new(),
        })
        .await
        .expect_err("not in review any more");
    assert_eq!(again.code(), tonic::Code::FailedPrecondition);
    let unknown = triage
        .resolve_review_item(ResolveReviewItemRequest {
            report: format!("reports/{unsure}"),
            department: "lighthouses".into(),
            category: String::new(),
        })
        .await
        .expect_err("no such department");
    assert_eq!(unknown.code(), tonic::Code::InvalidArgument);

    // Reroute: the work order moves to the department the operator names.
    // The citizen filed it as a lamp out (101); the operator knows it lights the crossing.
    let misrouted = "Il lampione sopra le strisce pedonali è spento";
    let code = submit_filed_at(&mut clients, misrouted, 1, "101").await;
    let routed: ReportRouted = tap
        .next_of(&code, |e: &ReportRouted| &e.tracking_code, TIMEOUT)
        .await;
    let first = order_in(&clients, &code, &routed.department).await;
    assert_ne!(routed.department, "traffic");
    let decision = triage
        .reroute_report(RerouteReportRequest {
            report: format!("reports/{code}"),
            department: "traffic".into(),
            category: "traffic_lights".into(),
        })
        .await
        .expect("RerouteReport")
        .into_inner()
        .decision
        .expect("a decision");
    assert_eq!(decision.outcome, DecisionOutcome::Routed as i32);
    assert_eq!(decision.method, "operator");
    assert_eq!(decision.version, 2);
    let moved = order_in(&clients, &code, "traffic").await;
    assert_eq!(moved.name, first.name, "the same work order moved");

    // Both decisions are training examples, ready for `segnala triage train`.
    let corrections = triage
        .list_corrections(ListCorrectionsRequest::default())
        .await
        .expect("ListCorrections")
        .into_inner()
        .corrections;
    let labelled: Vec<(&str, &str, Option<LatLng>, &str, &str)> = corrections
        .iter()
        .map(|c| {
            (
                c.text.as_str(),
                c.service_code.as_str(),
                c.location,
                c.department.as_str(),
                c.previous_department.as_str(),
            )
        })
        .collect();
    assert_eq!(
        labelled,
        [
            (vague, "", Some(distinct_place(0)), "roads", ""),
            (
                misrouted,
                "101",
                Some(distinct_place(1)),
                "traffic",
                routed.department.as_str()
            )
        ]
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let csv = dir.path().join("corrections.csv");
    let written = succeeded(
        ops(
            &server,
            &["corrections", "--out", csv.to_str().expect("a path")],
        )
        .await,
        "corrections",
    );
    assert!(written.contains("2 correction(s)"), "{written}");
    let rows = std::fs::read_to_string(&csv).expect("the corrections file");
    assert!(
        rows.starts_with("text,service_code,point,dept,category\n")
            && rows.contains(&format!(
                "{misrouted},101,{} {},traffic,traffic_lights\n",
                distinct_place(1).latitude,
                distinct_place(1).longitude
            )),
        "{rows}"
    );
    let model = dir.path().join("model.json");
    let trained = tokio::process::Command::new(env!("CARGO_BIN_EXE_segnala"))
        .args(["triage", "train", "--csv"])
        .arg(&csv)
        .args(["--text-columns", "text", "--service-column", "service_code"])
        .args(["--position-column", "point"])
        .arg("--out")
        .arg(&model)
        .output()
        .await
        .expect("the segnala binary runs");
    succeeded(trained, "triage train on the corrections");
    assert!(model.exists());

    drop(platform);
    env.cleanup().await;
}

#[tokio::test]
async fn operators_reject_junk_from_the_review_queue_with_a_polite_answer() {
    let env = TestEnv::new().await;
    let platform = RunningPlatform::start(&env.settings(), &ServiceKind::ALL).await;
    let mut tap = EventTap::bind(&env, "segnala.triage.v1.#").await;
    let mut clients = platform.clients().await;
    let server = platform.url(ServiceKind::Triage);
    let mut triage = TriageServiceClient::new(channel(&server, Some(OPERATOR_KEY)).await);

    let junk = "Qualcuno deve venire a vedere, è una situazione assurda";
    let code = submit_at(&mut clients, junk, 0).await;
    let _: ReportNeedsReview = tap
        .next_of(&code, |e: &ReportNeedsReview| &e.tracking_code, TIMEOUT)
        .await;
    let rejected = succeeded(
        ops(&server, &["review", "reject", &code]).await,
        "review reject",
    );
    assert!(rejected.contains("rejected as not a report"), "{rejected}");
    let event: ReportRejected = tap
        .next_of(&code, |e: &ReportRejected| &e.tracking_code, TIMEOUT)
        .await;
    assert_eq!(event.reason, RejectionReason::NotAReport as i32);
    assert_eq!(event.version, 2);
    // The taxonomy's answer, in the report's language.
    assert!(
        event.message.starts_with("Grazie del messaggio"),
        "{event:?}"
    );
    let status = clients
        .wait_for_state(&code, PublicState::Rejected, TIMEOUT)
        .await;
    assert_eq!(status.reason, event.message);
    assert!(clients.work_orders_of(&code).await.is_empty());
    let queue = triage
        .list_review_items(ListReviewItemsRequest::default())
        .await
        .expect("ListReviewItems")
        .into_inner();
    assert!(queue.review_items.is_empty(), "{queue:?}");
    let again = triage
        .reject_review_item(RejectReviewItemRequest {
            report: format!("reports/{code}"),
            message: String::new(),
        })
        .await
        .expect_err("not in review any more");
    assert_eq!(again.code(), tonic::Code::FailedPrecondition);

    // An answer of the operator's own.
    let test = submit_at(&mut clients, "Prova prova, è solo una prova", 1).await;
    let _: ReportNeedsReview = tap
        .next_of(&test, |e: &ReportNeedsReview| &e.tracking_code, TIMEOUT)
        .await;
    let answer = "Messaggio di prova ricevuto, grazie.";
    let decision = triage
        .reject_review_item(RejectReviewItemRequest {
            report: format!("reports/{test}"),
            message: format!("  {answer} "),
        })
        .await
        .expect("RejectReviewItem")
        .into_inner()
        .decision
        .expect("a decision");
    assert_eq!(decision.outcome, DecisionOutcome::Rejected as i32);
    assert_eq!(decision.method, "operator");
    let event: ReportRejected = tap
        .next_of(&test, |e: &ReportRejected| &e.tracking_code, TIMEOUT)
        .await;
    assert_eq!(event.message, answer);

    // Both are operators' decisions, kept with the corrections, but name no department
    // to train on.
    let corrections = triage
        .list_corrections(ListCorrectionsRequest::default())
        .await
        .expect("ListCorrections")
        .into_inner()
        .corrections;
    let kept: Vec<(&str, &str, i32)> = corrections
        .iter()
        .map(|c| (c.report.as_str(), c.department.as_str(), c.rejection_reason))
        .collect();
    let not_a_report = RejectionReason::NotAReport as i32;
    assert_eq!(
        kept,
        [
            (format!("reports/{code}").as_str(), "", not_a_report),
            (format!("reports/{test}").as_str(), "", not_a_report)
        ]
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let csv = dir.path().join("corrections.csv");
    let written = succeeded(
        ops(
            &server,
            &["corrections", "--out", csv.to_str().expect("a path")],
        )
        .await,
        "corrections",
    );
    assert!(
        written.contains("0 correction(s)") && written.contains("2 rejection(s)"),
        "{written}"
    );
    drop(platform);
    env.cleanup().await;
}
