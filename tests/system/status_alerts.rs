//! Emergency broadcast: an operator publishes an alert over gRPC; it goes out on every
//! configured channel (through intake's outgoing delivery queue, to a local fake of
//! the platforms), shows as a banner on the public pages and in the JSON until it
//! ends, and a repeated request is not broadcast twice. Other roles are refused.

use std::time::Duration;

use prost_types::Timestamp;
use segnala::ServiceKind;
use segnala_proto::status::v1::{
    Alert, AlertSeverity, EndAlertRequest, ListAlertsRequest, PublishAlertRequest,
    status_service_client::StatusServiceClient,
};
use segnala_shared::{
    config::SecretString,
    delivery::{DeliveryState, records},
    messaging::Envelope,
};
use serde_json::json;
use tonic::Code;

use crate::{
    status_read_model::{received, routed},
    support::{
        RunningPlatform, TestEnv,
        clients::channel,
        env::{CREW_KEY, INTEGRATOR_KEY, OPERATOR_KEY},
        events::{publish, transport},
        eventually,
        fake_platform::FakePlatform,
    },
};

const WAIT: Duration = Duration::from_secs(30);
const CODE: &str = "ALRT-0000-0001";
const TELEGRAM_SEND: &str = "/bot123456:TEST-token/sendMessage";

fn alert(zone: &str) -> Alert {
    let now = chrono::Utc::now().timestamp();
    Alert {
        severity: AlertSeverity::Emergency as i32,
        title: [
            ("it".to_owned(), "Allerta rossa".to_owned()),
            ("en".to_owned(), "Red alert".to_owned()),
        ]
        .into(),
        body: [
            ("it".to_owned(), "Non attraversate i sottopassi.".to_owned()),
            ("en".to_owned(), "Keep out of underpasses.".to_owned()),
        ]
        .into(),
        zone: zone.into(),
        expire_time: Some(Timestamp {
            seconds: now + 3_600,
            nanos: 0,
        }),
        ..Alert::default()
    }
}

async fn page(url: &str) -> String {
    let client = segnala_shared::delivery::http_client(WAIT).expect("an HTTP client");
    let response = client.get(url).send().await.expect("the page answers");
    assert_eq!(response.status(), 200, "{url}");
    response.text().await.expect("a body")
}

#[tokio::test]
async fn an_operators_alert_reaches_every_channel_once_and_shows_until_it_ends() {
    let env = TestEnv::new().await;
    let fake = FakePlatform::start().await;
    let mut settings = env.settings();
    let channels = &mut settings.intake.channels;
    channels.telegram.bot_token = Some(SecretString::from("123456:TEST-token"));
    channels.telegram.webhook_secret = Some(SecretString::from("hook-secret-1"));
    channels.telegram.api_base_url = fake.url.clone();
    channels.telegram.broadcast_chat_ids = vec!["-100777".into(), "@comune_avvisi".into()];
    channels.mastodon.instance_url = fake.url.clone();
    channels.mastodon.access_token = Some(SecretString::from("masto-token"));
    channels.x.consumer_secret = Some(SecretString::from("x-consumer-secret"));
    channels.x.user_access_token = Some(SecretString::from("x-user-token"));
    channels.x.api_base_url = fake.url.clone();
    channels.x.broadcast_alerts = true;
    channels.delivery.first_retry_ms = 100;
    channels.delivery.max_retry_ms = 400;
    let platform =
        RunningPlatform::start(&settings, &[ServiceKind::Intake, ServiceKind::Status]).await;
    let bus = transport(&env).await;
    publish(
        &bus,
        &[
            Envelope::new(&received(CODE, 45.07, 7.68)),
            Envelope::new(&routed(CODE, "roads", "municipio-1", "incidents/r")),
        ],
    )
    .await;
    let status_url = platform.url(ServiceKind::Status);
    let base = platform.http_url(ServiceKind::Status);
    eventually("the report page", WAIT, || async {
        let client = segnala_shared::delivery::http_client(WAIT).ok()?;
        let response = client.get(format!("{base}/r/{CODE}")).send().await.ok()?;
        (response.status() == 200).then_some(())
    })
    .await;

    // Only operators publish.
    for (key, code) in [
        (Some(CREW_KEY), Code::PermissionDenied),
        (Some(INTEGRATOR_KEY), Code::PermissionDenied),
        (None, Code::Unauthenticated),
    ] {
        let mut client = StatusServiceClient::new(channel(&status_url, key).await);
        let refused = client
            .publish_alert(PublishAlertRequest {
                alert: Some(alert("")),
                request_id: "0190b5a4-1111-7000-8000-000000000001".into(),
            })
            .await
            .expect_err("refused");
        assert_eq!(refused.code(), code, "{key:?}");
    }
    let mut operator = StatusServiceClient::new(channel(&status_url, Some(OPERATOR_KEY)).await);
    let mut untitled = alert("");
    untitled.title.clear();
    untitled.severity = 0;
    let invalid = operator
        .publish_alert(PublishAlertRequest {
            alert: Some(untitled),
            request_id: "0190b5a4-1111-7000-8000-000000000002".into(),
        })
        .await
        .expect_err("an alert without a title or severity");
    assert_eq!(invalid.code(), Code::InvalidArgument);
    assert!(invalid.message().contains("alert.severity"), "{invalid:?}");

    let request = PublishAlertRequest {
        alert: Some(alert("")),
        request_id: "0190b5a4-1111-7000-8000-000000000003".into(),
    };
    let first = operator
        .publish_alert(request.clone())
        .await
        .expect("published")
        .into_inner()
        .alert
        .expect("an alert");
    assert!(first.name.starts_with("alerts/"), "{}", first.name);
    let again = operator
        .publish_alert(request)
        .await
        .expect("the same request again")
        .into_inner()
        .alert
        .expect("an alert");
    assert_eq!(again.name, first.name);
    // The same id with another text is refused: nothing is published or broadcast.
    let mut changed = alert("");
    changed
        .body
        .insert("en".into(), "Keep out of the park.".into());
    let reused = operator
        .publish_alert(PublishAlertRequest {
            alert: Some(changed),
            request_id: "0190b5a4-1111-7000-8000-000000000003".into(),
        })
        .await
        .expect_err("another alert under the same request id");
    assert_eq!(reused.code(), Code::AlreadyExists);
    assert!(reused.message().contains("request_id"), "{reused:?}");

    // Every configured channel gets it: two Telegram channels, Mastodon, X.
    let expected = "⚠️ Allerta rossa: Non attraversate i sottopassi.\n\n⚠️ Red alert: Keep out of underpasses.";
    let telegram = fake.wait_for_posts(TELEGRAM_SEND, 2).await;
    assert_eq!(
        telegram[0].body,
        json!({"chat_id": -100_777, "text": expected})
    );
    assert_eq!(
        telegram[1].body,
        json!({"chat_id": "@comune_avvisi", "text": expected})
    );
    let mastodon = fake.wait_for_posts("/api/v1/statuses", 1).await;
    assert_eq!(
        mastodon[0].body,
        json!({"status": expected, "visibility": "public"})
    );
    let x = fake.wait_for_posts("/2/tweets", 1).await;
    assert_eq!(
        x[0].body["text"]
            .as_str()
            .map(|t| t.starts_with("⚠️ Allerta rossa")),
        Some(true)
    );

    // The banner, on the report page and the city page, in both languages; the JSON.
    let report_page = page(&format!("{base}/r/{CODE}")).await;
    assert!(report_page.contains("role=\"alert\""), "{report_page}");
    assert!(report_page.contains("Allerta rossa"));
    assert!(
        page(&format!("{base}/r/{CODE}?lang=en"))
            .await
            .contains("Red alert")
    );
    assert!(page(&format!("{base}/")).await.contains("Allerta rossa"));
    let json: serde_json::Value =
        serde_json::from_str(&page(&format!("{base}/api/v1/reports/{CODE}?lang=en")).await)
            .expect("JSON");
    assert_eq!(json["alerts"][0]["title"], "Red alert");
    assert_eq!(json["alerts"][0]["severity"], "emergency");
    assert_eq!(json["alerts"][0]["alert"], first.name.as_str());

    // A zone's alert shows on the city page and that zone's pages, not elsewhere.
    let zoned = operator
        .publish_alert(PublishAlertRequest {
            alert: Some(Alert {
                title: [("it".to_owned(), "Strada chiusa in zona nove".to_owned())].into(),
                ..alert("municipio-9")
            }),
            request_id: "0190b5a4-1111-7000-8000-000000000004".into(),
        })
        .await
        .expect("a zone's alert")
        .into_inner()
        .alert
        .expect("an alert");
    assert_eq!(zoned.zone, "municipio-9");
    assert!(page(&format!("{base}/")).await.contains("zona nove"));
    assert!(
        !page(&format!("{base}/r/{CODE}"))
            .await
            .contains("zona nove")
    );

    // Once every delivery is settled, nothing went out twice.
    let intake_db = env.service_db(ServiceKind::Intake).await;
    fake.wait_for_posts(TELEGRAM_SEND, 4).await;
    eventually("alert deliveries settled", WAIT, || async {
        records(&intake_db, Some(DeliveryState::Pending))
            .await
            .expect("records")
            .is_empty()
            .then_some(())
    })
    .await;
    assert_eq!(fake.posts(TELEGRAM_SEND).len(), 4, "two alerts, two chats");
    assert_eq!(fake.posts("/api/v1/statuses").len(), 2);
    assert_eq!(fake.posts("/2/tweets").len(), 2);

    // Ended, the banner goes; ending again changes nothing; unknown alerts are named.
    let ended = operator
        .end_alert(EndAlertRequest {
            name: first.name.clone(),
        })
        .await
        .expect("ended")
        .into_inner()
        .alert
        .expect("an alert");
    assert!(ended.end_time.is_some());
    let again = operator
        .end_alert(EndAlertRequest {
            name: first.name.clone(),
        })
        .await
        .expect("ended again")
        .into_inner()
        .alert
        .expect("an alert");
    assert_eq!(again.end_time, ended.end_time);
    assert!(
        !page(&format!("{base}/r/{CODE}"))
            .await
            .contains("Allerta rossa")
    );
    let alerts: serde_json::Value =
        serde_json::from_str(&page(&format!("{base}/api/v1/alerts")).await).expect("JSON");
    assert_eq!(alerts.as_array().map(Vec::len), Some(1), "{alerts}");
    let unknown = operator
        .end_alert(EndAlertRequest {
            name: "alerts/0190b5a4-0000-7000-8000-000000000000".into(),
        })
        .await
        .expect_err("no such alert");
    assert_eq!(unknown.code(), Code::NotFound);
    let crew = StatusServiceClient::new(channel(&status_url, Some(CREW_KEY)).await)
        .end_alert(EndAlertRequest {
            name: zoned.name.clone(),
        })
        .await
        .expect_err("crews do not end alerts");
    assert_eq!(crew.code(), Code::PermissionDenied);

    drop(platform);
    env.cleanup().await;
}

/// Runs `segnala ops … alerts ARGS` against the status service at `status_url`.
async fn ops_alerts(status_url: &str, args: &[&str]) -> Result<String, String> {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_segnala"))
        .args([
            "ops",
            "--api-key",
            OPERATOR_KEY,
            "--time-zone",
            "Europe/Rome",
        ])
        .args(["alerts", "--status-url", status_url])
        .args(args)
        .output()
        .await
        .expect("the segnala binary runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    if output.status.success() {
        Ok(stdout)
    } else {
        Err(format!(
            "{stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

#[tokio::test]
async fn operators_publish_end_and_list_alerts_with_segnala_ops() {
    let env = TestEnv::new().await;
    let platform =
        RunningPlatform::start(&env.settings(), &[ServiceKind::Intake, ServiceKind::Status]).await;
    let status_url = platform.url(ServiceKind::Status);
    let json = |text: &str| -> serde_json::Value {
        serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
    };

    let published = ops_alerts(
        &status_url,
        &[
            "publish",
            "--severity",
            "warning",
            "--title-it",
            "Strada chiusa",
            "--body-it",
            "Via Roma è chiusa per lavori fino a stasera.",
            "--zone",
            "municipio-1",
            "--expires-in",
            "6h",
            "--json",
        ],
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let alert = json(&published);
    let name = alert["name"].as_str().expect("a name").to_owned();
    assert_eq!(
        (&alert["severity"], &alert["state"], &alert["zone"]),
        (&json!("warning"), &json!("active"), &json!("municipio-1"))
    );
    assert!(alert["expire_time"].is_string(), "{alert}");

    // Listed, in text on the city's clock and in JSON; anyone may list.
    let listed = ops_alerts(&status_url, &["list"])
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        listed.contains(&name)
            && listed.contains("Strada chiusa")
            && listed.contains("zone municipio-1")
            && (listed.contains(" CET\n") || listed.contains(" CEST\n"))
            && listed.contains("1 active alert(s)."),
        "{listed}"
    );
    let mut anyone = StatusServiceClient::new(channel(&status_url, None).await);
    let active = anyone
        .list_alerts(ListAlertsRequest::default())
        .await
        .expect("ListAlerts is public")
        .into_inner();
    assert_eq!(
        active
            .alerts
            .iter()
            .map(|a| a.name.as_str())
            .collect::<Vec<_>>(),
        [name.as_str()]
    );

    // Bad input is refused clearly and publishes nothing.
    let refused = ops_alerts(&status_url, &["publish", "--severity", "info"])
        .await
        .expect_err("an alert without a title");
    assert!(refused.contains("alert.title"), "{refused}");

    let ended = ops_alerts(&status_url, &["end", &name])
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(ended.contains("Ended"), "{ended}");
    let active = json(
        &ops_alerts(&status_url, &["list", "--json"])
            .await
            .unwrap_or_else(|e| panic!("{e}")),
    );
    assert_eq!(active, json!([]));
    let all = json(
        &ops_alerts(&status_url, &["list", "--all", "--json"])
            .await
            .unwrap_or_else(|e| panic!("{e}")),
    );
    assert_eq!(all.as_array().map(Vec::len), Some(1), "{all}");
    assert_eq!(
        (&all[0]["name"], &all[0]["state"]),
        (&json!(name), &json!("ended"))
    );
    assert!(all[0]["end_time"].is_string(), "{all}");
    drop(platform);
    env.cleanup().await;
}
