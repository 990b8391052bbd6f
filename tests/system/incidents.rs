//! One incident, many reports, against the real broker and database: reports of the
//! same lamp from the gRPC API and Open311 become one incident with one work order, and
//! every reporter sees it; a lamp further away is an incident of its own. Operators
//! unmerge and merge incidents, and the work orders follow, on PostgreSQL (each service
//! its own process, too) and embedded on SQLite.

use std::time::Duration;

use segnala::ServiceKind;
use segnala_proto::{
    common::v1::{LatLng, Priority},
    intake::v1::CreateReportRequest,
    tracking::v1::{
        GetWorkOrderRequest, ListWorkOrdersRequest, WorkOrder, WorkOrderChanged, WorkOrderState,
        tracking_service_client::TrackingServiceClient,
    },
    triage::v1::{
        GetDecisionRequest, MergeIncidentsRequest, ReportMerged, ReportRouted,
        UnmergeReportRequest, triage_service_client::TriageServiceClient,
    },
};
use serde_json::Value;

use crate::support::{
    RunningPlatform, TestEnv,
    clients::{IntakeClient, Intercepted, channel, distinct_place, report_request},
    embedded::Embedded,
    env::{INTEGRATOR_KEY, OPERATOR_KEY},
    eventually,
    processes::Processes,
    tap::EventTap,
};

const TIMEOUT: Duration = Duration::from_secs(30);
const LAMP: &str = "Il lampione davanti al civico 12 è spento da tre notti";

/// A report of the lamp, made at this place.
fn lamp_at(latitude: f64, longitude: f64) -> CreateReportRequest {
    let mut request = report_request(LAMP, &uuid::Uuid::new_v4().to_string());
    if let Some(report) = request.report.as_mut() {
        report.location = Some(LatLng {
            latitude,
            longitude,
        });
    }
    request
}

#[tokio::test]
async fn reports_of_one_lamp_from_two_channels_become_one_incident_and_one_work_order() {
    let env = TestEnv::new().await;
    let platform = RunningPlatform::start(&env.settings(), &ServiceKind::ALL).await;
    let mut tap = EventTap::bind(&env, "segnala.triage.v1.#").await;
    let mut clients = platform.clients().await;
    let http = segnala_shared::delivery::http_client(TIMEOUT).expect("an HTTP client");

    // The first report, by the gRPC API at the Duomo, opens the incident.
    let first = clients.submit_request(lamp_at(45.4642, 9.19)).await;
    let routed: ReportRouted = tap
        .next_of(&first, |e: &ReportRouted| &e.tracking_code, TIMEOUT)
        .await;
    let incident = format!("incidents/{first}");
    assert_eq!(routed.incident, incident);

    // About 14 m away, from an Open311 app, with the lamp's service code: a duplicate.
    let response = http
        .post(format!(
            "{}/open311/v2/requests.json",
            platform.http_url(ServiceKind::Intake)
        ))
        .form(&[
            ("api_key", INTEGRATOR_KEY),
            ("service_code", "101"),
            ("lat", "45.4643"),
            ("long", "9.1901"),
            ("description", "Lampione spento"),
            ("email", "luca@example.org"),
        ])
        .send()
        .await
        .expect("Open311 answers");
    assert_eq!(response.status(), 200);
    let created: Value = response.json().await.expect("JSON");
    let second = created[0]["service_request_id"]
        .as_str()
        .expect("a service request id")
        .to_owned();
    let merged: ReportMerged = tap
        .next_of(&second, |e: &ReportMerged| &e.tracking_code, TIMEOUT)
        .await;
    assert_eq!(merged.incident, incident);
    assert_eq!(merged.duplicate_of, format!("reports/{first}"));
    assert_eq!(
        (merged.department.as_str(), merged.category.as_str()),
        ("street_lighting", "lamp_out")
    );
    assert_eq!(merged.report_count, 2);
    assert_eq!(merged.priority, Priority::Normal as i32);

    // A third report of the same lamp raises the incident's priority.
    let third = clients
        .submit(LAMP, &uuid::Uuid::new_v4().to_string())
        .await;
    let merged: ReportMerged = tap
        .next_of(&third, |e: &ReportMerged| &e.tracking_code, TIMEOUT)
        .await;
    assert_eq!(merged.report_count, 3);
    assert_eq!(merged.priority, Priority::High as i32);

    // About 420 m north: another lamp, another incident.
    let far = clients.submit_request(lamp_at(45.4680, 9.19)).await;
    let routed: ReportRouted = tap
        .next_of(&far, |e: &ReportRouted| &e.tracking_code, TIMEOUT)
        .await;
    assert_eq!(routed.incident, format!("incidents/{far}"));

    // Tracking: one work order answers the three reports, at the raised priority; the
    // far lamp has its own.
    let tracking = clients.tracking.clone().expect("a tracking client");
    let order = eventually("one work order for the three reports", TIMEOUT, || {
        let mut tracking = tracking.clone();
        let first = first.clone();
        async move {
            let orders = tracking
                .list_work_orders(segnala_proto::tracking::v1::ListWorkOrdersRequest {
                    report: format!("reports/{first}"),
                    ..Default::default()
                })
                .await
                .ok()?
                .into_inner()
                .work_orders;
            orders
                .into_iter()
                .find(|o| o.reports.len() == 3 && o.priority == Priority::High as i32)
        }
    })
    .await;
    assert_eq!(order.incident, incident);
    for code in [&second, &third] {
        let orders = clients.work_orders_of(code).await;
        assert_eq!(
            orders.iter().map(|o| o.name.as_str()).collect::<Vec<_>>(),
            [order.name.as_str()],
            "{code} follows the incident's order"
        );
    }
    let far_orders = eventually("the far lamp's work order", TIMEOUT, || {
        let mut tracking = tracking.clone();
        let far = far.clone();
        async move {
            let orders = tracking
                .list_work_orders(segnala_proto::tracking::v1::ListWorkOrdersRequest {
                    report: format!("reports/{far}"),
                    ..Default::default()
                })
                .await
                .ok()?
                .into_inner()
                .work_orders;
            (!orders.is_empty()).then_some(orders)
        }
    })
    .await;
    assert_eq!(far_orders.len(), 1);
    assert_ne!(far_orders[0].name, order.name);

    // Status: the duplicate shows what it duplicates and follows the same incident.
    let status = clients
        .wait_until(&second, "is a duplicate", TIMEOUT, |s| {
            !s.duplicate_of.is_empty()
        })
        .await;
    assert_eq!(status.duplicate_of, format!("reports/{first}"));
    assert_eq!(status.incident, incident);

    drop(platform);
    env.cleanup().await;
}

/// The work order answering `report` once `check` holds for it.
async fn order_of(
    tracking: &TrackingServiceClient<Intercepted>,
    report: &str,
    what: &str,
    check: impl Fn(&WorkOrder) -> bool,
) -> WorkOrder {
    let check = &check;
    eventually(what, TIMEOUT, || {
        let mut tracking = tracking.clone();
        let report = format!("reports/{report}");
        async move {
            tracking
                .list_work_orders(ListWorkOrdersRequest {
                    report,
                    ..Default::default()
                })
                .await
                .ok()?
                .into_inner()
                .work_orders
                .into_iter()
                .find(|o| check(o))
        }
    })
    .await
}

#[tokio::test]
async fn reports_of_one_lamp_arriving_together_all_join_its_incident_each_counted_once() {
    let env = TestEnv::new().await;
    let platform =
        RunningPlatform::start(&env.settings(), &[ServiceKind::Intake, ServiceKind::Triage]).await;
    let mut tap = EventTap::bind(&env, "segnala.triage.v1.#").await;
    let intake = IntakeClient::connect(&platform).await;
    let first = intake.clone().submit_request(lamp_at(45.4642, 9.19)).await;
    let routed: ReportRouted = tap
        .next_of(&first, |e: &ReportRouted| &e.tracking_code, TIMEOUT)
        .await;

    // Twelve more reports of the lamp at once, a metre apart: triage takes them in one
    // or a few batches, each of which locks the stored incident and counts its reports.
    const MORE: usize = 12;
    let codes: Vec<String> = futures_util::future::join_all((0..MORE).map(|i| {
        let mut intake = intake.clone();
        async move {
            intake
                .submit_request(lamp_at(45.4642 + i as f64 * 0.00001, 9.19))
                .await
        }
    }))
    .await;
    let mut counts = Vec::new();
    while counts.len() < MORE {
        let event = tap.next("the reports' merges", TIMEOUT).await;
        if let Some(merged) = event.decode::<ReportMerged>()
            && codes.contains(&merged.tracking_code)
        {
            assert_eq!(merged.incident, routed.incident, "{}", merged.tracking_code);
            counts.push(merged.report_count);
        } else if let Some(other) = event.decode::<ReportRouted>() {
            assert!(
                !codes.contains(&other.tracking_code),
                "{} opened an incident of its own",
                other.tracking_code
            );
        }
    }
    counts.sort_unstable();
    assert_eq!(
        counts,
        (2..=MORE as i32 + 1).collect::<Vec<_>>(),
        "each report raises the incident's count by one"
    );
    drop(platform);
    env.cleanup().await;
}

#[tokio::test]
async fn operators_unmerge_a_report_and_merge_incidents_and_the_work_orders_follow() {
    let env = TestEnv::new().await;
    let platform = RunningPlatform::start(&env.settings(), &ServiceKind::ALL).await;
    let mut tap = EventTap::bind(&env, "segnala.triage.v1.#").await;
    let mut clients = platform.clients().await;
    let tracking = clients.tracking.clone().expect("a tracking client");
    let server = platform.url(ServiceKind::Triage);
    let mut triage = TriageServiceClient::new(channel(&server, Some(OPERATOR_KEY)).await);

    // Two reports of one lamp: one incident, one order.
    let first = clients
        .submit(LAMP, &uuid::Uuid::new_v4().to_string())
        .await;
    let second = clients
        .submit(LAMP, &uuid::Uuid::new_v4().to_string())
        .await;
    let merged: ReportMerged = tap
        .next_of(&second, |e: &ReportMerged| &e.tracking_code, TIMEOUT)
        .await;
    assert_eq!(merged.incident, format!("incidents/{first}"));
    let shared = order_of(&tracking, &first, "one order for both", |o| {
        o.reports.len() == 2
    })
    .await;

    // The operator knows better: the second is another lamp. It gets its own order.
    let unmerged = tokio::process::Command::new(env!("CARGO_BIN_EXE_segnala"))
        .args(["ops", "--server", &server, "--api-key", OPERATOR_KEY])
        .args(["unmerge", &second])
        .output()
        .await
        .expect("the segnala binary runs");
    assert!(
        unmerged.status.success(),
        "{}",
        String::from_utf8_lossy(&unmerged.stderr)
    );
    let routed: ReportRouted = tap
        .next_of(&second, |e: &ReportRouted| &e.tracking_code, TIMEOUT)
        .await;
    assert_eq!(
        (routed.incident.as_str(), routed.version),
        (format!("incidents/{second}").as_str(), 2)
    );
    let own = order_of(&tracking, &second, "an order of its own", |o| {
        o.incident == format!("incidents/{second}")
    })
    .await;
    assert_ne!(own.name, shared.name);
    order_of(
        &tracking,
        &first,
        "the first order back to one report",
        |o| o.reports == [format!("reports/{first}")],
    )
    .await;
    let refused = triage
        .unmerge_report(UnmergeReportRequest {
            report: format!("reports/{first}"),
        })
        .await
        .expect_err("the first report opened its incident");
    assert_eq!(refused.code(), tonic::Code::FailedPrecondition);

    // And back: merging the incidents puts both reports on the first order again.
    let response = triage
        .merge_incidents(MergeIncidentsRequest {
            incident: format!("incidents/{first}"),
            merged_incident: format!("incidents/{second}"),
        })
        .await
        .expect("MergeIncidents")
        .into_inner();
    assert_eq!(response.moved_reports, [format!("reports/{second}")]);
    assert_eq!(response.report_count, 2);
    let merged: ReportMerged = tap
        .next_of(&second, |e: &ReportMerged| &e.tracking_code, TIMEOUT)
        .await;
    assert_eq!(
        (merged.incident.as_str(), merged.version),
        (format!("incidents/{first}").as_str(), 3)
    );
    order_of(&tracking, &first, "both reports on the first order", |o| {
        o.name == shared.name && o.reports.len() == 2
    })
    .await;
    // The second report's own order, left without reports, is cancelled.
    eventually("the emptied order cancelled", TIMEOUT, || {
        let mut tracking = tracking.clone();
        let name = own.name.clone();
        async move {
            tracking
                .get_work_order(GetWorkOrderRequest { name })
                .await
                .ok()?
                .into_inner()
                .work_order
                .filter(|o| o.state == WorkOrderState::Cancelled as i32 && o.reports.is_empty())
        }
    })
    .await;
    let closed = triage
        .merge_incidents(MergeIncidentsRequest {
            incident: format!("incidents/{first}"),
            merged_incident: format!("incidents/{second}"),
        })
        .await
        .expect_err("the merged incident is closed");
    assert_eq!(closed.code(), tonic::Code::FailedPrecondition);

    drop(platform);
    env.cleanup().await;
}

/// An incident whose work order is resolved takes no more reports; reopened, it takes
/// them again.
#[tokio::test]
async fn a_resolved_incident_takes_no_more_reports_until_its_order_is_reopened() {
    let env = TestEnv::new().await;
    let platform = RunningPlatform::start(
        &env.settings(),
        &[
            ServiceKind::Intake,
            ServiceKind::Triage,
            ServiceKind::Status,
        ],
    )
    .await;
    let mut tap = EventTap::bind(&env, "segnala.triage.v1.#").await;
    let mut intake = IntakeClient::connect(&platform).await;
    // About 20 m east and west of the first lamp: each is within the lamp's 30 m of it,
    // and 40 m from each other.
    let mut report_at = async |longitude: f64| {
        let code = intake.submit_request(lamp_at(45.4642, longitude)).await;
        let routed: ReportRouted = tap
            .next_of(&code, |e: &ReportRouted| &e.tracking_code, TIMEOUT)
            .await;
        (code, routed.incident)
    };
    let order_is = async |state: WorkOrderState, version: i64, incident: &str| {
        crate::support::tracking::publish(
            &env,
            &WorkOrderChanged {
                work_order: "workOrders/1".into(),
                incident: incident.to_owned(),
                department: "street_lighting".into(),
                state: state as i32,
                version,
                ..WorkOrderChanged::default()
            },
        )
        .await;
    };

    let (first, incident) = report_at(9.19).await;
    assert_eq!(incident, format!("incidents/{first}"));
    order_is(WorkOrderState::Resolved, 2, &incident).await;
    // Triage reads its queue in order: the resolution is handled before this report.
    let (east, east_incident) = report_at(9.19026).await;
    assert_eq!(
        east_incident,
        format!("incidents/{east}"),
        "a resolved incident takes no reports"
    );

    order_is(WorkOrderState::Queued, 3, &incident).await;
    let west = intake.submit_request(lamp_at(45.4642, 9.18974)).await;
    let merged: ReportMerged = tap
        .next_of(&west, |e: &ReportMerged| &e.tracking_code, TIMEOUT)
        .await;
    assert_eq!(merged.incident, incident, "the reopened incident takes it");
    drop(platform);
    env.cleanup().await;
}

/// An operator's clients of a platform's intake, triage and tracking.
struct Operator {
    intake: IntakeClient,
    triage: TriageServiceClient<Intercepted>,
    tracking: TrackingServiceClient<Intercepted>,
}

impl Operator {
    async fn connect(intake: &str, triage: &str, tracking: &str, key: &str) -> Self {
        Self {
            intake: IntakeClient::with_key(intake, key).await,
            triage: TriageServiceClient::new(channel(triage, Some(key)).await),
            tracking: TrackingServiceClient::new(channel(tracking, Some(key)).await),
        }
    }

    /// A report of a lamp at the `i`-th distinct place; waits until triage placed it.
    async fn report_at(&mut self, i: usize) -> String {
        let place = distinct_place(i);
        let code = self
            .intake
            .submit_request(lamp_at(place.latitude, place.longitude))
            .await;
        self.incident_of(&code, |incident| !incident.is_empty())
            .await;
        code
    }

    /// The report's incident once `check` holds for it.
    async fn incident_of(&self, code: &str, check: impl Fn(&str) -> bool) -> String {
        let check = &check;
        eventually(&format!("{code}'s incident"), TIMEOUT, || {
            let mut triage = self.triage.clone();
            let name = format!("reports/{code}/decision");
            async move {
                let decision = triage
                    .get_decision(GetDecisionRequest { name })
                    .await
                    .ok()?
                    .into_inner()
                    .decision?;
                check(&decision.incident).then_some(decision.incident)
            }
        })
        .await
    }

    async fn merge(&mut self, kept: &str, merged: &str) {
        self.triage
            .merge_incidents(MergeIncidentsRequest {
                incident: format!("incidents/{kept}"),
                merged_incident: format!("incidents/{merged}"),
            })
            .await
            .unwrap_or_else(|e| panic!("merging {merged} into {kept}: {e:?}"));
    }

    /// Unmerges the report: it is in its own incident again.
    async fn unmerge(&mut self, code: &str) {
        let decision = self
            .triage
            .unmerge_report(UnmergeReportRequest {
                report: format!("reports/{code}"),
            })
            .await
            .unwrap_or_else(|e| panic!("unmerging {code}: {e:?}"))
            .into_inner()
            .decision
            .expect("a decision");
        assert_eq!(decision.incident, format!("incidents/{code}"));
    }
}

/// An operator takes a report out of an incident when the report's own incident exists
/// already: after it was merged back into the incident it had joined, and after an
/// operator merged its incident into another. Its own incident and work order take it
/// back, and the other incident's order is left with its own reports.
async fn unmerge_where_the_reports_own_incident_exists(operator: &mut Operator) {
    let mine = |code: &str| format!("incidents/{code}");

    // A natural duplicate, taken out, merged back, taken out again.
    let first = operator.report_at(0).await;
    let second = operator.report_at(0).await;
    assert_eq!(
        operator.incident_of(&second, |_| true).await,
        mine(&first),
        "a duplicate"
    );
    operator.unmerge(&second).await;
    let own = order_of(&operator.tracking, &second, "its own order", |o| {
        o.incident == mine(&second)
    })
    .await;
    operator.merge(&first, &second).await;
    order_of(
        &operator.tracking,
        &second,
        "back on the first order",
        |o| o.incident == mine(&first) && o.reports.len() == 2,
    )
    .await;
    operator.unmerge(&second).await;
    let again = order_of(&operator.tracking, &second, "its own order again", |o| {
        o.incident == mine(&second) && o.state == WorkOrderState::Reopened as i32
    })
    .await;
    assert_eq!(
        again.name, own.name,
        "the same order takes the work up again"
    );
    assert_eq!(again.reports, [format!("reports/{second}")]);
    order_of(&operator.tracking, &first, "the first order alone", |o| {
        o.reports == [format!("reports/{first}")]
    })
    .await;

    // Two incidents an operator merged, then one report taken back out.
    let kept = operator.report_at(1).await;
    let merged = operator.report_at(2).await;
    let merged_order = order_of(&operator.tracking, &merged, "its order", |o| {
        o.incident == mine(&merged)
    })
    .await;
    operator.merge(&kept, &merged).await;
    order_of(&operator.tracking, &merged, "on the kept order", |o| {
        o.incident == mine(&kept)
    })
    .await;
    operator.unmerge(&merged).await;
    let back = order_of(&operator.tracking, &merged, "its order back", |o| {
        o.incident == mine(&merged) && o.state == WorkOrderState::Reopened as i32
    })
    .await;
    assert_eq!(back.name, merged_order.name);
    order_of(&operator.tracking, &kept, "the kept order alone", |o| {
        o.reports == [format!("reports/{kept}")]
    })
    .await;
}

#[tokio::test]
async fn unmerge_where_the_reports_own_incident_exists_on_postgresql_in_separate_processes() {
    let env = TestEnv::new().await;
    let processes = Processes::start(&env).await;
    let mut operator = Operator::connect(
        &processes.url(ServiceKind::Intake),
        &processes.url(ServiceKind::Triage),
        &processes.url(ServiceKind::Tracking),
        OPERATOR_KEY,
    )
    .await;
    unmerge_where_the_reports_own_incident_exists(&mut operator).await;
    processes.stop().await;
    env.cleanup().await;
}

#[tokio::test]
async fn unmerge_where_the_reports_own_incident_exists_embedded_on_sqlite() {
    let up = Embedded::start(&[]).await;
    let mut operator = Operator::connect(
        &up.url("INTAKE"),
        &up.url("TRIAGE"),
        &up.url("TRACKING"),
        &up.local_key(),
    )
    .await;
    unmerge_where_the_reports_own_incident_exists(&mut operator).await;
}
