//! Work orders from queue to fixed: one order per incident, crews claiming under leases
//! across replicas, illegal transitions refused, escalation on a clock the test moves,
//! reporters reopening what is not fixed, and an audit log that shows tampering.

use std::{collections::HashSet, sync::Arc, time::Duration};

use chrono::Utc;
use sea_orm::{ConnectionTrait, Statement};
use segnala::{ServiceKind, Settings};
use segnala_proto::{
    common::v1::{LatLng, Priority},
    intake::v1::{FixVerdict, ReporterFeedbackReceived},
    tracking::v1::{
        AddNoteRequest, AddPhotoRequest, CancelReason, CancelWorkOrderRequest, ClaimNextRequest,
        GetWorkOrderRequest, ListWorkOrdersRequest, NoteVisibility, PhotoKind,
        VerifyAuditLogRequest, WorkOrder, WorkOrderChanged, WorkOrderEscalated, WorkOrderState,
        tracking_service_client::TrackingServiceClient,
        work_queue_service_client::WorkQueueServiceClient,
    },
    triage::v1::ReportMerged,
};
use segnala_shared::{
    messaging::{EmbeddedBus, Envelope, Transport},
    time::to_timestamp,
};
use segnala_tracking::domain::{Clock, ManualClock};
use tonic::Code;
use tonic_types::StatusExt;

use crate::support::{
    RunningPlatform, TestEnv,
    clients::Intercepted,
    env::{CREW_KEY, crew_key},
    eventually, photos,
    tracking::{
        TrackingReplica, claim, crew_client, hold, next_event, operator_client, order_of, publish,
        publish_envelopes, resolve, routed, start, tap_of,
    },
};

const WAIT: Duration = Duration::from_secs(30);

fn request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn crew_key_text(i: usize) -> String {
    format!("crew-key-{i:04}-0123456789")
}

/// The environment's settings with `crews` more street-lighting crews and one roads crew.
fn settings(env: &TestEnv, crews: usize) -> Settings {
    let mut settings = env.settings();
    for i in 0..crews {
        settings.auth.api_keys.push(crew_key(
            &format!("crew-{i:02}"),
            &crew_key_text(i),
            &["street_lighting"],
        ));
    }
    settings
        .auth
        .api_keys
        .push(crew_key("roads-crew", ROADS_KEY, &["roads"]));
    settings
}

const ROADS_KEY: &str = "roads-crew-key-0123456789";

fn reason(status: &tonic::Status) -> String {
    status
        .get_details_error_info()
        .map(|i| i.reason)
        .unwrap_or_default()
}

/// A tracking service of its own on the test's database and broker (with `crews` more
/// street-lighting crews), with an operator's client and the test crew's.
struct OneService {
    env: TestEnv,
    platform: RunningPlatform,
    url: String,
}

impl OneService {
    async fn start(
        crews: usize,
    ) -> (
        Self,
        TrackingServiceClient<Intercepted>,
        WorkQueueServiceClient<Intercepted>,
    ) {
        let env = TestEnv::new().await;
        let platform =
            RunningPlatform::start(&settings(&env, crews), &[ServiceKind::Tracking]).await;
        let url = platform.url(ServiceKind::Tracking);
        let tracking = operator_client(&url).await;
        let crew = crew_client(&url, CREW_KEY).await;
        let service = Self { env, platform, url };
        (service, tracking, crew)
    }

    /// Stops the service, then removes its database and queues.
    async fn stop(self) {
        drop(self.platform);
        self.env.cleanup().await;
    }
}

#[tokio::test]
async fn a_crew_works_an_incident_from_queue_to_resolved_and_a_reporter_reopens_it() {
    let (service, mut tracking, mut crew) = OneService::start(0).await;
    let env = &service.env;
    let mut changes = tap_of::<WorkOrderChanged>(env).await;

    let route_time = Utc::now();
    let mut first = routed("LAMP-0001", "street_lighting", Priority::Normal);
    first.route_time = Some(to_timestamp(route_time));
    first.resolve_within = Some(prost_types::Duration {
        seconds: 6 * 3600,
        nanos: 0,
    });
    publish(env, &first).await;
    // A second report of the same lamp joins the incident and raises its priority.
    publish(
        env,
        &ReportMerged {
            report: "reports/LAMP-0002".into(),
            tracking_code: "LAMP-0002".into(),
            incident: "incidents/LAMP-0001".into(),
            duplicate_of: "reports/LAMP-0001".into(),
            department: "street_lighting".into(),
            report_count: 2,
            priority: Priority::High as i32,
            version: 1,
            ..ReportMerged::default()
        },
    )
    .await;
    let order = order_of(
        &tracking,
        "reports/LAMP-0002",
        "the merged report joins the order",
        |o| o.reports.len() == 2,
    )
    .await;
    assert_eq!(order.reports, ["reports/LAMP-0001", "reports/LAMP-0002"]);
    assert_eq!(order.incident, "incidents/LAMP-0001");
    assert_eq!(order.priority, Priority::High as i32);
    assert_eq!(
        order.expected_time.map(|t| t.seconds),
        Some(route_time.timestamp() + 6 * 3600),
        "due six hours after routing, as triage's target says"
    );

    let claimed = claim(&mut crew, "")
        .await
        .unwrap()
        .expect("an order to claim");
    assert_eq!(claimed.name, order.name);
    assert_eq!(claimed.state, WorkOrderState::Claimed as i32);
    assert_eq!(claimed.crew, "test-crew");
    let lease = claimed.lease_expire_time.expect("a lease").seconds - Utc::now().timestamp();
    assert!(
        (29 * 60..=30 * 60).contains(&lease),
        "a 30-minute lease, was {lease}s"
    );

    let name = order.name.clone();
    start(&mut crew, &name).await.unwrap();
    crew.add_note(AddNoteRequest {
        name: name.clone(),
        text: "Fuse box open, cable cut".into(),
        visibility: NoteVisibility::Internal as i32,
        request_id: request_id(),
    })
    .await
    .unwrap();
    let photo = crew
        .add_photo(AddPhotoRequest {
            name: name.clone(),
            kind: PhotoKind::Before as i32,
            content: photos::camera_jpeg(),
            location: Some(LatLng {
                latitude: 45.4643,
                longitude: 9.1901,
            }),
            request_id: request_id(),
        })
        .await
        .unwrap()
        .into_inner()
        .photo
        .expect("a photo");
    assert_eq!(photo.content_type, "image/jpeg");
    assert!(photo.distance_meters < 20.0);
    let kept: Vec<Vec<u8>> = column(env, "SELECT content AS n FROM work_order_photos").await;
    assert_eq!(kept.len(), 1);
    photos::assert_without_camera_metadata(&kept[0]);
    let not_a_photo = crew
        .add_photo(AddPhotoRequest {
            name: name.clone(),
            kind: PhotoKind::After as i32,
            content: b"%PDF-1.7 not a picture".to_vec(),
            location: None,
            request_id: request_id(),
        })
        .await
        .unwrap_err();
    assert_eq!(not_a_photo.code(), Code::InvalidArgument);
    let held = hold(&mut crew, &name, "Waiting for a new cable")
        .await
        .unwrap();
    assert_eq!(held.state, WorkOrderState::OnHold as i32);
    assert_eq!(held.hold_reason, "Waiting for a new cable");
    start(&mut crew, &name).await.unwrap();
    let without_note = resolve(&mut crew, &name, " ").await.unwrap_err();
    assert_eq!(without_note.code(), Code::InvalidArgument);
    let resolved = resolve(&mut crew, &name, "Cable replaced, the lamp is on again")
        .await
        .unwrap();
    assert_eq!(resolved.state, WorkOrderState::Resolved as i32);

    let full = tracking
        .get_work_order(GetWorkOrderRequest { name: name.clone() })
        .await
        .unwrap()
        .into_inner()
        .work_order
        .unwrap();
    let notes: Vec<(&str, i32)> = full
        .notes
        .iter()
        .map(|n| (n.text.as_str(), n.visibility))
        .collect();
    assert_eq!(
        notes,
        [
            ("Fuse box open, cable cut", NoteVisibility::Internal as i32),
            (
                "Cable replaced, the lamp is on again",
                NoteVisibility::Public as i32
            ),
        ]
    );
    assert_eq!(full.photos.len(), 1);
    assert_eq!(full.public_note, "Cable replaced, the lamp is on again");

    // The events: each state once, versions rising, the resolution with its public note.
    let mut seen = Vec::new();
    while seen.last().map(|e: &WorkOrderChanged| e.state) != Some(WorkOrderState::Resolved as i32) {
        seen.push(next_event::<WorkOrderChanged>(&mut changes, WAIT).await);
    }
    assert!(
        seen.windows(2).all(|w| w[0].version < w[1].version),
        "versions rise"
    );
    let last = seen.last().unwrap();
    assert_eq!(last.public_note, "Cable replaced, the lamp is on again");
    assert_eq!(last.incident, "incidents/LAMP-0001");
    assert_eq!(last.zone, "municipio-1");
    assert_eq!(last.previous_state, WorkOrderState::InProgress as i32);
    assert!(last.expected_time.is_some());
    let hold = seen
        .iter()
        .find(|e| e.state == WorkOrderState::OnHold as i32)
        .expect("the hold was announced");
    assert_eq!(hold.reason, "Waiting for a new cable");
    assert!(
        seen.iter().all(|e| !e.public_note.contains("Fuse box")),
        "internal notes stay inside"
    );

    // The second reporter says it is still dark: the order reopens into the queue.
    publish(
        env,
        &ReporterFeedbackReceived {
            name: "feedback/1".into(),
            report: "reports/LAMP-0002".into(),
            tracking_code: "LAMP-0002".into(),
            verdict: FixVerdict::NotFixed as i32,
            reason: "Still dark tonight".into(),
            ..ReporterFeedbackReceived::default()
        },
    )
    .await;
    let reopened = order_of(&tracking, "reports/LAMP-0002", "the order reopens", |o| {
        o.state == WorkOrderState::Reopened as i32
    })
    .await;
    assert_eq!(reopened.crew, "");
    let again = claim(&mut crew, "street_lighting")
        .await
        .unwrap()
        .expect("the reopened order is claimable");
    assert_eq!(again.name, name);

    let audit = intact_audit(&mut tracking).await;
    assert!(audit.entries_checked >= 10, "{}", audit.entries_checked);
    service.stop().await;
}

/// The audit log's check, which must find it intact.
async fn intact_audit(
    tracking: &mut TrackingServiceClient<Intercepted>,
) -> segnala_proto::tracking::v1::VerifyAuditLogResponse {
    let audit = tracking
        .verify_audit_log(VerifyAuditLogRequest {})
        .await
        .unwrap()
        .into_inner();
    assert!(audit.intact, "{:?}", audit.first_break);
    audit
}

fn feedback(code: &str, verdict: FixVerdict, reason: &str) -> ReporterFeedbackReceived {
    ReporterFeedbackReceived {
        name: format!("feedback/{}", uuid::Uuid::new_v4()),
        report: format!("reports/{code}"),
        tracking_code: code.to_owned(),
        verdict: verdict as i32,
        reason: reason.to_owned(),
        ..ReporterFeedbackReceived::default()
    }
}

#[tokio::test]
async fn reporter_feedback_is_recorded_closes_a_resolved_order_and_stale_answers_move_nothing() {
    let (service, mut tracking, mut crew) = OneService::start(0).await;
    let env = &service.env;
    publish(env, &routed("FB-0001", "street_lighting", Priority::Normal)).await;
    let order = order_of(&tracking, "reports/FB-0001", "the order is queued", |_| {
        true
    })
    .await;
    let name = order.name.clone();
    claim(&mut crew, "street_lighting").await.unwrap();
    start(&mut crew, &name).await.unwrap();
    let resolved = resolve(&mut crew, &name, "Lampada sostituita")
        .await
        .unwrap();
    let resolve_time = resolved.resolve_time.expect("a resolve time");

    // An answer about a resolution before this one: recorded for the crew, and the
    // order stays resolved.
    let mut stale = feedback("FB-0001", FixVerdict::NotFixed, "Ancora spento ieri sera");
    stale.resolve_time = Some(prost_types::Timestamp {
        seconds: resolve_time.seconds - 3600,
        nanos: 0,
    });
    publish(env, &stale).await;
    // A reporter who says nothing either way changes nothing.
    publish(env, &feedback("FB-0001", FixVerdict::Unspecified, "")).await;
    // The reporter confirms this resolution: recorded, and the order closes.
    let mut confirmed = feedback("FB-0001", FixVerdict::Fixed, "Funziona, grazie");
    confirmed.resolve_time = Some(resolve_time);
    publish(env, &confirmed).await;
    let closed = order_of(&tracking, "reports/FB-0001", "the order closes", |o| {
        o.state == WorkOrderState::Closed as i32
    })
    .await;
    assert_eq!(
        closed.version,
        resolved.version + 3,
        "two answers recorded and one closing, nothing else"
    );
    let full = tracking
        .get_work_order(GetWorkOrderRequest { name })
        .await
        .unwrap()
        .into_inner()
        .work_order
        .expect("the order");
    let notes: Vec<&str> = full.notes.iter().map(|n| n.text.as_str()).collect();
    assert!(
        notes.contains(&"Reporter: Ancora spento ieri sera"),
        "{notes:?}"
    );
    assert!(notes.contains(&"Reporter: Funziona, grazie"), "{notes:?}");
    assert!(
        full.notes
            .iter()
            .filter(|n| n.text.starts_with("Reporter:"))
            .all(|n| n.visibility == NoteVisibility::Internal as i32),
        "the reporters' words stay inside"
    );
    intact_audit(&mut tracking).await;
    service.stop().await;
}

#[tokio::test]
async fn illegal_transitions_are_refused_with_the_reason_and_change_nothing() {
    let (service, mut tracking, mut crew) = OneService::start(1).await;
    let (env, url) = (&service.env, &service.url);
    let mut other_crew = crew_client(url, &crew_key_text(0)).await;
    let mut roads_crew = crew_client(url, ROADS_KEY).await;
    publish(
        env,
        &routed("ILL-0001", "street_lighting", Priority::Normal),
    )
    .await;
    publish(env, &routed("ILL-0002", "street_lighting", Priority::Low)).await;
    let order = order_of(&tracking, "reports/ILL-0001", "the order is queued", |_| {
        true
    })
    .await;
    order_of(
        &tracking,
        "reports/ILL-0002",
        "the second order is queued",
        |_| true,
    )
    .await;
    let get = |tracking: &mut segnala_proto::tracking::v1::tracking_service_client::TrackingServiceClient<_>, name: String| {
        let mut tracking = tracking.clone();
        async move {
            tracking
                .get_work_order(GetWorkOrderRequest { name })
                .await
                .unwrap()
                .into_inner()
                .work_order
                .unwrap()
        }
    };

    let refused = resolve(&mut crew, &order.name, "done").await.unwrap_err();
    assert_eq!(refused.code(), Code::FailedPrecondition);
    assert_eq!(reason(&refused), "ILLEGAL_TRANSITION");
    assert_eq!(
        refused.message(),
        "a work order that is queued cannot be resolved"
    );
    let unchanged = get(&mut tracking, order.name.clone()).await;
    assert_eq!(unchanged.version, order.version);
    assert_eq!(unchanged.state, WorkOrderState::Queued as i32);

    // A crew of another department neither claims from nor sees this queue.
    let elsewhere = claim(&mut roads_crew, "street_lighting").await.unwrap_err();
    assert_eq!(elsewhere.code(), Code::InvalidArgument);
    let nothing = roads_crew
        .claim_next(ClaimNextRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(nothing.work_order, None, "the roads queue is empty");

    // A retried claim (same request id) returns the same order and claims nothing more.
    let claim = ClaimNextRequest {
        department: "street_lighting".into(),
        request_id: request_id(),
    };
    let first = crew
        .claim_next(claim.clone())
        .await
        .unwrap()
        .into_inner()
        .work_order
        .unwrap();
    let retry = crew
        .claim_next(claim)
        .await
        .unwrap()
        .into_inner()
        .work_order
        .unwrap();
    assert_eq!(first.name, order.name, "the more urgent order first");
    assert_eq!(retry.name, first.name);
    assert_eq!(retry.version, first.version);
    let queued = tracking
        .list_work_orders(ListWorkOrdersRequest {
            states: vec![WorkOrderState::Queued as i32],
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .work_orders;
    assert_eq!(queued.len(), 1, "the retry claimed nothing more");

    // Another crew cannot work an order it does not hold.
    let not_yours = start(&mut other_crew, &order.name).await.unwrap_err();
    assert_eq!(not_yours.code(), Code::FailedPrecondition);
    assert_eq!(reason(&not_yours), "NOT_HOLDER");
    assert!(
        not_yours.message().contains("test-crew"),
        "{}",
        not_yours.message()
    );
    let hidden = roads_crew_get(url, &order.name).await;
    assert_eq!(hidden, Code::NotFound);

    // Cancelling needs a reason; a cancelled order cannot be started.
    let no_reason = tracking
        .cancel_work_order(CancelWorkOrderRequest {
            name: order.name.clone(),
            reason: CancelReason::Unspecified as i32,
            public_note: String::new(),
            request_id: request_id(),
        })
        .await
        .unwrap_err();
    assert_eq!(no_reason.code(), Code::InvalidArgument);
    let cancelled = tracking
        .cancel_work_order(CancelWorkOrderRequest {
            name: order.name.clone(),
            reason: CancelReason::NotCityResponsibility as i32,
            public_note: "The lamp belongs to the railway".into(),
            request_id: request_id(),
        })
        .await
        .unwrap()
        .into_inner()
        .work_order
        .unwrap();
    assert_eq!(cancelled.state, WorkOrderState::Cancelled as i32);
    assert_eq!(
        cancelled.cancel_reason,
        CancelReason::NotCityResponsibility as i32
    );
    let too_late = start(&mut crew, &order.name).await.unwrap_err();
    assert_eq!(too_late.code(), Code::FailedPrecondition);
    assert_eq!(reason(&too_late), "ILLEGAL_TRANSITION");
    assert_eq!(
        get(&mut tracking, order.name.clone()).await.version,
        cancelled.version
    );
    service.stop().await;
}

async fn roads_crew_get(url: &str, name: &str) -> Code {
    let mut client =
        segnala_proto::tracking::v1::tracking_service_client::TrackingServiceClient::new(
            crate::support::clients::channel(url, Some(ROADS_KEY)).await,
        );
    client
        .get_work_order(GetWorkOrderRequest {
            name: name.to_owned(),
        })
        .await
        .map(|_| Code::Ok)
        .unwrap_or_else(|s| s.code())
}

#[tokio::test]
async fn twenty_crews_on_two_replicas_never_claim_the_same_order() {
    const CREWS: usize = 20;
    const ORDERS: usize = 200;
    let env = TestEnv::new().await;
    let settings = settings(&env, CREWS);
    let replicas = [
        RunningPlatform::start(&settings, &[ServiceKind::Tracking]).await,
        RunningPlatform::start(&settings, &[ServiceKind::Tracking]).await,
    ];
    let events: Vec<_> = (0..ORDERS)
        .map(|i| routed(&format!("RACE-{i:04}"), "street_lighting", Priority::Normal))
        .collect();
    for event in &events {
        publish(&env, event).await;
    }
    let urls = replicas.each_ref().map(|r| r.url(ServiceKind::Tracking));
    wait_until_queued(&urls[0], ORDERS).await;
    claim_each_once(&urls, CREWS, "street_lighting", ORDERS).await;
    let double = column::<i64>(
        &env,
        "SELECT count(*) AS n FROM audit_log WHERE action = 'claim' GROUP BY work_order_id HAVING count(*) > 1",
    )
    .await;
    assert!(double.is_empty(), "the audit log shows one claim per order");
    drop(replicas);
    env.cleanup().await;
}

#[tokio::test]
async fn expired_leases_return_orders_and_overdue_orders_escalate_once() {
    let env = TestEnv::new().await;
    let mut settings = settings(&env, 0);
    settings.tracking.sweep_interval_ms = 100;
    let clock = ManualClock::new(Utc::now());
    let replica = TrackingReplica::start(&env, &settings, Arc::new(clock.clone())).await;
    let mut escalations = tap_of::<WorkOrderEscalated>(&env).await;
    let tracking = operator_client(&replica.url()).await;
    let mut crew = crew_client(&replica.url(), CREW_KEY).await;
    let now = clock.now();
    for (code, hours) in [("DUE-0001", 1), ("DUE-0002", 3)] {
        let mut event = routed(code, "street_lighting", Priority::Normal);
        event.route_time = Some(to_timestamp(now));
        event.resolve_within = Some(prost_types::Duration {
            seconds: hours * 3600,
            nanos: 0,
        });
        publish(&env, &event).await;
    }
    let first = order_of(&tracking, "reports/DUE-0001", "order 1 is queued", |_| true).await;
    let second = order_of(&tracking, "reports/DUE-0002", "order 2 is queued", |_| true).await;
    let mut claim = async || {
        claim(&mut crew, "street_lighting")
            .await
            .unwrap()
            .expect("an order")
    };
    assert_eq!(claim().await.name, first.name, "the sooner due first");

    clock.advance(chrono::Duration::minutes(31));
    order_of(
        &tracking,
        "reports/DUE-0001",
        "the expired lease returns the order",
        |o| o.state == WorkOrderState::Queued as i32 && o.crew.is_empty(),
    )
    .await;

    clock.advance(chrono::Duration::minutes(60));
    let escalated: WorkOrderEscalated = next_event(&mut escalations, WAIT).await;
    assert_eq!(escalated.work_order, first.name);
    assert_eq!(escalated.due_time, first.expected_time);
    let overdue = overdue_names(&tracking).await;
    assert_eq!(overdue, std::slice::from_ref(&first.name));

    // Both claimed, then both leases run out and the second order passes its due time.
    assert_eq!(claim().await.name, first.name);
    assert_eq!(claim().await.name, second.name);
    clock.advance(chrono::Duration::minutes(120));
    let escalated: WorkOrderEscalated = next_event(&mut escalations, WAIT).await;
    assert_eq!(
        escalated.work_order, second.name,
        "the first is not raised again"
    );
    let counts = column::<i64>(
        &env,
        "SELECT count(*) AS n FROM audit_log WHERE action = 'escalate' GROUP BY work_order_id",
    )
    .await;
    assert_eq!(counts, [1, 1], "one escalation per order and due time");
    let mut overdue = overdue_names(&tracking).await;
    overdue.sort();
    let mut expected = vec![first.name.clone(), second.name.clone()];
    expected.sort();
    assert_eq!(overdue, expected);
    drop(replica);
    env.cleanup().await;
}

/// Column `n` of the rows `sql` finds in tracking's database.
async fn column<T: sea_orm::TryGetable>(env: &TestEnv, sql: &str) -> Vec<T> {
    let db = env.service_db(ServiceKind::Tracking).await;
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .iter()
        .map(|row| row.try_get("", "n").unwrap())
        .collect()
}

async fn overdue_names(
    tracking: &segnala_proto::tracking::v1::tracking_service_client::TrackingServiceClient<
        crate::support::clients::Intercepted,
    >,
) -> Vec<String> {
    tracking
        .clone()
        .list_work_orders(ListWorkOrdersRequest {
            overdue: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .work_orders
        .into_iter()
        .map(|o: WorkOrder| o.name)
        .collect()
}

#[tokio::test]
async fn the_audit_chain_names_the_first_tampered_entry() {
    let (service, mut tracking, mut crew) = OneService::start(0).await;
    let env = &service.env;
    for code in ["AUD-0001", "AUD-0002"] {
        publish(env, &routed(code, "street_lighting", Priority::Normal)).await;
        order_of(
            &tracking,
            &format!("reports/{code}"),
            "the order is queued",
            |_| true,
        )
        .await;
    }
    for _ in 0..2 {
        let order = claim(&mut crew, "").await.unwrap().unwrap();
        start(&mut crew, &order.name).await.unwrap();
    }
    let intact = tracking
        .verify_audit_log(VerifyAuditLogRequest {})
        .await
        .unwrap()
        .into_inner();
    assert!(intact.intact);
    assert_eq!(
        intact.entries_checked, 6,
        "open, claim and start of two orders"
    );

    let seq = column::<i64>(
        env,
        "SELECT seq AS n FROM audit_log WHERE action = 'claim' ORDER BY seq DESC LIMIT 1",
    )
    .await[0];
    let db = env.service_db(ServiceKind::Tracking).await;
    db.execute_unprepared(&format!(
        "UPDATE audit_log SET actor = 'someone-else' WHERE seq = {seq}"
    ))
    .await
    .unwrap();
    let broken = tracking
        .verify_audit_log(VerifyAuditLogRequest {})
        .await
        .unwrap()
        .into_inner();
    assert!(!broken.intact);
    let first_break = broken.first_break.expect("the break");
    assert_eq!(first_break.sequence, seq);
    assert_eq!(first_break.order_sequence, 2);
    assert!(
        first_break.problem.contains("changed"),
        "{}",
        first_break.problem
    );
    service.stop().await;
}

#[tokio::test]
async fn a_reroute_moves_the_order_and_operators_assign_watch_and_count() {
    let (service, mut tracking, mut crew) = OneService::start(0).await;
    let (env, url) = (&service.env, &service.url);
    let mut roads_crew = crew_client(url, ROADS_KEY).await;

    let mut watch = crew
        .watch_queue(segnala_proto::tracking::v1::WatchQueueRequest::default())
        .await
        .unwrap()
        .into_inner();
    let empty = watch.message().await.unwrap().unwrap();
    assert_eq!(empty.queue_size, 0);

    let first = routed("MOVE-0001", "street_lighting", Priority::Normal);
    publish(env, &first).await;
    let update = within_wait(watch.message()).await.unwrap().unwrap();
    assert_eq!(update.queue_size, 1, "the watcher hears of the new order");
    let order = update.work_orders[0].clone();

    let claimed = claim(&mut crew, "").await.unwrap().unwrap();
    let renewed = crew
        .renew_lease(segnala_proto::tracking::v1::RenewLeaseRequest {
            name: order.name.clone(),
            request_id: request_id(),
        })
        .await
        .unwrap()
        .into_inner()
        .work_order
        .unwrap();
    let until = |o: &WorkOrder| o.lease_expire_time.map(|t| (t.seconds, t.nanos));
    assert!(until(&renewed) > until(&claimed), "the lease is longer");
    assert!(renewed.version > claimed.version);
    let update = within_wait(watch.message()).await.unwrap().unwrap();
    assert_eq!(update.queue_size, 0, "the watcher sees the claim");

    // Triage routes the report again, to roads: the order follows, back in a queue.
    let mut moved = routed("MOVE-0001", "roads", Priority::High);
    moved.version = 2;
    publish(env, &moved).await;
    let rerouted = order_of(
        &tracking,
        "reports/MOVE-0001",
        "the order moves to roads",
        |o| o.department == "roads",
    )
    .await;
    assert_eq!(rerouted.name, order.name);
    assert_eq!(rerouted.state, WorkOrderState::Queued as i32);
    assert_eq!(rerouted.crew, "");
    assert_eq!(rerouted.priority, Priority::High as i32);
    // A late copy of the first routing changes nothing.
    publish(env, &first).await;
    publish(env, &routed("MOVE-0002", "street_lighting", Priority::Low)).await;
    order_of(
        &tracking,
        "reports/MOVE-0002",
        "a later order is queued",
        |_| true,
    )
    .await;
    let still = order_of(&tracking, "reports/MOVE-0001", "the order", |_| true).await;
    assert_eq!(still.department, "roads");
    assert_eq!(still.version, rerouted.version);

    // The street-lighting crew lost it; an operator hands it to the roads crew.
    let gone = start(&mut crew, &order.name).await.unwrap_err();
    assert_eq!(gone.code(), Code::NotFound, "not its department any more");
    let assigned = tracking
        .assign_work_order(segnala_proto::tracking::v1::AssignWorkOrderRequest {
            name: order.name.clone(),
            crew: "roads-crew".into(),
            request_id: request_id(),
        })
        .await
        .unwrap()
        .into_inner()
        .work_order
        .unwrap();
    assert_eq!(assigned.state, WorkOrderState::Claimed as i32);
    start(&mut roads_crew, &order.name).await.unwrap();
    resolve(&mut roads_crew, &order.name, "Pothole filled")
        .await
        .unwrap();

    let stats = tracking
        .list_department_stats(segnala_proto::tracking::v1::ListDepartmentStatsRequest {})
        .await
        .unwrap()
        .into_inner()
        .departments;
    let figures: Vec<(String, i64, i64, i64, bool)> = stats
        .into_iter()
        .map(|d| {
            (
                d.department,
                d.open,
                d.overdue,
                d.resolved,
                d.median_time_to_resolve.is_some(),
            )
        })
        .collect();
    assert_eq!(
        figures,
        [
            ("roads".to_owned(), 0, 0, 1, true),
            ("street_lighting".to_owned(), 1, 0, 0, false),
        ]
    );
    service.stop().await;
}

/// Events that piled up while tracking was down arrive together and are handled a
/// batch at a time. Within a batch a report joins an order opened earlier in it, a
/// report routed again reroutes its new order, and a report moved to another incident
/// leaves its order, which is cancelled as a duplicate. A redelivered message and a
/// late copy change nothing: the end is what one event at a time would leave.
#[tokio::test]
async fn a_backlog_handled_in_batches_ends_as_one_event_at_a_time_would() {
    let env = TestEnv::new().await;
    let settings = settings(&env, 0);
    // Tracking declares its queue, then stops; the events wait in the queue.
    drop(RunningPlatform::start(&settings, &[ServiceKind::Tracking]).await);
    let mut changes = tap_of::<WorkOrderChanged>(&env).await;

    let lamp = routed("PILE-0001", "street_lighting", Priority::Normal);
    let second_of_lamp = ReportMerged {
        report: "reports/PILE-0002".into(),
        tracking_code: "PILE-0002".into(),
        incident: "incidents/PILE-0001".into(),
        duplicate_of: "reports/PILE-0001".into(),
        department: "street_lighting".into(),
        report_count: 2,
        priority: Priority::High as i32,
        version: 1,
        ..ReportMerged::default()
    };
    let pothole = routed("PILE-0003", "street_lighting", Priority::Normal);
    let mut pothole_rerouted = routed("PILE-0003", "roads", Priority::High);
    pothole_rerouted.version = 2;
    let apart = routed("PILE-0004", "street_lighting", Priority::Low);
    let mut joins_lamp = apart.clone();
    joins_lamp.version = 2;
    joins_lamp.incident = "incidents/PILE-0001".into();
    let merge = Envelope::new(&second_of_lamp);
    publish_envelopes(
        &env,
        &[
            Envelope::new(&lamp),
            merge.clone(),
            Envelope::new(&pothole),
            Envelope::new(&pothole_rerouted),
            Envelope::new(&apart),
            Envelope::new(&joins_lamp),
            merge,
            Envelope::new(&lamp),
        ],
    )
    .await;

    let platform = RunningPlatform::start(&settings, &[ServiceKind::Tracking]).await;
    let tracking = operator_client(&platform.url(ServiceKind::Tracking)).await;
    let lamp_order = order_of(
        &tracking,
        "reports/PILE-0001",
        "three reports of the lamp in one order",
        |o| o.reports.len() == 3,
    )
    .await;
    assert_eq!(
        lamp_order.reports,
        [
            "reports/PILE-0001",
            "reports/PILE-0002",
            "reports/PILE-0004"
        ]
    );
    assert_eq!(lamp_order.priority, Priority::High as i32);
    assert_eq!(lamp_order.state, WorkOrderState::Queued as i32);
    let pothole_order = order_of(&tracking, "reports/PILE-0003", "the pothole", |_| true).await;
    assert_eq!(pothole_order.department, "roads");
    assert_eq!(pothole_order.priority, Priority::High as i32);
    assert_eq!(pothole_order.reports, ["reports/PILE-0003"]);

    let mut all = tracking
        .clone()
        .list_work_orders(ListWorkOrdersRequest::default())
        .await
        .unwrap()
        .into_inner()
        .work_orders;
    assert_eq!(all.len(), 3, "{all:?}");
    all.retain(|o| o.name != lamp_order.name && o.name != pothole_order.name);
    let left = &all[0];
    assert_eq!(left.state, WorkOrderState::Cancelled as i32);
    assert_eq!(left.cancel_reason, CancelReason::Duplicate as i32);
    assert!(left.reports.is_empty(), "{:?}", left.reports);

    // Opened, then two reports attached; opened, then rerouted; opened, its report
    // taken away, then cancelled.
    let audit = tracking
        .clone()
        .verify_audit_log(VerifyAuditLogRequest {})
        .await
        .unwrap()
        .into_inner();
    assert!(audit.intact, "{:?}", audit.first_break);
    assert_eq!(audit.entries_checked, 8);

    // Each order's changes are told once each, in order, ending in its final state.
    let mut told: Vec<WorkOrderChanged> = Vec::new();
    while let Some(event) = changes.next_within(Duration::from_secs(1)).await {
        told.push(event.decode().expect("a WorkOrderChanged"));
    }
    for order in [&lamp_order, &pothole_order, left] {
        let versions: Vec<i64> = told
            .iter()
            .filter(|e| e.work_order == order.name)
            .map(|e| e.version)
            .collect();
        assert!(
            versions.windows(2).all(|w| w[0] < w[1]),
            "{}: {versions:?}",
            order.name
        );
        assert_eq!(versions.last(), Some(&order.version), "{}", order.name);
    }
    drop(platform);
    env.cleanup().await;
}

/// Waits until the tracking service at `url` holds `orders` work orders.
async fn wait_until_queued(url: &str, orders: usize) {
    let tracking = operator_client(url).await;
    eventually("every order is queued", Duration::from_secs(60), || {
        let mut tracking = tracking.clone();
        async move {
            let count = tracking
                .list_work_orders(ListWorkOrdersRequest {
                    page_size: 500,
                    ..Default::default()
                })
                .await
                .ok()?
                .into_inner()
                .work_orders
                .len();
            (count == orders).then_some(())
        }
    })
    .await;
}

/// `crews` street-lighting crews, spread over the replicas at `urls`, claim at once
/// from `department` until nothing is left; every one of the `orders` orders must go
/// to exactly one of them.
async fn claim_each_once(urls: &[String], crews: usize, department: &str, orders: usize) {
    let mut claiming = tokio::task::JoinSet::new();
    for i in 0..crews {
        let url = urls[i % urls.len()].clone();
        let department = department.to_owned();
        claiming.spawn(async move {
            let mut client = crew_client(&url, &crew_key_text(i)).await;
            let mut claimed = Vec::new();
            while let Some(order) = claim(&mut client, &department).await.expect("ClaimNext") {
                assert_eq!(order.crew, format!("crew-{i:02}"));
                claimed.push(order.name);
            }
            claimed
        });
    }
    let claims: Vec<String> = claiming.join_all().await.into_iter().flatten().collect();
    let distinct: HashSet<&String> = claims.iter().collect();
    assert_eq!(claims.len(), orders, "every order claimed");
    assert_eq!(distinct.len(), orders, "no order claimed twice");
}

async fn within_wait<T>(future: impl std::future::Future<Output = T>) -> T {
    crate::support::env::within("a queue update", WAIT, future).await
}

#[tokio::test]
async fn crews_claiming_at_once_on_embedded_sqlite_never_share_an_order() {
    const CREWS: usize = 10;
    const ORDERS: usize = 60;
    let env = TestEnv::new().await;
    let settings = settings(&env, CREWS);
    let dir = tempfile::tempdir().unwrap();
    let bus = EmbeddedBus::new();
    let replica = TrackingReplica::start_on(
        segnala_shared::db::DatabaseTarget::Sqlite {
            path: dir.path().join("tracking.db"),
        },
        bus.clone(),
        &settings,
        Arc::new(segnala_tracking::domain::SystemClock),
    )
    .await;
    let envelopes: Vec<_> = (0..ORDERS)
        .map(|i| {
            Envelope::new(&routed(
                &format!("LITE-{i:04}"),
                "street_lighting",
                Priority::Normal,
            ))
        })
        .collect();
    assert!(bus.publish(&envelopes).await.iter().all(Result::is_ok));
    let url = replica.url();
    wait_until_queued(&url, ORDERS).await;
    // No department: each crew claims from all of its own.
    claim_each_once(&[url], CREWS, "", ORDERS).await;
    drop(replica);
    env.cleanup().await;
}
