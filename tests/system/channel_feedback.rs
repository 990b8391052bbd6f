//! After a resolution the reporter is asked, on their own channel, whether the problem
//! is really fixed; their answer reopens or closes the work order through
//! `ReporterFeedbackReceived`, once, whatever they send after it.

use std::time::Duration;

use prost::Message;
use segnala::ServiceKind;
use segnala_proto::{
    intake::v1::{FixVerdict, ReporterFeedbackReceived},
    status::v1::{PublicState, ReportStatusChanged, StatusStep},
    tracking::v1::{GetWorkOrderRequest, WorkOrderState},
};
use segnala_shared::messaging::Envelope;
use serde_json::{Value, json};

use crate::support::{
    chats::{
        ASK_IF_FIXED_EN, ASK_IF_FIXED_IT, PUBLIC_URL, Setup, TELEGRAM_SEND, WA_PHONE_ID, code_in,
        mention, reply_mention, resolved_status, telegram_button, telegram_buttons,
        telegram_message, texts, whatsapp_notification,
    },
    env::CREW_KEY,
    eventually,
    fake_platform::Recorded,
    tracking::{claim, crew_client, next_event, operator_client, order_of, resolve, start, tap_of},
};

const WAIT: Duration = Duration::from_secs(60);
const NOTE: &str = "Intervento completato";

/// Waits for a Telegram reply whose text satisfies `wanted`.
async fn telegram_post(setup: &Setup, what: &str, wanted: impl Fn(&str) -> bool) -> Recorded {
    eventually(what, WAIT, || async {
        setup
            .fake
            .posts(TELEGRAM_SEND)
            .into_iter()
            .find(|p| p.body["text"].as_str().is_some_and(&wanted))
    })
    .await
}

/// Waits until `count` Telegram replies say exactly `text`.
async fn telegram_said(setup: &Setup, text: &str, count: usize) {
    eventually(&format!("{count} × {text:?} on Telegram"), WAIT, || async {
        (texts(&setup.fake.posts(TELEGRAM_SEND))
            .iter()
            .filter(|t| *t == text)
            .count()
            >= count)
            .then_some(())
    })
    .await;
}

#[tokio::test]
async fn a_reporter_on_telegram_says_it_is_not_fixed_and_the_work_order_reopens() {
    let setup = Setup::with(&ServiceKind::ALL, |_| {}).await;
    let mut feedback = tap_of::<ReporterFeedbackReceived>(&setup.env).await;
    let chat = 8_675_310;
    setup
        .tell_telegram(&telegram_message(
            70,
            chat,
            "it",
            json!({"text": "Lampione spento in via Roma, è tutto buio",
                   "location": {"latitude": 45.4642, "longitude": 9.19}}),
        ))
        .await;
    let code = code_in(&setup.telegram_reply(1).await);

    // The crew fixes it.
    let tracking_url = setup.platform.url(ServiceKind::Tracking);
    let mut tracking = operator_client(&tracking_url).await;
    let mut crew = crew_client(&tracking_url, CREW_KEY).await;
    let report = format!("reports/{code}");
    let order = order_of(&tracking, &report, "a work order", |_| true).await;
    claim(&mut crew, "").await.expect("claim");
    start(&mut crew, &order.name).await.expect("start");
    resolve(&mut crew, &order.name, "Lampada sostituita")
        .await
        .expect("resolve");
    let asked = telegram_post(&setup, "the question", |t| t.contains("è stata risolta")).await;
    assert_eq!(
        asked.body["text"],
        format!(
            "Segnalazione {code}: è stata risolta. Nota: Lampada sostituita. Dettagli: {PUBLIC_URL}/r/{code}\n\n{ASK_IF_FIXED_IT}"
        )
    );
    assert_eq!(
        telegram_buttons(&asked).len(),
        2,
        "a button for each answer"
    );

    // The reporter writes that it is not: their words reopen the order.
    setup
        .tell_telegram(&telegram_message(
            71,
            chat,
            "it",
            json!({"text": "No, non è risolto, il lampione è ancora spento"}),
        ))
        .await;
    telegram_said(
        &setup,
        &format!(
            "Grazie, ci dispiace: la segnalazione {code} torna alla squadra. Ti aggiorneremo qui."
        ),
        1,
    )
    .await;
    let said = next_event::<ReporterFeedbackReceived>(&mut feedback, WAIT).await;
    assert_eq!(
        (
            said.tracking_code.as_str(),
            said.verdict,
            said.reason.as_str()
        ),
        (
            code.as_str(),
            FixVerdict::NotFixed as i32,
            "No, non è risolto, il lampione è ancora spento"
        )
    );
    assert!(
        said.resolve_time.is_some(),
        "it names the resolution it answers"
    );
    let payload = said.encode_to_vec();
    for personal in [chat.to_string().as_bytes(), b"Giulia", b"giulia_b"] {
        assert!(
            !payload.windows(personal.len()).any(|w| w == personal),
            "personal data in the event"
        );
    }
    let reopened = order_of(&tracking, &report, "the order reopens", |o| {
        o.state == WorkOrderState::Reopened as i32
    })
    .await;
    let full = tracking
        .get_work_order(GetWorkOrderRequest {
            name: reopened.name.clone(),
        })
        .await
        .expect("GetWorkOrder")
        .into_inner()
        .work_order
        .expect("the order");
    assert!(
        full.notes
            .iter()
            .any(|n| n.text == "Reporter: No, non è risolto, il lampione è ancora spento"),
        "the crew reads why: {:?}",
        full.notes
    );
    // The public page and the reporter's chat say it was reopened.
    let clients = setup.platform.clients().await;
    clients
        .wait_until(&code, "shows the reopening", WAIT, |s| {
            s.timeline
                .last()
                .is_some_and(|step| step.step == StatusStep::Reopened as i32)
        })
        .await;
    let told = telegram_post(&setup, "the reopening", |t| t.contains("è stata riaperta")).await;
    let told = told.body["text"].as_str().unwrap_or_default().to_owned();
    assert!(
        told.starts_with(&format!(
            "Segnalazione {code}: è stata riaperta e torna alla squadra."
        )),
        "{told}"
    );

    // "Risolto, grazie!" now is a second answer to an answered question: no new
    // report, no address, no second feedback.
    setup
        .tell_telegram(&telegram_message(
            72,
            chat,
            "it",
            json!({"text": "Risolto, grazie!"}),
        ))
        .await;
    let already = format!("Abbiamo già la tua risposta sulla segnalazione {code}, grazie.");
    telegram_said(&setup, &already, 1).await;
    assert_eq!(setup.report_count().await, 1);

    // Fixed again; this time the reporter presses "yes".
    claim(&mut crew, "").await.expect("claim again");
    start(&mut crew, &order.name).await.expect("start again");
    resolve(&mut crew, &order.name, "Cavo sostituito")
        .await
        .expect("resolve again");
    let question = telegram_post(&setup, "the second question", |t| {
        t.contains("Cavo sostituito")
    })
    .await;
    let [yes, _no] = <[String; 2]>::try_from(telegram_buttons(&question)).expect("two buttons");
    setup
        .tell_telegram(&telegram_button("cb-yes-1", chat, &yes))
        .await;
    telegram_said(
        &setup,
        &format!("Grazie della conferma! La segnalazione {code} è risolta."),
        1,
    )
    .await;
    let acknowledged = setup
        .fake
        .wait_for_posts("/bot123456:TEST-token/answerCallbackQuery", 1)
        .await;
    assert_eq!(
        acknowledged[0].body,
        json!({"callback_query_id": "cb-yes-1"})
    );
    // The next feedback is this one: "Risolto, grazie!" announced nothing.
    let confirmed = next_event::<ReporterFeedbackReceived>(&mut feedback, WAIT).await;
    assert_eq!(
        (confirmed.verdict, confirmed.reason.as_str()),
        (FixVerdict::Fixed as i32, "")
    );
    order_of(&tracking, &report, "the order closes", |o| {
        o.state == WorkOrderState::Closed as i32
    })
    .await;
    // The same button pressed again is counted once too.
    setup
        .tell_telegram(&telegram_button("cb-yes-2", chat, &yes))
        .await;
    telegram_said(&setup, &already, 2).await;
    setup.finish().await;
}

fn tweet(id: &str, text: &str, reply_to: Option<&str>, extra: Value) -> Value {
    let mut tweet = json!({
        "id_str": id, "text": text, "lang": "en",
        "user": {"id_str": "9912", "screen_name": "sam_k", "name": "Sam"},
        "in_reply_to_status_id_str": reply_to,
    });
    for (key, value) in extra.as_object().into_iter().flatten() {
        tweet[key] = value.clone();
    }
    json!({"for_user_id": "4400", "tweet_create_events": [tweet]})
}

#[tokio::test]
async fn whatsapp_buttons_and_words_on_mastodon_and_x_answer_once() {
    let setup = Setup::with(&[ServiceKind::Intake], |settings| {
        settings.intake.channels.x.rate_per_second = 50.0;
        settings.intake.channels.mastodon.rate_per_second = 50.0;
    })
    .await;
    let mut feedback = tap_of::<ReporterFeedbackReceived>(&setup.env).await;
    let wa_path = format!("/{WA_PHONE_ID}/messages");

    // Three reports: on WhatsApp, on Mastodon and on X.
    let from = "447700900555";
    let wa = |id: &str, message: Value| {
        let mut message = message;
        message["from"] = json!(from);
        message["id"] = json!(id);
        message["timestamp"] = json!("1763900000");
        whatsapp_notification(message, "Sam Jones", from)
    };
    setup
        .tell_whatsapp(&wa(
            "wamid.F1",
            json!({"type": "text", "text": {"body": "The bench in the park is broken"}}),
        ))
        .await;
    setup
        .tell_whatsapp(&wa(
            "wamid.F2",
            json!({"type": "location", "location": {"latitude": 45.47, "longitude": 9.2}}),
        ))
        .await;
    let posts = setup.fake.wait_for_posts(&wa_path, 2).await;
    let wa_code = code_in(posts[1].body["text"]["body"].as_str().unwrap_or_default());

    setup.fake.set_notifications(vec![mention(
        "601",
        "222000000000000001",
        "<p>@comune Cestino rotto in piazza Leonardo da Vinci 32</p>",
    )]);
    setup.fake.wait_for_posts("/api/v1/statuses", 1).await;
    setup.fake.set_notifications(vec![reply_mention(
        "602",
        "222000000000000002",
        "1",
        "<p>@comune Piazza Leonardo da Vinci 32</p>",
    )]);
    let masto = setup.fake.wait_for_posts("/api/v1/statuses", 2).await;
    let masto_code = code_in(masto[1].body["status"].as_str().unwrap_or_default());

    setup
        .tell_x(&tweet(
            "1880000000000000001",
            "@ComuneDemo Broken traffic light at the crossing 45.4719, 9.1865",
            None,
            json!({}),
        ))
        .await;
    let x_posts = setup.fake.wait_for_posts("/2/tweets", 1).await;
    let x_code = code_in(x_posts[0].body["text"].as_str().unwrap_or_default());

    // Each is resolved; the X one then moves on before its reporter answers.
    setup
        .publish(&[
            Envelope::new(&resolved_status(&wa_code, 5, NOTE)),
            Envelope::new(&resolved_status(&masto_code, 5, NOTE)),
            Envelope::new(&resolved_status(&x_code, 5, NOTE)),
            Envelope::new(&ReportStatusChanged {
                state: PublicState::InProgress as i32,
                previous_state: PublicState::Resolved as i32,
                message: String::new(),
                step: StatusStep::WorkStarted as i32,
                version: 6,
                ..resolved_status(&x_code, 6, NOTE)
            }),
        ])
        .await;
    let wa_posts = setup.fake.wait_for_posts(&wa_path, 3).await;
    let asked = &wa_posts[2].body;
    assert_eq!(asked["type"], "interactive");
    assert_eq!(asked["interactive"]["type"], "button");
    assert_eq!(
        asked["interactive"]["body"]["text"],
        format!(
            "Report {wa_code}: has been resolved. Note: Intervento completato. Details: {PUBLIC_URL}/r/{wa_code}\n\n{ASK_IF_FIXED_EN}"
        )
    );
    let buttons = asked["interactive"]["action"]["buttons"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        buttons
            .iter()
            .map(|b| b["reply"]["title"].clone())
            .collect::<Vec<_>>(),
        ["Yes, it's fixed", "No, not fixed"]
    );
    let no = buttons[1]["reply"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    setup.fake.wait_for_posts("/api/v1/statuses", 3).await;
    setup.fake.wait_for_posts("/2/tweets", 3).await;

    // WhatsApp: the "no" button, then the same again.
    let press = |id: &str| {
        wa(
            id,
            json!({"type": "interactive", "context": {"from": "390212345678", "id": "wamid.Q"},
                   "interactive": {"type": "button_reply", "button_reply": {"id": no, "title": "No, not fixed"}}}),
        )
    };
    setup.tell_whatsapp(&press("wamid.F3")).await;
    let wa_posts = setup.fake.wait_for_posts(&wa_path, 4).await;
    assert_eq!(
        wa_posts[3].body["text"]["body"],
        format!(
            "Thank you, and sorry: report {wa_code} goes back to the crew. We will keep you posted here."
        )
    );
    let said = next_event::<ReporterFeedbackReceived>(&mut feedback, WAIT).await;
    assert_eq!(
        (
            said.tracking_code.as_str(),
            said.verdict,
            said.reason.as_str()
        ),
        (wa_code.as_str(), FixVerdict::NotFixed as i32, "")
    );
    setup.tell_whatsapp(&press("wamid.F4")).await;
    let wa_posts = setup.fake.wait_for_posts(&wa_path, 5).await;
    assert_eq!(
        wa_posts[4].body["text"]["body"],
        format!("We already have your answer on report {wa_code}, thank you.")
    );

    // X: an answer after the report moved on is thanked, with where it stands now.
    setup
        .tell_x(&tweet(
            "1880000000000000002",
            "@ComuneDemo no, still broken",
            Some("1"),
            json!({}),
        ))
        .await;
    let x_posts = setup.fake.wait_for_posts("/2/tweets", 4).await;
    assert_eq!(
        x_posts[3].body["text"],
        format!(
            "Thank you! Report {x_code} has moved on since: its current status is here {PUBLIC_URL}/r/{x_code}"
        )
    );

    // Mastodon: words in the thread; the reason keeps no address of the reporter's.
    setup.fake.set_notifications(vec![reply_mention(
        "603",
        "222000000000000003",
        "1",
        "<p>@comune Sì, funziona adesso. Per altro scrivete a marco@example.org</p>",
    )]);
    let masto = setup.fake.wait_for_posts("/api/v1/statuses", 4).await;
    assert_eq!(
        masto[3].body["status"],
        format!(
            "@marco@social.example Grazie della conferma! La segnalazione {masto_code} è risolta."
        )
    );
    // The next feedback is Mastodon's: the second WhatsApp press and the late X answer
    // announced nothing.
    let confirmed = next_event::<ReporterFeedbackReceived>(&mut feedback, WAIT).await;
    assert_eq!(
        (
            confirmed.tracking_code.as_str(),
            confirmed.verdict,
            confirmed.reason.as_str()
        ),
        (
            masto_code.as_str(),
            FixVerdict::Fixed as i32,
            "Sì, funziona adesso. Per altro scrivete a [email]"
        )
    );
    assert_eq!(setup.report_count().await, 3, "no answer became a report");
    setup.finish().await;
}
