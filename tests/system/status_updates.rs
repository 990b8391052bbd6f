//! The public changes over gRPC: ListUpdates (paged and filtered like the city page)
//! and WatchReport (a stream of one report's changes, made while it watches).

use std::{collections::HashSet, time::Duration};

use segnala::ServiceKind;
use segnala_proto::{
    status::v1::{
        ListUpdatesRequest, PublicState, Update, WatchReportRequest,
        status_service_client::StatusServiceClient,
    },
    tracking::v1::WorkOrderState,
};
use segnala_shared::messaging::Envelope;
use tonic::Code;

use crate::{
    status_read_model::{at, order, received, routed, status_client, statuses_of},
    support::{
        RunningPlatform, TestEnv,
        clients::Intercepted,
        env::within,
        events::{publish, transport},
        eventually,
    },
};

const WAIT: Duration = Duration::from_secs(30);

async fn list(
    client: &mut StatusServiceClient<Intercepted>,
    request: ListUpdatesRequest,
) -> Result<(Vec<Update>, String), tonic::Status> {
    let response = client.list_updates(request).await?.into_inner();
    Ok((response.updates, response.next_page_token))
}

/// Every page of `request`, `page_size` at a time.
async fn all_pages(
    client: &mut StatusServiceClient<Intercepted>,
    request: ListUpdatesRequest,
) -> Vec<Update> {
    let mut updates = Vec::new();
    let mut token = String::new();
    loop {
        let (page, next) = list(
            client,
            ListUpdatesRequest {
                page_token: token,
                ..request.clone()
            },
        )
        .await
        .expect("ListUpdates");
        assert!(page.len() <= 2, "a page holds at most page_size");
        updates.extend(page);
        if next.is_empty() {
            return updates;
        }
        token = next;
    }
}

fn codes(updates: &[Update]) -> HashSet<String> {
    updates.iter().map(|u| u.tracking_code.clone()).collect()
}

#[tokio::test]
async fn list_updates_pages_and_filters_the_recent_public_changes() {
    let env = TestEnv::new().await;
    let platform = RunningPlatform::start(&env.settings(), &[ServiceKind::Status]).await;
    let bus = transport(&env).await;
    let reports = [
        ("CHNG-0000-000A", "street_lighting", "municipio-1"),
        ("CHNG-0000-000B", "roads", "municipio-2"),
        ("CHNG-0000-000C", "street_lighting", "municipio-2"),
    ];
    for (code, department, zone) in reports {
        let incident = format!("incidents/{code}");
        publish(
            &bus,
            &[
                Envelope::new(&received(code, 45.46, 9.19)),
                Envelope::new(&routed(code, department, zone, &incident)),
            ],
        )
        .await;
    }
    let queued = order(
        "a",
        &["CHNG-0000-000A"],
        "incidents/CHNG-0000-000A",
        WorkOrderState::Queued,
        1,
    );
    publish(&bus, &[Envelope::new(&queued)]).await;
    let mut client = status_client(&platform).await;
    let all_codes: Vec<String> = reports.iter().map(|(c, ..)| (*c).to_owned()).collect();
    let steps = eventually("every step is projected", WAIT, || {
        let (client, codes) = (&client, all_codes.clone());
        async move {
            let statuses = statuses_of(client, codes).await?;
            let assigned = statuses
                .iter()
                .any(|s| s.state == PublicState::Assigned as i32);
            (statuses.len() == 3 && assigned)
                .then(|| statuses.iter().map(|s| s.timeline.len()).sum::<usize>())
        }
    })
    .await;

    // Two at a time, every step once.
    let paged = ListUpdatesRequest {
        page_size: 2,
        ..ListUpdatesRequest::default()
    };
    let updates = all_pages(&mut client, paged.clone()).await;
    assert_eq!(updates.len(), steps);
    let distinct: HashSet<(String, String)> = updates
        .iter()
        .map(|u| {
            let entry = u.entry.clone().unwrap_or_default();
            (u.tracking_code.clone(), entry.message)
        })
        .collect();
    assert_eq!(distinct.len(), steps, "no step twice across pages");
    let a = updates
        .iter()
        .find(|u| u.tracking_code == "CHNG-0000-000A")
        .expect("report A");
    assert_eq!(a.report, "reports/CHNG-0000-000A");
    assert_eq!(a.department, "street_lighting");
    assert_eq!(a.zone, "municipio-1");
    assert_eq!(a.report_state, PublicState::Assigned as i32);
    assert!(
        a.status_url.ends_with("/r/CHNG-0000-000A"),
        "{}",
        a.status_url
    );

    // Filters: the report's department, zone, state; the step's time.
    let by = |request: ListUpdatesRequest| ListUpdatesRequest {
        page_size: 2,
        ..request
    };
    let lighting = all_pages(
        &mut client,
        by(ListUpdatesRequest {
            department: "street_lighting".into(),
            ..ListUpdatesRequest::default()
        }),
    )
    .await;
    assert_eq!(
        codes(&lighting),
        HashSet::from(["CHNG-0000-000A".into(), "CHNG-0000-000C".into()])
    );
    let zone_two_lighting = all_pages(
        &mut client,
        by(ListUpdatesRequest {
            department: "street_lighting".into(),
            zone: "municipio-2".into(),
            ..ListUpdatesRequest::default()
        }),
    )
    .await;
    assert_eq!(
        codes(&zone_two_lighting),
        HashSet::from(["CHNG-0000-000C".into()])
    );
    let assigned = all_pages(
        &mut client,
        by(ListUpdatesRequest {
            state: PublicState::Assigned as i32,
            ..ListUpdatesRequest::default()
        }),
    )
    .await;
    assert_eq!(codes(&assigned), HashSet::from(["CHNG-0000-000A".into()]));
    let recent = all_pages(
        &mut client,
        by(ListUpdatesRequest {
            since: at(15),
            ..ListUpdatesRequest::default()
        }),
    )
    .await;
    assert_eq!(recent.len(), 1, "only the work order's step is that recent");
    assert_eq!(
        recent[0].entry.as_ref().map(|e| e.state),
        Some(PublicState::Assigned as i32)
    );

    // Bad input is named.
    for (request, field) in [
        (
            ListUpdatesRequest {
                page_token: "not-ours".into(),
                ..ListUpdatesRequest::default()
            },
            "page_token",
        ),
        (
            ListUpdatesRequest {
                page_size: -1,
                ..ListUpdatesRequest::default()
            },
            "page_size",
        ),
        (
            ListUpdatesRequest {
                state: 99,
                ..ListUpdatesRequest::default()
            },
            "state",
        ),
    ] {
        let error = list(&mut client, request).await.expect_err("refused");
        assert_eq!(error.code(), Code::InvalidArgument);
        assert!(error.message().contains(field), "{error:?}");
    }

    drop(platform);
    env.cleanup().await;
}

#[tokio::test]
async fn a_watcher_receives_each_change_made_while_it_watches_until_the_report_closes() {
    const CODE: &str = "WTCH-0000-0001";
    const INCIDENT: &str = "incidents/w";
    let env = TestEnv::new().await;
    let platform = RunningPlatform::start(&env.settings(), &[ServiceKind::Status]).await;
    let bus = transport(&env).await;
    let mut client = status_client(&platform).await;

    let unknown = client
        .watch_report(WatchReportRequest {
            tracking_code: "ZZZZ-ZZZZ-ZZZZ".into(),
        })
        .await
        .expect_err("unknown report");
    assert_eq!(unknown.code(), Code::NotFound);
    let malformed = client
        .watch_report(WatchReportRequest {
            tracking_code: "not a code!".into(),
        })
        .await
        .expect_err("malformed code");
    assert_eq!(malformed.code(), Code::InvalidArgument);

    publish(
        &bus,
        &[
            Envelope::new(&received(CODE, 45.46, 9.19)),
            Envelope::new(&routed(CODE, "street_lighting", "municipio-1", INCIDENT)),
        ],
    )
    .await;
    eventually("the report is known", WAIT, || {
        let mut client = client.clone();
        async move {
            let status = client
                .get_report_status(segnala_proto::status::v1::GetReportStatusRequest {
                    tracking_code: CODE.into(),
                    ..Default::default()
                })
                .await
                .ok()?
                .into_inner()
                .status?;
            (status.timeline.len() == 2).then_some(())
        }
    })
    .await;

    let mut stream = client
        .watch_report(WatchReportRequest {
            tracking_code: CODE.into(),
        })
        .await
        .expect("WatchReport")
        .into_inner();
    let mut next = async || {
        within("the next watched status", WAIT, stream.message())
            .await
            .expect("the stream stays healthy")
            .map(|m| m.status.expect("a status"))
    };
    let now = next().await.expect("the status as it is");
    assert_eq!(now.state, PublicState::Received as i32);
    assert_eq!(now.timeline.len(), 2);

    publish(
        &bus,
        &[Envelope::new(&order(
            "w",
            &[CODE],
            INCIDENT,
            WorkOrderState::Queued,
            1,
        ))],
    )
    .await;
    let assigned = next().await.expect("the assignment");
    assert_eq!(assigned.state, PublicState::Assigned as i32);
    assert_eq!(assigned.timeline.len(), 3);

    // Tracking changed the order's priority: same state, no note, no timeline line.
    let mut reprioritised = order("w", &[CODE], INCIDENT, WorkOrderState::Queued, 2);
    reprioritised.previous_state = WorkOrderState::Queued as i32;
    reprioritised.expected_time = at(3_600);
    publish(&bus, &[Envelope::new(&reprioritised)]).await;
    let quiet = next().await.expect("the new expected date");
    assert_eq!(quiet.expected_time, at(3_600));
    assert_eq!(quiet.timeline.len(), 3, "no line for a change nobody sees");

    let mut resolved = order("w", &[CODE], INCIDENT, WorkOrderState::Resolved, 3);
    resolved.previous_state = WorkOrderState::Queued as i32;
    resolved.public_note = "Lampada sostituita".into();
    publish(&bus, &[Envelope::new(&resolved)]).await;
    let done = next().await.expect("the resolution");
    assert_eq!(done.state, PublicState::Resolved as i32);
    assert_eq!(
        done.timeline.last().map(|e| e.note.as_str()),
        Some("Lampada sostituita")
    );

    let mut closed = order("w", &[CODE], INCIDENT, WorkOrderState::Closed, 4);
    closed.previous_state = WorkOrderState::Resolved as i32;
    publish(&bus, &[Envelope::new(&closed)]).await;
    let last = next().await.expect("the closing");
    assert_eq!(last.state, PublicState::Closed as i32);
    assert!(next().await.is_none(), "the stream ends, OK, once closed");

    drop(platform);
    env.cleanup().await;
}
