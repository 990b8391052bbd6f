//! The social and messaging channels against the real PostgreSQL and RabbitMQ, with a
//! local fake standing in for the platforms' APIs: webhooks and their signatures, the
//! conversation in Italian and English, replies on the citizen's channel after status
//! changes, emergencies and alerts, retries through an outage, no duplicates.

use std::time::Duration;

use base64::Engine;
use segnala::ServiceKind;
use segnala_proto::{
    status::v1::{AlertPublished, PublicState, ReportStatusChanged},
    triage::v1::EmergencyDetected,
};
use segnala_shared::{
    delivery::{DeliveryState, records},
    messaging::Envelope,
};
use serde_json::{Value, json};

use crate::support::{
    RunningPlatform, TestEnv,
    chats::*,
    eventually,
    fake_platform::{FakePlatform, Recorded},
    photos::{self, PNG},
};

#[tokio::test]
async fn telegram_conversation_in_italian_and_replies_after_status_changes() {
    let setup = Setup::start().await;
    let chat = 55_501_234;
    let first = telegram_message(
        10,
        chat,
        "it",
        json!({"text": "Lampione spento davanti alla scuola"}),
    );
    assert_eq!(setup.telegram(&first, Some(TELEGRAM_SECRET)).await, 200);
    let asked = setup.fake.wait_for_posts(TELEGRAM_SEND, 1).await;
    assert_eq!(
        asked[0].body,
        json!({"chat_id": chat, "text": "Dove si trova il problema? Invia la posizione, oppure scrivi l'indirizzo."})
    );
    assert_eq!(setup.report_count().await, 0, "no report without a place");

    let location = telegram_message(
        11,
        chat,
        "it",
        json!({"location": {"latitude": 45.4642, "longitude": 9.19}}),
    );
    assert_eq!(setup.telegram(&location, Some(TELEGRAM_SECRET)).await, 200);
    // Telegram delivers the same update again (it did not see our answer in time).
    assert_eq!(setup.telegram(&location, Some(TELEGRAM_SECRET)).await, 200);
    assert_eq!(setup.telegram(&first, Some(TELEGRAM_SECRET)).await, 200);
    let posts = setup.fake.wait_for_posts(TELEGRAM_SEND, 2).await;
    let accepted = texts(&posts)[1].clone();
    let code = code_in(&accepted);
    assert_eq!(
        accepted,
        format!(
            "Grazie! La segnalazione è registrata con il codice {code}. Segui lo stato qui: {PUBLIC_URL}/r/{code}"
        )
    );
    assert_eq!(setup.report_count().await, 1, "two messages, one report");

    // The citizen asks for the status.
    let ask = telegram_message(
        12,
        chat,
        "it",
        json!({"text": format!("/stato {}", code.to_lowercase())}),
    );
    assert_eq!(setup.telegram(&ask, Some(TELEGRAM_SECRET)).await, 200);
    let posts = setup.fake.wait_for_posts(TELEGRAM_SEND, 3).await;
    assert_eq!(
        texts(&posts)[2],
        format!("Segnalazione {code}: lo stato aggiornato è qui {PUBLIC_URL}/r/{code}")
    );

    // Status announces the resolution, twice (a redelivery) and once more as a new
    // message with the same version: one reply.
    let resolved = resolved_status(&code, 5, "Lampada sostituita");
    let envelope = Envelope::new(&resolved);
    setup
        .publish(&[envelope.clone(), envelope, Envelope::new(&resolved)])
        .await;
    // A later change is the sentinel: once its reply is out, the others were handled.
    let closed = ReportStatusChanged {
        state: PublicState::Closed as i32,
        message: String::new(),
        version: 6,
        ..resolved.clone()
    };
    setup.publish(&[Envelope::new(&closed)]).await;
    let posts = setup.fake.wait_for_posts(TELEGRAM_SEND, 5).await;
    assert_eq!(
        texts(&posts)[3..],
        [
            format!(
                "Segnalazione {code}: è stata risolta. Nota: Lampada sostituita. Dettagli: {PUBLIC_URL}/r/{code}\n\n{ASK_IF_FIXED_IT}"
            ),
            format!("Segnalazione {code}: è stata chiusa. Dettagli: {PUBLIC_URL}/r/{code}"),
        ]
    );
    // The reporter is asked whether it is fixed, with a button for each answer.
    let buttons = &posts[3].body["reply_markup"]["inline_keyboard"][0];
    assert_eq!(
        [&buttons[0]["text"], &buttons[1]["text"]],
        ["Sì, è risolto", "No, non è risolto"]
    );
    assert!(posts.iter().all(|p| p.body["chat_id"] == json!(chat)));

    // Nothing of the reporter travels in events: the intake outbox holds no chat id,
    // name or handle.
    let db = setup.env.service_db(ServiceKind::Intake).await;
    let rows = sea_orm::ConnectionTrait::query_all_raw(
        &db,
        sea_orm::Statement::from_string(
            sea_orm::DatabaseBackend::Postgres,
            "SELECT encode(payload, 'escape') AS payload FROM outbox".to_owned(),
        ),
    )
    .await
    .expect("outbox");
    for row in rows {
        let payload: String = row.try_get("", "payload").unwrap_or_default();
        for personal in [chat.to_string().as_str(), "Giulia", "giulia_b", "Bianchi"] {
            assert!(
                !payload.contains(personal),
                "{personal} leaked into an event"
            );
        }
    }
    assert_eq!(setup.fake.posts(TELEGRAM_SEND).len(), 5);
    setup.finish().await;
}

#[tokio::test]
async fn telegram_refuses_a_wrong_or_missing_secret_and_stores_nothing() {
    let setup = Setup::start().await;
    let update = telegram_message(
        20,
        777,
        "it",
        json!({"text": "Buca in via Garibaldi 3", "location": {"latitude": 45.0, "longitude": 9.0}}),
    );
    assert_eq!(setup.telegram(&update, Some("wrong")).await, 401);
    assert_eq!(setup.telegram(&update, None).await, 401);
    let bad = setup
        .http
        .post(format!("{}/webhooks/telegram", setup.intake_url))
        .header("X-Telegram-Bot-Api-Secret-Token", TELEGRAM_SECRET)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("call");
    assert_eq!(bad.status(), 400);
    // A photo with its caption and a place, from an English-speaking user: one report,
    // answered in English.
    let photo = telegram_message(
        21,
        778,
        "en-GB",
        json!({
            "photo": [{"file_id": "AgACAgQ", "file_unique_id": "AQAD", "width": 320, "height": 240}],
            "caption": "Overflowing bins next to the playground",
            "location": {"latitude": 45.4781, "longitude": 9.2275},
        }),
    );
    setup.fake.serve(
        &format!("/bot{BOT_TOKEN}/getFile"),
        "application/json",
        json!({"ok": true, "result": {"file_id": "AgACAgQ", "file_path": "photos/file_1.png"}})
            .to_string(),
    );
    setup.fake.serve(
        &format!("/file/bot{BOT_TOKEN}/photos/file_1.png"),
        "image/png",
        PNG,
    );
    assert_eq!(setup.telegram(&photo, Some(TELEGRAM_SECRET)).await, 200);
    let posts = setup.fake.wait_for_posts(TELEGRAM_SEND, 1).await;
    let code = code_in(&texts(&posts)[0]);
    assert_eq!(
        texts(&posts)[0],
        format!(
            "Thank you! Your report is registered with the code {code}. Follow its status here: {PUBLIC_URL}/r/{code}"
        )
    );
    assert_eq!(
        setup.report_count().await,
        1,
        "the refused calls stored nothing"
    );
    setup.finish().await;
}

#[tokio::test]
async fn whatsapp_verifies_signs_and_talks_english() {
    let setup = Setup::start().await;
    let verify = |token: &str| {
        setup.http.get(format!(
            "{}/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token={token}&hub.challenge=1158201444",
            setup.intake_url
        ))
    };
    let ok = verify(WA_VERIFY).send().await.expect("verify");
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.text().await.expect("body"), "1158201444");
    assert_eq!(verify("nope").send().await.expect("verify").status(), 403);

    let from = "447700900123";
    let text = whatsapp_notification(
        json!({"from": from, "id": "wamid.HBgLNDQ3NzAwOTAwMTIzFQIAEhgg", "timestamp": "1763900000",
               "type": "text", "text": {"body": "There is a deep pothole on the road near the station"}}),
        "Sam Jones",
        from,
    );
    assert_eq!(setup.whatsapp(&text, "forged-secret").await, 401);
    assert_eq!(setup.report_count().await, 0);
    assert_eq!(setup.whatsapp(&text, WA_APP_SECRET).await, 200);
    let path = format!("/{WA_PHONE_ID}/messages");
    let posts = setup.fake.wait_for_posts(&path, 1).await;
    assert_eq!(
        posts[0].body,
        json!({"messaging_product": "whatsapp", "recipient_type": "individual", "to": from, "type": "text",
               "text": {"preview_url": false, "body": "Where is the problem? Send the location, or type the address."}})
    );
    assert_eq!(posts[0].headers["authorization"], "Bearer wa-access-token");

    let location = whatsapp_notification(
        json!({"from": from, "id": "wamid.HBgLNDQ3NzAwOTAwMTIzFQIAEhgh", "timestamp": "1763900060",
               "type": "location", "location": {"latitude": 45.4855, "longitude": 9.2042, "name": "Stazione Centrale"}}),
        "Sam Jones",
        from,
    );
    assert_eq!(setup.whatsapp(&location, WA_APP_SECRET).await, 200);
    assert_eq!(setup.whatsapp(&location, WA_APP_SECRET).await, 200);
    let posts = setup.fake.wait_for_posts(&path, 2).await;
    let body = posts[1].body["text"]["body"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let code = code_in(&body);
    assert_eq!(
        body,
        format!(
            "Thank you! Your report is registered with the code {code}. Follow its status here: {PUBLIC_URL}/r/{code}"
        )
    );
    assert_eq!(setup.report_count().await, 1);

    // Triage flags it as an emergency: the reporter is told to call 112, once.
    let emergency = EmergencyDetected {
        report: format!("reports/{code}"),
        tracking_code: code.clone(),
        matched_terms: vec!["voragine".into()],
        ..Default::default()
    };
    let envelope = Envelope::new(&emergency);
    setup.publish(&[envelope.clone(), envelope]).await;
    let posts = setup.fake.wait_for_posts(&path, 3).await;
    assert_eq!(
        posts[2].body["text"]["body"],
        format!(
            "Report {code} may be an emergency: it has been forwarded with priority. If anyone is in danger, call 112 now."
        )
    );
    setup.finish().await;
}

#[tokio::test]
async fn mastodon_mentions_become_reports_answered_in_the_thread() {
    let setup = Setup::start().await;
    setup.fake.set_notifications(vec![mention(
        "501",
        "111000111000111001",
        r#"<p><span class="h-card"><a href="https://social.example/@comune" class="u-url mention">@<span>comune</span></a></span> Buca pericolosa &amp; profonda sulla ciclabile</p>"#,
    )]);
    let posts = setup.fake.wait_for_posts("/api/v1/statuses", 1).await;
    assert_eq!(
        posts[0].body,
        json!({"status": "@marco@social.example Dove si trova il problema? Invia la posizione, oppure scrivi l'indirizzo.",
               "visibility": "unlisted", "in_reply_to_id": "111000111000111001"})
    );
    assert_eq!(posts[0].headers["authorization"], "Bearer masto-token");

    // The answer, as a reply: newest first, as the API lists them.
    setup.fake.set_notifications(vec![
        reply_mention("502", "111000111000111002", "1", r#"<p><span class="h-card"><a href="https://social.example/@comune" class="u-url mention">@<span>comune</span></a></span> Via Emilia 120, vicino al ponte</p>"#),
        mention("501", "111000111000111001", "<p>@comune Buca</p>"),
    ]);
    let posts = setup.fake.wait_for_posts("/api/v1/statuses", 2).await;
    let status = posts[1].body["status"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let code = code_in(&status);
    assert_eq!(
        status,
        format!(
            "@marco@social.example Grazie! La segnalazione è registrata con il codice {code}. Segui lo stato qui: {PUBLIC_URL}/r/{code}"
        )
    );
    assert_eq!(posts[1].body["in_reply_to_id"], "111000111000111002");
    assert_eq!(setup.report_count().await, 1);
    // Later polls ask only for newer mentions.
    eventually(
        "a poll from the saved cursor",
        Duration::from_secs(20),
        || async {
            setup
                .fake
                .all()
                .iter()
                .any(|r| r.path == "/api/v1/notifications" && r.query.contains("since_id=502"))
                .then_some(())
        },
    )
    .await;
    assert_eq!(setup.fake.posts("/api/v1/statuses").len(), 2);
    setup.finish().await;
}

#[tokio::test]
async fn x_answers_the_crc_and_takes_signed_mentions() {
    let setup = Setup::start().await;
    let crc: Value = setup
        .http
        .get(format!(
            "{}/webhooks/x?crc_token=challenge-123",
            setup.intake_url
        ))
        .send()
        .await
        .expect("crc")
        .json()
        .await
        .expect("json");
    let expected = format!(
        "sha256={}",
        base64::engine::general_purpose::STANDARD.encode(hmac(X_SECRET, b"challenge-123"))
    );
    assert_eq!(crc, json!({"response_token": expected}));

    let events = json!({
        "for_user_id": "4400",
        "tweet_create_events": [
            {"id_str": "1860000000000000001", "text": "@ComuneDemo Semaforo guasto all'incrocio, lampeggia da ieri",
             "lang": "it", "user": {"id_str": "9911", "screen_name": "lucia_v", "name": "Lucia"},
             "coordinates": {"type": "Point", "coordinates": [9.1865, 45.4719]}},
            {"id_str": "1860000000000000002", "text": "@lucia_v grazie, ricevuto",
             "user": {"id_str": "4400", "screen_name": "ComuneDemo", "name": "Comune"}}
        ]
    });
    assert_eq!(setup.x(&events, "not-the-secret").await, 401);
    assert_eq!(setup.report_count().await, 0);
    assert_eq!(setup.x(&events, X_SECRET).await, 200);
    assert_eq!(setup.x(&events, X_SECRET).await, 200);
    let posts = setup.fake.wait_for_posts("/2/tweets", 1).await;
    let text = posts[0].body["text"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let code = code_in(&text);
    assert_eq!(
        posts[0].body,
        json!({"text": format!("Grazie! La segnalazione è registrata con il codice {code}. Segui lo stato qui: {PUBLIC_URL}/r/{code}"),
               "reply": {"in_reply_to_tweet_id": "1860000000000000001"}})
    );
    assert_eq!(
        setup.report_count().await,
        1,
        "its own tweet and the redelivery made none"
    );
    setup.finish().await;
}

#[tokio::test]
async fn replies_wait_out_a_platform_outage_and_alerts_reach_every_channel() {
    let setup = Setup::start().await;
    setup.fake.fail_next(3);
    let update = telegram_message(
        30,
        4242,
        "it",
        json!({"text": "Rami caduti sul marciapiede 45.4575, 9.1700"}),
    );
    assert_eq!(setup.telegram(&update, Some(TELEGRAM_SECRET)).await, 200);
    let posts = setup.fake.wait_for_posts(TELEGRAM_SEND, 1).await;
    assert!(texts(&posts)[0].starts_with("Grazie! La segnalazione è registrata con il codice"));
    let db = setup.env.service_db(ServiceKind::Intake).await;
    let sent = records(&db, Some(DeliveryState::Sent))
        .await
        .expect("records");
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].attempts, 4, "three refusals, then through");

    let alert = AlertPublished {
        alert: "alerts/allerta-meteo-1".into(),
        title: [
            ("it".to_owned(), "Allerta meteo".to_owned()),
            ("en".to_owned(), "Weather alert".to_owned()),
        ]
        .into(),
        body: [
            (
                "it".to_owned(),
                "Evitate i sottopassi fino alle 18.".to_owned(),
            ),
            ("en".to_owned(), "Avoid underpasses until 6 pm.".to_owned()),
        ]
        .into(),
        ..Default::default()
    };
    let envelope = Envelope::new(&alert);
    setup.publish(&[envelope.clone(), envelope]).await;
    let expected = "⚠️ Allerta meteo: Evitate i sottopassi fino alle 18.\n\n⚠️ Weather alert: Avoid underpasses until 6 pm.";
    let posts = setup.fake.wait_for_posts(TELEGRAM_SEND, 3).await;
    assert_eq!(
        posts[1].body,
        json!({"chat_id": -1_001_234, "text": expected})
    );
    assert_eq!(
        posts[2].body,
        json!({"chat_id": "@comune_avvisi", "text": expected})
    );
    let statuses = setup.fake.wait_for_posts("/api/v1/statuses", 1).await;
    assert_eq!(
        statuses[0].body,
        json!({"status": expected, "visibility": "public"})
    );
    // Once every alert delivery is settled, none was sent twice.
    eventually(
        "alert deliveries settled",
        Duration::from_secs(20),
        || async {
            records(&db, Some(DeliveryState::Pending))
                .await
                .expect("records")
                .is_empty()
                .then_some(())
        },
    )
    .await;
    assert_eq!(setup.fake.posts(TELEGRAM_SEND).len(), 3);
    assert_eq!(setup.fake.posts("/api/v1/statuses").len(), 1);
    assert!(
        setup.fake.posts("/2/tweets").is_empty(),
        "X broadcasts are off"
    );
    setup.finish().await;
}

#[tokio::test]
async fn a_conversation_survives_a_restart_of_intake() {
    let env = TestEnv::new().await;
    let fake = FakePlatform::start().await;
    let settings = settings(&env, &fake);
    let http = segnala_shared::delivery::http_client(Duration::from_secs(10)).expect("HTTP client");
    let send = |url: String, update: Value| {
        let http = http.clone();
        async move {
            http.post(format!("{url}/webhooks/telegram"))
                .header("X-Telegram-Bot-Api-Secret-Token", TELEGRAM_SECRET)
                .json(&update)
                .send()
                .await
                .expect("webhook")
                .status()
        }
    };
    let chat = 31_337;
    let platform = RunningPlatform::start(&settings, &[ServiceKind::Intake]).await;
    let first = telegram_message(
        40,
        chat,
        "en",
        json!({"text": "Graffiti all over the bus shelter"}),
    );
    assert_eq!(
        send(platform.http_url(ServiceKind::Intake), first).await,
        200
    );
    fake.wait_for_posts(TELEGRAM_SEND, 1).await;
    // Delivery is at least once: stopping between the send and its record would send
    // the question again after the restart. Stop once it is recorded.
    let db = env.service_db(ServiceKind::Intake).await;
    eventually(
        "the question recorded as sent",
        Duration::from_secs(20),
        || async { (records(&db, Some(DeliveryState::Sent)).await.ok()?.len() == 1).then_some(()) },
    )
    .await;
    drop(platform);

    let platform = RunningPlatform::start(&settings, &[ServiceKind::Intake]).await;
    let place = telegram_message(
        41,
        chat,
        "en",
        json!({"text": "Piazza Maggiore 1, Bologna"}),
    );
    assert_eq!(
        send(platform.http_url(ServiceKind::Intake), place).await,
        200
    );
    let posts = fake.wait_for_posts(TELEGRAM_SEND, 2).await;
    let code = code_in(&texts(&posts)[1]);
    assert_eq!(
        texts(&posts),
        [
            "Where is the problem? Send the location, or type the address.".to_owned(),
            format!(
                "Thank you! Your report is registered with the code {code}. Follow its status here: {PUBLIC_URL}/r/{code}"
            ),
        ]
    );
    let db = env.service_db(ServiceKind::Intake).await;
    assert_eq!(
        segnala_intake::store::count_reports(&db)
            .await
            .expect("count"),
        1
    );
    drop(platform);
    env.cleanup().await;
}

/// Issue 6's promise end to end: a citizen reports on Telegram, gets the tracking
/// code, and hears back on Telegram when the crew resolves the work order.
#[tokio::test]
async fn a_citizen_on_telegram_hears_back_when_the_crew_resolves_it() {
    use segnala_proto::tracking::v1::{ClaimNextRequest, ResolveWorkRequest, StartWorkRequest};

    use crate::support::{
        env::CREW_KEY,
        tracking::{crew_client, operator_client, order_of},
    };

    let env = TestEnv::new().await;
    let fake = FakePlatform::start().await;
    let platform = RunningPlatform::start(&settings(&env, &fake), &ServiceKind::ALL).await;
    let http = segnala_shared::delivery::http_client(Duration::from_secs(10)).expect("client");
    let chat = 8_675_309;
    let update = telegram_message(
        70,
        chat,
        "it",
        json!({"text": "Lampione spento in via Roma, è tutto buio",
               "location": {"latitude": 45.4642, "longitude": 9.19}}),
    );
    let status = http
        .post(format!(
            "{}/webhooks/telegram",
            platform.http_url(ServiceKind::Intake)
        ))
        .header("X-Telegram-Bot-Api-Secret-Token", TELEGRAM_SECRET)
        .json(&update)
        .send()
        .await
        .expect("webhook")
        .status();
    assert_eq!(status, 200);
    let posts = fake.wait_for_posts(TELEGRAM_SEND, 1).await;
    let code = code_in(&texts(&posts)[0]);
    assert!(texts(&posts)[0].contains(&format!("{PUBLIC_URL}/r/{code}")));

    let tracking_url = platform.url(ServiceKind::Tracking);
    let tracking = operator_client(&tracking_url).await;
    let mut crew = crew_client(&tracking_url, CREW_KEY).await;
    let order = order_of(
        &tracking,
        &format!("reports/{code}"),
        "a work order",
        |_| true,
    )
    .await;
    let request_id = || uuid::Uuid::new_v4().to_string();
    let claimed = crew
        .claim_next(ClaimNextRequest {
            department: String::new(),
            request_id: request_id(),
        })
        .await
        .expect("claim")
        .into_inner()
        .work_order
        .expect("an order to claim");
    assert_eq!(claimed.name, order.name);
    crew.start_work(StartWorkRequest {
        name: order.name.clone(),
        request_id: request_id(),
    })
    .await
    .expect("start");
    crew.resolve_work(ResolveWorkRequest {
        name: order.name.clone(),
        public_note: "Lampada sostituita".into(),
        request_id: request_id(),
    })
    .await
    .expect("resolve");

    let resolved = eventually(
        "the resolution told on Telegram",
        Duration::from_secs(60),
        || async {
            texts(&fake.posts(TELEGRAM_SEND))
                .into_iter()
                .find(|t| t.contains("è stata risolta"))
        },
    )
    .await;
    assert_eq!(
        resolved,
        format!(
            "Segnalazione {code}: è stata risolta. Nota: Lampada sostituita. Dettagli: {PUBLIC_URL}/r/{code}\n\n{ASK_IF_FIXED_IT}"
        )
    );
    assert!(
        fake.posts(TELEGRAM_SEND)
            .iter()
            .all(|p| p.body["chat_id"] == json!(chat))
    );
    drop(platform);
    env.cleanup().await;
}

#[tokio::test]
async fn photos_sent_in_a_chat_are_kept_with_the_report() {
    let setup = Setup::start().await;

    // Telegram: the photo's file is looked up with the bot token, then downloaded. While
    // the Bot API cannot give it, the update is refused for Telegram to send again.
    let photo = telegram_message(
        41,
        5550041,
        "it",
        json!({"photo": [{"file_id": "small-id", "file_unique_id": "s", "width": 90, "height": 90},
                         {"file_id": "large-id", "file_unique_id": "l", "width": 1280, "height": 960}],
               "caption": "Lampione rotto, pericoloso",
               "location": {"latitude": 45.4701, "longitude": 9.1832}}),
    );
    let status = setup.telegram(&photo, Some(TELEGRAM_SECRET)).await;
    assert_eq!(status, 503, "no file to fetch yet");
    assert_eq!(
        setup.report_count().await,
        0,
        "nothing stored while the photo is missing"
    );

    setup.fake.serve(
        &format!("/bot{BOT_TOKEN}/getFile"),
        "application/json",
        json!({"ok": true, "result": {"file_id": "large-id", "file_path": "photos/file_7.jpg"}})
            .to_string(),
    );
    setup.fake.serve(
        &format!("/file/bot{BOT_TOKEN}/photos/file_7.jpg"),
        "image/jpeg",
        photos::camera_jpeg(),
    );
    assert_eq!(setup.telegram(&photo, Some(TELEGRAM_SECRET)).await, 200);
    let lookups: Vec<String> = setup
        .fake
        .all()
        .into_iter()
        .filter(|r| r.path.ends_with("/getFile"))
        .map(|r| r.query)
        .collect();
    assert!(
        lookups.iter().all(|q| q == "file_id=large-id"),
        "{lookups:?}"
    );
    let reply = setup.fake.wait_for_posts(TELEGRAM_SEND, 1).await;
    let code = code_in(reply[0].body["text"].as_str().unwrap_or_default());
    let urls = setup.media_urls(&code).await;
    assert_eq!(urls.len(), 1, "{urls:?}");
    assert!(
        !urls[0].contains(BOT_TOKEN),
        "the bot token never leaves intake"
    );
    photos::assert_without_camera_metadata(&setup.served(&urls[0]).await);
    // Delivered once more, the same update makes no second report.
    assert_eq!(setup.telegram(&photo, Some(TELEGRAM_SECRET)).await, 200);
    assert_eq!(setup.report_count().await, 1);

    // WhatsApp: an image first, its place in the next message; the media id is looked up
    // with the access token and the file downloaded with it too.
    setup.fake.serve(
        "/wamid-media-77",
        "application/json",
        json!({"url": format!("{}/download/77", setup.fake.url), "mime_type": "image/png",
               "id": "wamid-media-77", "messaging_product": "whatsapp"})
        .to_string(),
    );
    setup.fake.serve("/download/77", "image/png", PNG);
    let from = "393331112233";
    let image = whatsapp_notification(
        json!({"from": from, "id": "wamid.IMG1", "timestamp": "1763900100", "type": "image",
               "image": {"id": "wamid-media-77", "mime_type": "image/png", "caption": "Rifiuti abbandonati"}}),
        "Luca",
        from,
    );
    assert_eq!(setup.whatsapp(&image, WA_APP_SECRET).await, 200);
    let place = whatsapp_notification(
        json!({"from": from, "id": "wamid.LOC1", "timestamp": "1763900160", "type": "location",
               "location": {"latitude": 45.4612, "longitude": 9.2011}}),
        "Luca",
        from,
    );
    assert_eq!(setup.whatsapp(&place, WA_APP_SECRET).await, 200);
    let replies = setup
        .fake
        .wait_for_posts(&format!("/{WA_PHONE_ID}/messages"), 2)
        .await;
    let code = code_in(replies[1].body["text"]["body"].as_str().unwrap_or_default());
    let urls = setup.media_urls(&code).await;
    assert_eq!(urls.len(), 1, "{urls:?}");
    assert!(photos::same_picture(&setup.served(&urls[0]).await, PNG));
    let downloads: Vec<Recorded> = setup
        .fake
        .all()
        .into_iter()
        .filter(|r| r.path == "/download/77")
        .collect();
    assert_eq!(downloads.len(), 1);
    assert_eq!(
        downloads[0].headers["authorization"],
        "Bearer wa-access-token"
    );
    assert_eq!(setup.report_count().await, 2);
    setup.finish().await;
}
