//! Signed webhook subscriptions: a receiver in the test subscribes to a report and to
//! a zone, verifies every POST with its secret (and refuses a tampered body or a stale
//! timestamp), fails for a while and still gets each public change exactly once.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    routing::post,
};
use hmac::{Hmac, Mac};
use segnala::ServiceKind;
use segnala_proto::{
    status::v1::{
        CreateSubscriptionRequest, DeleteSubscriptionRequest, Subscription,
        status_service_client::StatusServiceClient,
    },
    tracking::v1::WorkOrderState,
};
use segnala_shared::{
    delivery::{DeliveryState, records},
    messaging::Envelope,
};
use serde_json::Value;
use sha2::Sha256;
use tonic::Code;

use crate::{
    status_read_model::{lighting_and_roads, order, received, routed, status_client, statuses_of},
    support::{
        RunningPlatform, TestEnv,
        clients::Intercepted,
        events::{publish, transport},
        eventually,
    },
};

const WAIT: Duration = Duration::from_secs(30);
const REPORT: &str = "WHKS-0000-0001";
const OTHER: &str = "WHKS-0000-0002";
/// Baggio, in the example city's seventh municipio.
const ZONE: &str = "municipio_7";
const IN_ZONE: (f64, f64) = (45.4620, 9.0870);
/// How far a receiver lets a timestamp be from its clock.
const TOLERANCE_SECONDS: i64 = 300;

/// What a receiver keeps of one accepted POST.
#[derive(Clone, Debug)]
struct Delivered {
    id: String,
    body: Value,
}

#[derive(Clone, Default)]
struct Receiver {
    /// The secret of each subscription, by name, once the test knows it.
    secrets: Arc<Mutex<Vec<(String, String)>>>,
    accepted: Arc<Mutex<Vec<Delivered>>>,
    refused: Arc<Mutex<u32>>,
    failures_left: Arc<Mutex<u32>>,
}

/// Checks a webhook as its receiver must: the signature over `timestamp.body` with the
/// secret, compared in constant time, and a timestamp close to now.
fn verify(secret: &str, headers: &HeaderMap, body: &[u8], now: i64) -> Result<(), &'static str> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let timestamp: i64 = header("segnala-timestamp")
        .and_then(|t| t.parse().ok())
        .ok_or("no timestamp")?;
    if (now - timestamp).abs() > TOLERANCE_SECONDS {
        return Err("stale timestamp");
    }
    let signature = header("segnala-signature")
        .and_then(|s| s.strip_prefix("v1="))
        .and_then(|s| hex::decode(s).ok())
        .ok_or("no signature")?;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).map_err(|_| "bad key")?;
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(body);
    mac.verify_slice(&signature).map_err(|_| "bad signature")
}

async fn receive(State(receiver): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    {
        let mut failures = receiver.failures_left.lock().expect("lock");
        if *failures > 0 {
            *failures -= 1;
            return StatusCode::SERVICE_UNAVAILABLE;
        }
    }
    let Ok(json) = serde_json::from_slice::<Value>(&body) else {
        return StatusCode::BAD_REQUEST;
    };
    let name = json["subscription"].as_str().unwrap_or_default().to_owned();
    let secret = receiver
        .secrets
        .lock()
        .expect("lock")
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, s)| s.clone());
    let now = chrono::Utc::now().timestamp();
    if secret.is_none_or(|secret| verify(&secret, &headers, &body, now).is_err()) {
        *receiver.refused.lock().expect("lock") += 1;
        return StatusCode::UNAUTHORIZED;
    }
    let id = headers
        .get("segnala-delivery")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    receiver
        .accepted
        .lock()
        .expect("lock")
        .push(Delivered { id, body: json });
    StatusCode::NO_CONTENT
}

impl Receiver {
    async fn start(&self) -> (String, tokio::task::JoinHandle<()>) {
        let app = Router::new()
            .route("/hooks", post(receive))
            .with_state(self.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the receiver");
        let url = format!("http://{}/hooks", listener.local_addr().expect("address"));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        (url, task)
    }

    fn accepted(&self) -> Vec<Delivered> {
        self.accepted.lock().expect("lock").clone()
    }

    fn of(&self, subscription: &str) -> Vec<Delivered> {
        self.accepted()
            .into_iter()
            .filter(|d| d.body["subscription"] == subscription)
            .collect()
    }
}

async fn subscribe(
    client: &mut StatusServiceClient<Intercepted>,
    request_id: &str,
    subscription: Subscription,
) -> Result<(Subscription, String), tonic::Status> {
    let response = client
        .create_subscription(CreateSubscriptionRequest {
            subscription: Some(subscription),
            request_id: request_id.into(),
        })
        .await?
        .into_inner();
    Ok((
        response.subscription.expect("a subscription"),
        response.secret,
    ))
}

#[tokio::test]
async fn signed_webhooks_reach_a_recovering_receiver_once_per_change() {
    let env = TestEnv::new().await;
    let receiver = Receiver::default();
    let (url, receiver_task) = receiver.start().await;
    let mut settings = env.settings();
    settings.status.webhooks.allow_private_targets = true;
    settings.status.webhooks.delivery.first_retry_ms = 100;
    settings.status.webhooks.delivery.max_retry_ms = 400;
    let platform = RunningPlatform::start(&settings, &[ServiceKind::Status]).await;
    let mut client = status_client(&platform).await;

    // Bad requests are named and create nothing.
    for (request_id, asked, field) in [
        (
            "0190b5a4-2222-7000-8000-000000000001",
            Subscription {
                target_url: url.clone(),
                ..Subscription::default()
            },
            "subscription.tracking_code",
        ),
        (
            "0190b5a4-2222-7000-8000-000000000001",
            Subscription {
                target_url: "ftp://example.org/x".into(),
                zone: ZONE.into(),
                ..Subscription::default()
            },
            "subscription.target_url",
        ),
        (
            "not-a-uuid",
            Subscription {
                target_url: url.clone(),
                zone: ZONE.into(),
                ..Subscription::default()
            },
            "request_id",
        ),
        (
            "0190b5a4-2222-7000-8000-000000000002",
            Subscription {
                target_url: url.clone(),
                zone: "municipio-7".into(),
                ..Subscription::default()
            },
            "`municipio-7` is not a zone of the city; its zones are: municipio_1,",
        ),
    ] {
        let error = subscribe(&mut client, request_id, asked)
            .await
            .expect_err("refused");
        assert_eq!(error.code(), Code::InvalidArgument);
        assert!(error.message().contains(field), "{error:?}");
    }

    let to_report = Subscription {
        target_url: url.clone(),
        tracking_code: REPORT.to_lowercase(),
        ..Subscription::default()
    };
    let (report_sub, report_secret) = subscribe(
        &mut client,
        "0190b5a4-2222-7000-8000-000000000010",
        to_report.clone(),
    )
    .await
    .expect("subscribed to the report");
    assert_eq!(report_sub.tracking_code, REPORT);
    assert_eq!(report_secret.len(), 64);
    let (again, secret_again) = subscribe(
        &mut client,
        "0190b5a4-2222-7000-8000-000000000010",
        to_report,
    )
    .await
    .expect("the same request again");
    assert_eq!(
        (again.name.as_str(), secret_again.as_str()),
        (report_sub.name.as_str(), report_secret.as_str())
    );
    // The same id for another subscription is refused, not answered with the first.
    let reused = subscribe(
        &mut client,
        "0190b5a4-2222-7000-8000-000000000010",
        Subscription {
            target_url: url.clone(),
            zone: ZONE.into(),
            ..Subscription::default()
        },
    )
    .await
    .expect_err("another subscription under the same request id");
    assert_eq!(reused.code(), Code::AlreadyExists);
    assert!(reused.message().contains("request_id"), "{reused:?}");
    let (zone_sub, zone_secret) = subscribe(
        &mut client,
        "0190b5a4-2222-7000-8000-000000000011",
        Subscription {
            target_url: url.clone(),
            zone: ZONE.into(),
            ..Subscription::default()
        },
    )
    .await
    .expect("subscribed to the zone");
    assert_ne!(zone_secret, report_secret);
    receiver.secrets.lock().expect("lock").extend([
        (report_sub.name.clone(), report_secret.clone()),
        (zone_sub.name.clone(), zone_secret.clone()),
    ]);

    // The receiver is down for the first three attempts.
    *receiver.failures_left.lock().expect("lock") = 3;
    let bus = transport(&env).await;
    publish(
        &bus,
        &[
            Envelope::new(&lighting_and_roads()),
            Envelope::new(&received(REPORT, IN_ZONE.0, IN_ZONE.1)),
            Envelope::new(&routed(REPORT, "street_lighting", ZONE, "incidents/h")),
            Envelope::new(&order(
                "h",
                &[REPORT],
                "incidents/h",
                WorkOrderState::Queued,
                1,
            )),
            // Another zone: nobody follows it.
            Envelope::new(&received(OTHER, 45.46, 9.19)),
            Envelope::new(&routed(OTHER, "roads", "municipio-1", "incidents/o")),
        ],
    )
    .await;
    // The report's three steps, and the zone's same three: its first "received" too,
    // for the zone is known from the report's position before triage names it.
    eventually("every change delivered", WAIT, || async {
        (receiver.of(&report_sub.name).len() >= 3 && receiver.of(&zone_sub.name).len() >= 3)
            .then_some(())
    })
    .await;
    // Redelivered events queue nothing new.
    publish(
        &bus,
        &[Envelope::new(&order(
            "h",
            &[REPORT],
            "incidents/h",
            WorkOrderState::Queued,
            1,
        ))],
    )
    .await;
    let status_db = env.service_db(ServiceKind::Status).await;
    eventually("deliveries settled", WAIT, || async {
        records(&status_db, Some(DeliveryState::Pending))
            .await
            .expect("records")
            .is_empty()
            .then_some(())
    })
    .await;
    let accepted = receiver.accepted();
    assert_eq!(accepted.len(), 6, "{accepted:#?}");
    let mut ids: Vec<&str> = accepted.iter().map(|d| d.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 6, "each change once");
    assert_eq!(
        *receiver.refused.lock().expect("lock"),
        0,
        "every signature held"
    );
    let sent = records(&status_db, Some(DeliveryState::Sent))
        .await
        .expect("records");
    assert!(
        sent.iter().any(|r| r.attempts > 1),
        "the outage was retried"
    );
    let mut states: Vec<String> = receiver
        .of(&report_sub.name)
        .iter()
        .map(|d| d.body["state"].as_str().unwrap_or_default().to_owned())
        .collect();
    // Retries may reorder them; each carries its version and change time.
    states.sort_unstable();
    assert_eq!(states, ["assigned", "received", "received"]);
    let first = receiver
        .of(&zone_sub.name)
        .into_iter()
        .find(|d| d.body["version"] == 1)
        .expect("the zone heard of the report's first step");
    assert_eq!(first.body["state"], "received");
    assert_eq!(first.body["previous_state"], Value::Null);
    assert_eq!(first.body["message"], "Report received");
    let routed_step = receiver
        .of(&zone_sub.name)
        .into_iter()
        .find(|d| d.body["version"] == 2)
        .expect("the zone heard of the routing");
    assert_eq!(
        routed_step.body["message"],
        "Sent to the Street lighting department"
    );
    let assigned = receiver
        .of(&zone_sub.name)
        .into_iter()
        .find(|d| d.body["state"] == "assigned")
        .expect("the zone heard of the assignment");
    assert_eq!(assigned.body["tracking_code"], REPORT);
    assert_eq!(assigned.body["zone"], ZONE);
    assert_eq!(assigned.body["department"], "street_lighting");
    assert_eq!(assigned.body["department_name"], "Street lighting");
    assert_eq!(assigned.body["category_name"], "Street light out");
    assert_eq!(
        assigned.body["zone_name"],
        "Municipio 7 – Baggio, De Angeli, San Siro"
    );
    assert!(
        assigned.body["status_url"]
            .as_str()
            .is_some_and(|u| u.ends_with(&format!("/r/{REPORT}")))
    );
    // No personal data: not the description, not the contact (the events carry none
    // but the description, which a citizen may have written anything into).
    for delivered in &accepted {
        let text = delivered.body.to_string();
        assert!(!text.contains(&format!("Problema {REPORT}")), "{text}");
        assert!(delivered.body.get("description").is_none());
    }

    // The receiver's checks: a genuine request passes, a tampered body or a stale
    // timestamp does not.
    let body = br#"{"tracking_code":"WHKS-0000-0001","state":"resolved"}"#;
    let now = chrono::Utc::now().timestamp();
    let signed = |timestamp: i64| {
        let mut headers = HeaderMap::new();
        headers.insert(
            "segnala-timestamp",
            timestamp.to_string().parse().expect("header"),
        );
        headers.insert(
            "segnala-signature",
            segnala_status::app::signature(&zone_secret, timestamp, body)
                .parse()
                .expect("header"),
        );
        headers
    };
    assert_eq!(verify(&zone_secret, &signed(now), body, now), Ok(()));
    let tampered = br#"{"tracking_code":"WHKS-0000-0001","state":"rejected"}"#;
    assert_eq!(
        verify(&zone_secret, &signed(now), tampered, now),
        Err("bad signature")
    );
    assert_eq!(
        verify(&zone_secret, &signed(now - 600), body, now),
        Err("stale timestamp")
    );
    assert_eq!(
        verify(&report_secret, &signed(now), body, now),
        Err("bad signature")
    );

    // Deleting takes the secret; then the report's subscriber hears nothing more.
    let wrong = client
        .delete_subscription(DeleteSubscriptionRequest {
            name: report_sub.name.clone(),
            secret: zone_secret.clone(),
        })
        .await
        .expect_err("someone else's secret");
    assert_eq!(wrong.code(), Code::NotFound);
    client
        .delete_subscription(DeleteSubscriptionRequest {
            name: report_sub.name.clone(),
            secret: report_secret.clone(),
        })
        .await
        .expect("deleted");
    let mut resolved = order("h", &[REPORT], "incidents/h", WorkOrderState::Resolved, 2);
    resolved.public_note = "Lampada sostituita".into();
    publish(&bus, &[Envelope::new(&resolved)]).await;
    let zone_resolved = eventually("the zone hears of the resolution", WAIT, || async {
        receiver
            .of(&zone_sub.name)
            .into_iter()
            .find(|d| d.body["state"] == "resolved")
    })
    .await;
    assert_eq!(zone_resolved.body["note"], "Lampada sostituita");
    assert!(
        zone_resolved.body["expected_time"].is_null(),
        "nothing left to expect once resolved"
    );
    assert_eq!(receiver.of(&report_sub.name).len(), 3);

    drop(platform);
    receiver_task.abort();
    env.cleanup().await;
}

/// Status remembers for a moment that nobody subscribed; a subscription made after that
/// still hears of the very next change.
#[tokio::test]
async fn a_subscription_made_after_changes_nobody_followed_hears_the_next_one() {
    const LATE: &str = "WHKS-0000-0003";
    let env = TestEnv::new().await;
    let receiver = Receiver::default();
    let (url, receiver_task) = receiver.start().await;
    let mut settings = env.settings();
    settings.status.webhooks.allow_private_targets = true;
    let platform = RunningPlatform::start(&settings, &[ServiceKind::Status]).await;
    let mut client = status_client(&platform).await;
    let bus = transport(&env).await;

    publish(&bus, &[Envelope::new(&received(LATE, 45.46, 9.19))]).await;
    eventually("the report is public, followed by nobody", WAIT, || {
        let client = client.clone();
        async move {
            statuses_of(&client, vec![LATE.into()])
                .await
                .filter(|statuses| !statuses.is_empty())
        }
    })
    .await;
    let (subscription, secret) = subscribe(
        &mut client,
        "0190b5a4-2222-7000-8000-000000000030",
        Subscription {
            target_url: url,
            tracking_code: LATE.to_lowercase(),
            ..Subscription::default()
        },
    )
    .await
    .expect("subscribed");
    receiver
        .secrets
        .lock()
        .expect("lock")
        .push((subscription.name.clone(), secret));
    publish(
        &bus,
        &[Envelope::new(&routed(
            LATE,
            "street_lighting",
            ZONE,
            "incidents/l",
        ))],
    )
    .await;
    let heard = eventually(
        "the change after subscribing is delivered",
        WAIT,
        || async { receiver.of(&subscription.name).into_iter().next() },
    )
    .await;
    assert_eq!(heard.body["tracking_code"], LATE);

    drop(platform);
    receiver_task.abort();
    env.cleanup().await;
}
