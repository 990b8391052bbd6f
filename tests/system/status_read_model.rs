//! Status's public read model, fed with crafted events on the real broker: what
//! intake's Open311 GET reads through BatchGetReportStatuses and ListReportStatuses,
//! and the ReportStatusChanged events every reporter of an incident is told through.

use std::time::Duration;

use prost_types::{Duration as ProtoDuration, Timestamp};
use segnala::ServiceKind;
use segnala_proto::{
    common::v1::{Channel, LatLng},
    intake::v1::ReportReceived,
    status::v1::{
        BatchGetReportStatusesRequest, GetReportStatusRequest, ListReportStatusesRequest, Openness,
        PublicState, ReportStatus, ReportStatusChanged, ReportStatusView,
        status_service_client::StatusServiceClient,
    },
    tracking::v1::{WorkOrderChanged, WorkOrderState},
    triage::v1::{Category, Department, ReportMerged, ReportRouted, TaxonomyPublished},
};
use segnala_shared::messaging::Envelope;
use tonic::Code;

use crate::support::{
    RunningPlatform, TestEnv,
    clients::{Intercepted, channel},
    events::{publish, transport},
    tap::EventTap,
};

const WAIT: Duration = Duration::from_secs(30);
const T0: i64 = 1_800_000_000;

pub fn at(seconds: i64) -> Option<Timestamp> {
    Some(Timestamp {
        seconds: T0 + seconds,
        nanos: 0,
    })
}

pub fn received(code: &str, latitude: f64, longitude: f64) -> ReportReceived {
    ReportReceived {
        report: format!("reports/{code}"),
        tracking_code: code.into(),
        description: format!("Problema {code}"),
        location: Some(LatLng {
            latitude,
            longitude,
        }),
        channel: Channel::Telegram as i32,
        service_code: "lamp-out".into(),
        language_code: "it".into(),
        receive_time: at(0),
        version: 1,
        ..Default::default()
    }
}

pub fn routed(code: &str, department: &str, zone: &str, incident: &str) -> ReportRouted {
    ReportRouted {
        report: format!("reports/{code}"),
        tracking_code: code.into(),
        department: department.into(),
        category: "lamp_out".into(),
        route_time: at(10),
        version: 1,
        incident: incident.into(),
        zone: zone.into(),
        resolve_within: Some(ProtoDuration {
            seconds: 86_400,
            nanos: 0,
        }),
        service_code: "lamp-out".into(),
        ..Default::default()
    }
}

pub fn order(
    id: &str,
    reports: &[&str],
    incident: &str,
    state: WorkOrderState,
    version: i64,
) -> WorkOrderChanged {
    WorkOrderChanged {
        work_order: format!("workOrders/{id}"),
        reports: reports.iter().map(|c| format!("reports/{c}")).collect(),
        department: "street_lighting".into(),
        state: state as i32,
        change_time: at(20 + version),
        version,
        incident: incident.into(),
        expected_time: at(86_400),
        ..Default::default()
    }
}

/// A taxonomy as triage would announce it, with names of the test's own.
pub fn taxonomy(version: i64, departments: &[(&str, &str, &str)]) -> TaxonomyPublished {
    let names = |it: &str, en: &str| {
        [
            ("it".to_owned(), it.to_owned()),
            ("en".to_owned(), en.to_owned()),
        ]
        .into()
    };
    TaxonomyPublished {
        version,
        departments: departments
            .iter()
            .map(|(id, it, en)| Department {
                name: format!("departments/{id}"),
                department_id: (*id).into(),
                display_names: names(it, en),
                categories: vec![Category {
                    category_id: "lamp_out".into(),
                    display_names: names("Lampione spento", "Street light out"),
                    ..Category::default()
                }],
                ..Department::default()
            })
            .collect(),
        publish_time: at(0),
    }
}

/// The default taxonomy's first departments, by name.
pub fn lighting_and_roads() -> TaxonomyPublished {
    taxonomy(
        1,
        &[
            (
                "street_lighting",
                "Illuminazione pubblica",
                "Street lighting",
            ),
            ("roads", "Strade e marciapiedi", "Roads and sidewalks"),
        ],
    )
}

pub async fn status_client(platform: &RunningPlatform) -> StatusServiceClient<Intercepted> {
    StatusServiceClient::new(channel(&platform.url(ServiceKind::Status), None).await)
}

/// The statuses of `codes` (unknown ones left out), or `None` while status cannot answer.
pub async fn statuses_of(
    client: &StatusServiceClient<Intercepted>,
    codes: Vec<String>,
) -> Option<Vec<ReportStatus>> {
    let request = BatchGetReportStatusesRequest {
        tracking_codes: codes,
        ..Default::default()
    };
    let response = client.clone().batch_get_report_statuses(request).await;
    Some(response.ok()?.into_inner().statuses)
}

async fn wait_for_states(
    client: &StatusServiceClient<Intercepted>,
    expected: &[(&str, PublicState)],
) {
    crate::support::eventually("statuses reach their states", WAIT, || {
        let codes: Vec<String> = expected.iter().map(|(c, _)| (*c).to_owned()).collect();
        async move {
            let statuses = statuses_of(client, codes).await?;
            let states: Vec<(String, i32)> = statuses
                .iter()
                .map(|s| (s.tracking_code.clone(), s.state))
                .collect();
            let want: Vec<(String, i32)> = expected
                .iter()
                .map(|(c, s)| ((*c).to_owned(), *s as i32))
                .collect();
            (states == want).then_some(())
        }
    })
    .await;
}

const A: &str = "AAAA-0000-0001";
const B: &str = "BBBB-0000-0002";
const C: &str = "CCCC-0000-0003";
const UNKNOWN: &str = "ZZZZ-0000-0009";

#[tokio::test]
async fn status_batch_reads_and_lists_reports_with_filters_and_pages() {
    let env = TestEnv::new().await;
    let platform = RunningPlatform::start(&env.settings(), &[ServiceKind::Status]).await;
    let bus = transport(&env).await;
    let mut client = status_client(&platform).await;
    publish(
        &bus,
        &[
            Envelope::new(&received(A, 45.464_249, 9.189_951)),
            Envelope::new(&received(B, 45.470_1, 9.2)),
            Envelope::new(&received(C, 45.48, 9.21)),
            Envelope::new(&routed(A, "street_lighting", "municipio-1", "incidents/a")),
            Envelope::new(&routed(B, "street_lighting", "municipio-2", "incidents/b")),
            Envelope::new(&routed(C, "roads", "municipio-1", "incidents/c")),
            Envelope::new(&order("a", &[A], "incidents/a", WorkOrderState::Queued, 1)),
            Envelope::new(&order(
                "b",
                &[B],
                "incidents/b",
                WorkOrderState::Resolved,
                3,
            )),
        ],
    )
    .await;
    wait_for_states(
        &client,
        &[
            (A, PublicState::Assigned),
            (B, PublicState::Resolved),
            (C, PublicState::Received),
        ],
    )
    .await;

    // Batch: in the order asked, unknown codes left out, typing variants forgiven.
    let batch = client
        .batch_get_report_statuses(BatchGetReportStatusesRequest {
            tracking_codes: vec![C.into(), UNKNOWN.into(), "aaaa 0000 0001".into()],
            ..Default::default()
        })
        .await
        .expect("BatchGetReportStatuses")
        .into_inner()
        .statuses;
    let codes: Vec<&str> = batch.iter().map(|s| s.tracking_code.as_str()).collect();
    assert_eq!(codes, [C, A]);
    let a = &batch[1];
    assert_eq!(a.department, "street_lighting");
    assert_eq!(a.service_code, "lamp-out");
    assert_eq!(a.zone, "municipio-1");
    assert_eq!(a.incident, "incidents/a");
    assert_eq!(a.channel, Channel::Telegram as i32);
    assert_eq!(a.description, format!("Problema {A}"));
    assert_eq!(a.expected_time, at(86_400));
    let location = a.approximate_location.expect("a rounded location");
    assert_eq!((location.latitude, location.longitude), (45.464, 9.19));
    let steps: Vec<&str> = a.timeline.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(
        steps,
        [
            "Report received",
            "Sent to the street_lighting department",
            "In the department's work queue"
        ]
    );

    // The basic view: the same statuses without their timelines, in a batch, alone and
    // in a list; a view the service does not know is refused.
    let basic = client
        .batch_get_report_statuses(BatchGetReportStatusesRequest {
            tracking_codes: vec![C.into(), A.into()],
            view: ReportStatusView::Basic as i32,
            ..Default::default()
        })
        .await
        .expect("BatchGetReportStatuses, basic view")
        .into_inner()
        .statuses;
    let without_timeline = |status: &ReportStatus| ReportStatus {
        timeline: Vec::new(),
        ..status.clone()
    };
    assert_eq!(
        basic,
        [without_timeline(&batch[0]), without_timeline(&batch[1])]
    );
    let alone = client
        .get_report_status(GetReportStatusRequest {
            tracking_code: A.into(),
            view: ReportStatusView::Basic as i32,
            ..Default::default()
        })
        .await
        .expect("GetReportStatus, basic view")
        .into_inner()
        .status;
    assert_eq!(alone, Some(without_timeline(&batch[1])));
    let listed = client
        .list_report_statuses(ListReportStatusesRequest {
            department: "roads".into(),
            view: ReportStatusView::Basic as i32,
            ..Default::default()
        })
        .await
        .expect("ListReportStatuses, basic view")
        .into_inner()
        .statuses;
    assert_eq!(listed, [without_timeline(&batch[0])]);
    let unknown_view = client
        .get_report_status(GetReportStatusRequest {
            tracking_code: A.into(),
            view: 9,
            ..Default::default()
        })
        .await
        .expect_err("an unknown view is refused");
    assert_eq!(unknown_view.code(), Code::InvalidArgument);
    assert!(unknown_view.message().contains("view"), "{unknown_view:?}");

    // A malformed code refuses the whole batch, naming it.
    let refused = client
        .batch_get_report_statuses(BatchGetReportStatusesRequest {
            tracking_codes: vec![A.into(), "not-a-code".into()],
            ..Default::default()
        })
        .await
        .expect_err("a malformed code is refused");
    assert_eq!(refused.code(), Code::InvalidArgument);
    assert!(
        refused.message().contains("tracking_codes[1]"),
        "{refused:?}"
    );

    // Lists: filtered, most recently updated first, page by page without repeats.
    let mut seen = Vec::new();
    let mut page_token = String::new();
    loop {
        let page = client
            .list_report_statuses(ListReportStatusesRequest {
                department: "street_lighting".into(),
                page_size: 1,
                page_token: page_token.clone(),
                ..Default::default()
            })
            .await
            .expect("ListReportStatuses")
            .into_inner();
        assert!(page.statuses.len() <= 1);
        seen.extend(page.statuses.into_iter().map(|s| s.tracking_code));
        if page.next_page_token.is_empty() {
            break;
        }
        page_token = page.next_page_token;
    }
    assert_eq!(seen, [B, A], "B changed last");

    let list = |request: ListReportStatusesRequest| {
        let mut client = client.clone();
        async move {
            let codes: Vec<String> = client
                .list_report_statuses(request)
                .await
                .expect("ListReportStatuses")
                .into_inner()
                .statuses
                .into_iter()
                .map(|s| s.tracking_code)
                .collect();
            codes
        }
    };
    let open = list(ListReportStatusesRequest {
        openness: Openness::Open as i32,
        ..Default::default()
    })
    .await;
    assert_eq!(open.len(), 2);
    assert!(!open.contains(&B.to_owned()));
    let closed = list(ListReportStatusesRequest {
        openness: Openness::Closed as i32,
        ..Default::default()
    })
    .await;
    assert_eq!(closed, [B]);
    let zone = list(ListReportStatusesRequest {
        zone: "municipio-1".into(),
        states: vec![PublicState::Received as i32],
        ..Default::default()
    })
    .await;
    assert_eq!(zone, [C]);
    let stranger = client
        .list_report_statuses(ListReportStatusesRequest {
            page_token: "o10".into(),
            ..Default::default()
        })
        .await
        .expect_err("a token we never gave is refused");
    assert_eq!(stranger.code(), Code::InvalidArgument);

    drop(platform);
    env.cleanup().await;
}

#[tokio::test]
async fn status_tells_every_reporter_of_an_incident_once_per_change() {
    let env = TestEnv::new().await;
    let mut settings = env.settings();
    settings.public_url = "https://segnala.example.org/".into();
    let platform = RunningPlatform::start(&settings, &[ServiceKind::Status]).await;
    let bus = transport(&env).await;
    let mut tap = EventTap::bind(&env, "segnala.status.v1.ReportStatusChanged").await;
    let client = status_client(&platform).await;

    // B joins A's incident; the order's events list only A.
    let mut resolved = order("a", &[A], "incidents/a", WorkOrderState::Resolved, 2);
    resolved.public_note = "Lampada sostituita".into();
    let resolved = Envelope::new(&resolved);
    let merged = ReportMerged {
        report: format!("reports/{B}"),
        tracking_code: B.into(),
        incident: "incidents/a".into(),
        duplicate_of: format!("reports/{A}"),
        department: "street_lighting".into(),
        report_count: 2,
        merge_time: at(15),
        version: 1,
        ..Default::default()
    };
    publish(
        &bus,
        &[
            Envelope::new(&received(A, 45.46, 9.19)),
            Envelope::new(&received(B, 45.46, 9.19)),
            Envelope::new(&routed(A, "street_lighting", "municipio-1", "incidents/a")),
            Envelope::new(&merged),
        ],
    )
    .await;
    wait_for_states(
        &client,
        &[(A, PublicState::Received), (B, PublicState::Duplicate)],
    )
    .await;
    // The incident's order, as tracking reports each of its changes.
    let order_a = |state, version| Envelope::new(&order("a", &[A], "incidents/a", state, version));
    publish(&bus, &[order_a(WorkOrderState::Queued, 1)]).await;
    wait_for_states(
        &client,
        &[(A, PublicState::Assigned), (B, PublicState::Assigned)],
    )
    .await;
    // The resolution, then the same message again: one change per report, not two.
    publish(&bus, &[resolved.clone(), resolved]).await;
    wait_for_states(
        &client,
        &[(A, PublicState::Resolved), (B, PublicState::Resolved)],
    )
    .await;

    // Nothing is told twice for the redelivered message: after one more change of the
    // order, the next seven changes are exactly one per report and step.
    publish(&bus, &[order_a(WorkOrderState::Closed, 3)]).await;
    let mut changes = Vec::new();
    for _ in 0..7 {
        let event = tap.next("a ReportStatusChanged", WAIT).await;
        changes.push(
            event
                .decode::<ReportStatusChanged>()
                .expect("a status change"),
        );
    }
    let of = |code: &str| -> Vec<(i32, i32, String)> {
        changes
            .iter()
            .filter(|c| c.tracking_code == code)
            .map(|c| (c.previous_state, c.state, c.message.clone()))
            .collect()
    };
    let received = PublicState::Received as i32;
    let duplicate = PublicState::Duplicate as i32;
    let assigned = PublicState::Assigned as i32;
    let resolved = PublicState::Resolved as i32;
    let closed = PublicState::Closed as i32;
    let note = "Lampada sostituita".to_owned();
    assert_eq!(
        of(A),
        [
            (received, assigned, String::new()),
            (assigned, resolved, note.clone()),
            (resolved, closed, String::new()),
        ]
    );
    assert_eq!(
        of(B),
        [
            (received, duplicate, String::new()),
            (duplicate, assigned, String::new()),
            (assigned, resolved, note),
            (resolved, closed, String::new()),
        ]
    );
    let last_b = changes
        .iter()
        .rfind(|c| c.tracking_code == B)
        .expect("B's change");
    assert_eq!(
        last_b.status_url,
        format!("https://segnala.example.org/r/{B}")
    );
    assert_eq!(last_b.duplicate_of, format!("reports/{A}"));
    assert_eq!(last_b.channel, Channel::Telegram as i32);
    assert_eq!(last_b.expected_time, None, "closed: nothing left to expect");
    let assigned_b = changes
        .iter()
        .find(|c| c.tracking_code == B && c.state == PublicState::Assigned as i32)
        .expect("B's assignment");
    assert_eq!(assigned_b.expected_time, at(86_400));

    drop(platform);
    env.cleanup().await;
}

/// Events that piled up while status was down arrive together, and each batch is
/// projected whole: a report's receipt, routing and work order in one batch, reports
/// merged into an incident whose order is in the same batch, and a redelivered message,
/// must end exactly as if they had come one at a time.
#[tokio::test]
async fn a_backlog_projected_in_batches_ends_as_one_event_at_a_time_would() {
    const INCIDENTS: usize = 40;
    let env = TestEnv::new().await;
    let settings = env.settings();
    // Status declares its queue, then stops; the events wait in the queue.
    drop(RunningPlatform::start(&settings, &[ServiceKind::Status]).await);
    let bus = transport(&env).await;
    let mut tap = EventTap::bind(&env, "segnala.status.v1.ReportStatusChanged").await;
    let code = || segnala_shared::tracking_code::TrackingCode::generate().to_string();
    let pairs: Vec<(String, String)> = (0..INCIDENTS).map(|_| (code(), code())).collect();
    let mut backlog = Vec::new();
    for (i, (lead, joiner)) in pairs.iter().enumerate() {
        let incident = format!("incidents/{lead}");
        let merged = ReportMerged {
            report: format!("reports/{joiner}"),
            tracking_code: joiner.clone(),
            incident: incident.clone(),
            duplicate_of: format!("reports/{lead}"),
            department: "street_lighting".into(),
            report_count: 2,
            merge_time: at(15),
            version: 1,
            ..Default::default()
        };
        let queued = order(
            &format!("o{i}"),
            &[lead],
            &incident,
            WorkOrderState::Queued,
            1,
        );
        backlog.extend([
            Envelope::new(&received(lead, 45.46, 9.19)),
            Envelope::new(&received(joiner, 45.46, 9.19)),
            Envelope::new(&routed(lead, "street_lighting", "municipio-1", &incident)),
        ]);
        // Half the joiners are merged before their incident has an order, half after.
        if i % 2 == 0 {
            backlog.extend([Envelope::new(&merged), Envelope::new(&queued)]);
        } else {
            let queued = Envelope::new(&queued);
            backlog.extend([queued.clone(), Envelope::new(&merged), queued]);
        }
    }
    publish(&bus, &backlog).await;

    let platform = RunningPlatform::start(&settings, &[ServiceKind::Status]).await;
    let client = status_client(&platform).await;
    let expected: Vec<(&str, PublicState)> = pairs
        .iter()
        .flat_map(|(lead, joiner)| {
            [
                (lead.as_str(), PublicState::Assigned),
                (joiner.as_str(), PublicState::Assigned),
            ]
        })
        .collect();
    for chunk in expected.chunks(40) {
        wait_for_states(&client, chunk).await;
    }
    let statuses = statuses_of(
        &client,
        pairs
            .iter()
            .flat_map(|(l, j)| [l.clone(), j.clone()])
            .collect(),
    )
    .await
    .expect("status answers");
    // A joiner merged before its incident had an order was a duplicate first; one merged
    // after goes straight to the order's state.
    let steps_of = |code: &str| -> Vec<PublicState> {
        let duplicate_first = pairs
            .iter()
            .enumerate()
            .any(|(i, (_, joiner))| joiner == code && i % 2 == 0);
        if duplicate_first {
            vec![
                PublicState::Received,
                PublicState::Duplicate,
                PublicState::Assigned,
            ]
        } else {
            vec![PublicState::Received, PublicState::Assigned]
        }
    };
    for status in &statuses {
        let mut states: Vec<i32> = status.timeline.iter().map(|step| step.state).collect();
        // Routing is a step of its own that keeps the state "received".
        states.dedup();
        let want: Vec<i32> = steps_of(&status.tracking_code)
            .into_iter()
            .map(|s| s as i32)
            .collect();
        assert_eq!(states, want, "{}", status.tracking_code);
    }
    // Each report is told of each new state once.
    let mut want: Vec<(String, i32)> = pairs
        .iter()
        .flat_map(|(lead, joiner)| [lead, joiner])
        .flat_map(|code| {
            steps_of(code)
                .into_iter()
                .skip(1)
                .map(|state| (code.clone(), state as i32))
        })
        .collect();
    want.sort();
    let mut told = Vec::new();
    for _ in 0..want.len() {
        let event = tap.next("a ReportStatusChanged", WAIT).await;
        let change = event
            .decode::<ReportStatusChanged>()
            .expect("a status change");
        told.push((change.tracking_code, change.state));
    }
    told.sort();
    assert_eq!(told, want);
    assert!(
        tap.next_within(Duration::from_secs(1)).await.is_none(),
        "nothing is told twice"
    );

    drop(platform);
    env.cleanup().await;
}
