//! The conversation that completes a report, with what citizens really send: only a
//! message that can be the missing detail completes it; danger gets the safety advice
//! at once; a place outside the city is refused as it arrives; replies tell holds,
//! expected dates and, on request, where a report stands.

use std::time::Duration;

use chrono::TimeZone;
use segnala::ServiceKind;
use segnala_proto::tracking::v1::{WorkOrderChanged, WorkOrderState};
use segnala_shared::{messaging::Envelope, time::to_timestamp};
use serde_json::{Value, json};

use crate::support::{
    chats::{
        PUBLIC_URL, Setup, TELEGRAM_SEND, WA_PHONE_ID, code_in, mention, reply_mention,
        telegram_message, texts, whatsapp_notification,
    },
    eventually,
    photos::{self, PNG},
};

const ASK_WHERE_IT: &str =
    "Dove si trova il problema? Invia la posizione, oppure scrivi l'indirizzo.";
const CAN_READ_IT: &str = "Posso leggere testo, posizioni e foto, ma non messaggi vocali, video, file o contatti: scrivi qual è il problema e invia la posizione.";

#[tokio::test]
async fn on_telegram_only_a_place_completes_a_report_waiting_for_one() {
    let setup = Setup::start().await;
    let chat = 61_001;
    let say = |id: i64, content: Value| telegram_message(id, chat, "it", content);
    setup
        .tell_telegram(&say(
            1,
            json!({"text": "Lampione spento davanti alla scuola"}),
        ))
        .await;
    // A voice message, a thank-you and a sticker are not where it is.
    setup
        .tell_telegram(&say(
            2,
            json!({"voice": {"file_id": "AwACAg", "file_unique_id": "v1", "duration": 4, "mime_type": "audio/ogg"}}),
        ))
        .await;
    setup
        .tell_telegram(&say(3, json!({"text": "Risolto, grazie!"})))
        .await;
    setup
        .tell_telegram(&say(
            4,
            json!({"sticker": {"file_id": "CAACAg", "file_unique_id": "s1", "width": 512, "height": 512,
                               "is_animated": false, "is_video": false, "type": "regular"}}),
        ))
        .await;
    setup
        .tell_telegram(&say(5, json!({"text": "Via Dante 5"})))
        .await;
    let posts = setup.fake.wait_for_posts(TELEGRAM_SEND, 4).await;
    let code = code_in(&texts(&posts)[3]);
    assert_eq!(
        texts(&posts),
        [
            ASK_WHERE_IT.to_owned(),
            CAN_READ_IT.to_owned(),
            "Non ho capito dove si trova il problema: invia la posizione, oppure scrivi la via e il numero civico (per esempio «via Roma 12»).".to_owned(),
            format!(
                "Grazie! La segnalazione è registrata con il codice {code}. Segui lo stato qui: {PUBLIC_URL}/r/{code}"
            ),
        ],
        "the sticker got no answer"
    );
    let report = setup.platform.report_as_operator(&code).await;
    assert_eq!(
        (report.description.as_str(), report.address.as_str()),
        ("Lampione spento davanti alla scuola", "Via Dante 5")
    );
    assert_eq!(setup.report_count().await, 1);
    setup.finish().await;
}

#[tokio::test]
async fn on_whatsapp_reactions_stickers_and_files_start_no_report() {
    let setup = Setup::start().await;
    let from = "393470000123";
    let path = format!("/{WA_PHONE_ID}/messages");
    let send = |id: &str, message: Value| {
        let mut message = message;
        message["from"] = json!(from);
        message["id"] = json!(id);
        message["timestamp"] = json!("1763900000");
        whatsapp_notification(message, "Paola", from)
    };
    // No place was ever sent: none of these is "the problem at this place".
    let unreadable = [
        json!({"type": "reaction", "reaction": {"message_id": "wamid.OLD", "emoji": "👍"}}),
        json!({"type": "sticker", "sticker": {"id": "st1", "mime_type": "image/webp", "animated": false}}),
        json!({"type": "audio", "audio": {"id": "au1", "mime_type": "audio/ogg; codecs=opus", "voice": true}}),
        json!({"type": "video", "video": {"id": "vi1", "mime_type": "video/mp4"}}),
        json!({"type": "document", "document": {"id": "do1", "filename": "foto.pdf", "mime_type": "application/pdf"}}),
        json!({"type": "contacts", "contacts": [{"name": {"formatted_name": "Mario Rossi", "first_name": "Mario"},
                                                  "phones": [{"phone": "+39 333 000 0000", "type": "CELL"}]}]}),
        json!({"type": "order", "order": {"catalog_id": "1", "text": "", "product_items": []}}),
        json!({"type": "unsupported", "errors": [{"code": 131051, "title": "Message type unknown"}]}),
    ];
    for (i, message) in unreadable.into_iter().enumerate() {
        setup
            .tell_whatsapp(&send(&format!("wamid.U{i}"), message))
            .await;
    }
    setup
        .tell_whatsapp(&send(
            "wamid.T1",
            json!({"type": "text", "text": {"body": "Rifiuti abbandonati sul marciapiede"}}),
        ))
        .await;
    setup
        .tell_whatsapp(&send(
            "wamid.L1",
            json!({"type": "location", "location": {"latitude": 45.4781, "longitude": 9.2275}}),
        ))
        .await;
    let posts = setup.fake.wait_for_posts(&path, 8).await;
    let bodies: Vec<String> = posts
        .iter()
        .map(|p| {
            p.body["text"]["body"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    let code = code_in(&bodies[7]);
    assert_eq!(
        bodies,
        [
            vec![CAN_READ_IT.to_owned(); 6],
            vec![
                ASK_WHERE_IT.to_owned(),
                format!(
                    "Grazie! La segnalazione è registrata con il codice {code}. Segui lo stato qui: {PUBLIC_URL}/r/{code}"
                ),
            ]
        ]
        .concat(),
        "the reaction and the sticker got no answer"
    );
    assert_eq!(setup.report_count().await, 1);
    setup.finish().await;
}

#[tokio::test]
async fn on_x_and_mastodon_retweets_boosts_and_posts_outside_the_thread_are_no_answer() {
    let setup = Setup::with(&[ServiceKind::Intake], |settings| {
        settings.intake.channels.x.rate_per_second = 50.0;
        settings.intake.channels.mastodon.rate_per_second = 50.0;
    })
    .await;
    let user = json!({"id_str": "9913", "screen_name": "rita_m", "name": "Rita"});
    setup
        .tell_x(&json!({"for_user_id": "4400", "tweet_create_events": [
            {"id_str": "1890000000000000001", "text": "@ComuneDemo Semaforo guasto, lampeggia da ieri",
             "lang": "it", "user": user}]}))
        .await;
    let tweets = setup.fake.wait_for_posts("/2/tweets", 1).await;
    assert_eq!(tweets[0].body["text"], ASK_WHERE_IT);
    // A retweet with an address in it, and a thank-you posted on its own.
    setup
        .tell_x(&json!({"for_user_id": "4400", "tweet_create_events": [
            {"id_str": "1890000000000000002", "text": "RT @notizie: Chiusa via Torino 5 per lavori",
             "lang": "it", "user": user, "retweeted_status": {"id_str": "1889999999999999999"}}]}))
        .await;
    setup
        .tell_x(&json!({"for_user_id": "4400", "tweet_create_events": [
            {"id_str": "1890000000000000003", "text": "@ComuneDemo grazie!", "lang": "it", "user": user}]}))
        .await;
    // The answer in the thread, as v2 webhooks deliver it.
    setup
        .tell_x(&json!({
            "data": {"id": "1890000000000000004", "author_id": "9913", "lang": "it",
                     "text": "@ComuneDemo Incrocio di via Verdi con corso Como",
                     "referenced_tweets": [{"type": "replied_to", "id": "1"}],
                     "edit_history_tweet_ids": ["1890000000000000004"]},
            "includes": {"users": [{"id": "9913", "name": "Rita", "username": "rita_m"}]},
            "matching_rules": [{"id": "17", "tag": "mentions of the city"}]
        }))
        .await;
    let tweets = setup.fake.wait_for_posts("/2/tweets", 3).await;
    let code = code_in(tweets[2].body["text"].as_str().unwrap_or_default());
    assert_eq!(
        texts(&tweets)[1],
        "Grazie a te! Per segnalare un problema scrivi cosa succede e invia la posizione; per sapere a che punto è una segnalazione scrivi /stato CODICE."
    );
    assert_eq!(
        tweets[2].body["reply"]["in_reply_to_tweet_id"],
        "1890000000000000004"
    );
    let report = setup.platform.report_as_operator(&code).await;
    assert_eq!(
        (
            report.description.as_str(),
            report.address.as_str(),
            report.reporter.map(|r| r.handle)
        ),
        (
            "Semaforo guasto, lampeggia da ieri",
            "Incrocio di via Verdi con corso Como",
            Some("@rita_m".to_owned())
        )
    );

    // Mastodon: a boost carries someone else's words; the reply in the thread counts.
    setup.fake.set_notifications(vec![mention(
        "701",
        "333000000000000001",
        "<p>@comune Buca profonda sulla ciclabile</p>",
    )]);
    setup.fake.wait_for_posts("/api/v1/statuses", 1).await;
    let mut boost = reply_mention("702", "333000000000000002", "1", "<p>Via Emilia 1</p>");
    boost["status"]["reblog"] =
        json!({"id": "333000000000000000", "content": "<p>Via Emilia 1</p>"});
    setup.fake.set_notifications(vec![
        reply_mention(
            "703",
            "333000000000000003",
            "1",
            "<p>@comune Via Emilia 120, vicino al ponte</p>",
        ),
        boost,
    ]);
    let statuses = setup.fake.wait_for_posts("/api/v1/statuses", 2).await;
    let code = code_in(statuses[1].body["status"].as_str().unwrap_or_default());
    let report = setup.platform.report_as_operator(&code).await;
    assert_eq!(report.address, "Via Emilia 120, vicino al ponte");
    assert_eq!(setup.report_count().await, 2);
    setup.finish().await;
}

#[tokio::test]
async fn danger_without_a_place_gets_the_safety_advice_at_once() {
    let setup = Setup::with(&[ServiceKind::Intake, ServiceKind::Triage], |_| {}).await;
    setup
        .tell_telegram(&telegram_message(
            1,
            62_001,
            "it",
            json!({"text": "C'è una fuga di gas nel palazzo, si sente un odore fortissimo"}),
        ))
        .await;
    setup
        .tell_telegram(&telegram_message(
            1,
            62_002,
            "en",
            json!({"text": "A house is on fire near the school"}),
        ))
        .await;
    setup
        .tell_telegram(&telegram_message(
            1,
            62_003,
            "it",
            json!({"text": "Lampione spento davanti alla scuola"}),
        ))
        .await;
    let posts = setup.fake.wait_for_posts(TELEGRAM_SEND, 3).await;
    let to = |chat: i64| {
        posts
            .iter()
            .find(|p| p.body["chat_id"] == json!(chat))
            .and_then(|p| p.body["text"].as_str())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(
        to(62_001),
        format!(
            "Se ci sono persone in pericolo chiama subito il 112, senza aspettare la nostra risposta.\n\n{ASK_WHERE_IT}"
        )
    );
    assert_eq!(
        to(62_002),
        "If anyone is in danger, call 112 now, without waiting for our answer.\n\nWhere is the problem? Send the location, or type the address."
    );
    assert_eq!(to(62_003), ASK_WHERE_IT, "no advice without danger");
    setup.finish().await;
}

#[tokio::test]
async fn a_place_outside_the_city_is_refused_as_soon_as_it_arrives() {
    let setup = Setup::start().await;
    let rome = json!({"latitude": 41.9028, "longitude": 12.4964});
    // A place first, outside Milan: refused at once, before any description.
    setup
        .tell_telegram(&telegram_message(
            1,
            63_001,
            "it",
            json!({"location": rome}),
        ))
        .await;
    let refused_it = setup.telegram_reply(1).await;
    assert_eq!(
        refused_it,
        "Il luogo che hai indicato è fuori dal territorio di Comune di Milano: raccogliamo solo segnalazioni in città. Se il problema è in città, invia la posizione giusta. Se qualcuno è in pericolo chiama il 112."
    );
    // In English, after the description: refused when the place arrives, and the
    // description still waits for a place in the city.
    let chat = 63_002;
    setup
        .tell_telegram(&telegram_message(
            1,
            chat,
            "en",
            json!({"text": "Pothole in front of the bakery"}),
        ))
        .await;
    setup
        .tell_telegram(&telegram_message(2, chat, "en", json!({"location": rome})))
        .await;
    setup
        .tell_telegram(&telegram_message(
            3,
            chat,
            "en",
            json!({"location": {"latitude": 45.4642, "longitude": 9.19}}),
        ))
        .await;
    let posts = setup.fake.wait_for_posts(TELEGRAM_SEND, 4).await;
    let code = code_in(&texts(&posts)[3]);
    assert_eq!(
        texts(&posts)[1..],
        [
            "Where is the problem? Send the location, or type the address.".to_owned(),
            "The place you sent is outside Comune di Milano: we can only take reports within the city. If the problem is in town, send the right location. If anyone is in danger, call 112.".to_owned(),
            format!(
                "Thank you! Your report is registered with the code {code}. Follow its status here: {PUBLIC_URL}/r/{code}"
            ),
        ]
    );
    assert!(texts(&posts).iter().all(|t| !t.contains("location:")));
    let report = setup.platform.report_as_operator(&code).await;
    assert_eq!(report.description, "Pothole in front of the bakery");
    assert_eq!(setup.report_count().await, 1);
    setup.finish().await;
}

/// A change of the report's work order, as tracking announces it.
fn order_changed(
    code: &str,
    version: i64,
    state: WorkOrderState,
    previous: WorkOrderState,
    reason: &str,
    due: chrono::DateTime<chrono::Utc>,
) -> WorkOrderChanged {
    WorkOrderChanged {
        work_order: "workOrders/0192f0c4-7d3a-7b7e-9d54-2b1f8e0c6a11".into(),
        reports: vec![format!("reports/{code}")],
        department: "street_lighting".into(),
        state: state as i32,
        previous_state: previous as i32,
        change_time: Some(to_timestamp(chrono::Utc::now())),
        version,
        expected_time: Some(to_timestamp(due)),
        reason: reason.into(),
        category: "lamp_out".into(),
        ..WorkOrderChanged::default()
    }
}

#[tokio::test]
async fn replies_tell_holds_and_expected_dates_and_stato_tells_where_a_report_stands() {
    let setup = Setup::with(&[ServiceKind::Intake, ServiceKind::Status], |_| {}).await;
    let chat = 64_001;
    setup
        .tell_telegram(&telegram_message(
            1,
            chat,
            "it",
            json!({"text": "Lampione spento in via Padova",
                   "location": {"latitude": 45.4972, "longitude": 9.2201}}),
        ))
        .await;
    let code = code_in(&setup.telegram_reply(1).await);
    // Due at 23:30 UTC on 4 December: 00:30 on the 5th on the city's clock (Rome).
    let due = chrono::Utc
        .with_ymd_and_hms(2026, 12, 4, 23, 30, 0)
        .unwrap();
    let link = format!("{PUBLIC_URL}/r/{code}");
    setup
        .publish(&[Envelope::new(&order_changed(
            &code,
            1,
            WorkOrderState::Queued,
            WorkOrderState::Unspecified,
            "",
            due,
        ))])
        .await;
    assert_eq!(
        setup.telegram_reply(2).await,
        format!(
            "Segnalazione {code}: è stata presa in carico. Data prevista: 5 dicembre 2026, ore 00:30. Dettagli: {link}"
        )
    );
    setup
        .publish(&[Envelope::new(&order_changed(
            &code,
            2,
            WorkOrderState::OnHold,
            WorkOrderState::Queued,
            "In attesa del pezzo di ricambio",
            due,
        ))])
        .await;
    let hold = format!(
        "Segnalazione {code}: i lavori sono sospesi. Motivo: In attesa del pezzo di ricambio. Data prevista: 5 dicembre 2026, ore 00:30. Dettagli: {link}"
    );
    assert_eq!(setup.telegram_reply(3).await, hold);
    // Asked, the bot tells the same: the state, the date and the link.
    setup
        .tell_telegram(&telegram_message(
            2,
            chat,
            "it",
            json!({"text": format!("/stato {code}")}),
        ))
        .await;
    assert_eq!(setup.telegram_reply(4).await, hold);
    setup
        .tell_telegram(&telegram_message(
            3,
            chat,
            "en",
            json!({"text": format!("/status {code}")}),
        ))
        .await;
    assert_eq!(
        setup.telegram_reply(5).await,
        format!(
            "Report {code}: work on it is on hold. Reason: In attesa del pezzo di ricambio. Expected by 5 December 2026, 00:30. Details: {link}"
        )
    );
    setup.finish().await;
}

#[tokio::test]
async fn chat_photos_are_served_where_their_links_point() {
    // As `segnala up` runs them: intake and the status pages in one process, no
    // public URL configured; the status pages' address is the public one.
    let setup = Setup::with(&[ServiceKind::Intake, ServiceKind::Status], |settings| {
        settings.public_url = String::new();
    })
    .await;
    setup.fake.serve(
        "/bot123456:TEST-token/getFile",
        "application/json",
        json!({"ok": true, "result": {"file_id": "ph-1", "file_path": "photos/file_9.png"}})
            .to_string(),
    );
    setup.fake.serve(
        "/file/bot123456:TEST-token/photos/file_9.png",
        "image/png",
        PNG,
    );
    setup
        .tell_telegram(&telegram_message(
            1,
            65_001,
            "it",
            json!({"photo": [{"file_id": "ph-1", "file_unique_id": "p", "width": 640, "height": 480}],
                   "caption": "Panchina rotta",
                   "location": {"latitude": 45.4701, "longitude": 9.1832}}),
        ))
        .await;
    let code = code_in(&setup.telegram_reply(1).await);
    let urls = setup.media_urls(&code).await;
    let public = setup.platform.http_url(ServiceKind::Status);
    assert_eq!(urls.len(), 1);
    assert!(urls[0].starts_with(&format!("{public}/media/")), "{urls:?}");
    let served = eventually(
        "the photo on the public site",
        Duration::from_secs(10),
        || async {
            let response = setup.http.get(&urls[0]).send().await.ok()?;
            (response.status() == 200).then_some(response)
        },
    )
    .await;
    assert_eq!(served.headers()["content-type"], "image/png");
    assert!(photos::same_picture(
        &served.bytes().await.expect("bytes"),
        PNG
    ));
    setup.finish().await;
}
