//! The words citizens and crews write reach the public redacted: a report that gives
//! the reporter's name, phone, e-mail and handle in its text, and a crew's public
//! notes that name a resident and their number, are read back from every public
//! surface (Open311 in both formats, the status gRPC API, pages, JSON, feeds and a
//! webhook receiver) without any of it, while the problem itself still reads.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{Router, body::Bytes, extract::State, http::StatusCode, routing::post};
use segnala::ServiceKind;
use segnala_proto::{
    status::v1::{
        BatchGetReportStatusesRequest, CreateSubscriptionRequest, ListReportStatusesRequest,
        ListUpdatesRequest, PublicState, Subscription,
    },
    tracking::v1::{AddNoteRequest, NoteVisibility},
};
use serde_json::Value;

use crate::support::{
    RunningPlatform, TestEnv,
    env::{CREW_KEY, INTEGRATOR_KEY},
    eventually,
    tracking::{claim, crew_client, resolve, start},
};

const WAIT: Duration = Duration::from_secs(30);

/// What the citizen wrote: the problem, and everything that says who they are.
const CITIZEN_TEXT: &str = "Sono Giuseppe Verdini, chiamatemi al 347 555 1234 o scrivete a \
    giuseppe.verdini@example.com (su X sono @gverdini): il lampione davanti al civico 12 \
    di via Dante è spento da una settimana.";

/// What a crew told the public, naming a resident and their number.
const CREW_NOTE: &str = "Parlato con la signora del 2° piano, mi chiamo Marta Colombo \
    se serve: 333 987 6543";
const CREW_RESOLUTION: &str = "Lampada sostituita. Per info chiamare 02 4455 6677, saluti, \
    Piero Galli";

/// Pieces of personal data, each of which must appear nowhere public.
const SECRETS: [&str; 14] = [
    "Giuseppe",
    "Verdini",
    "347 555 1234",
    "5551234",
    "giuseppe.verdini",
    "example.com",
    "gverdini",
    "Marta",
    "Colombo",
    "333 987 6543",
    "9876543",
    "02 4455 6677",
    "Piero",
    "Galli",
];

/// Webhook bodies, kept as they came.
#[derive(Clone, Default)]
struct Receiver(Arc<Mutex<Vec<String>>>);

async fn receive(State(receiver): State<Receiver>, body: Bytes) -> StatusCode {
    receiver
        .0
        .lock()
        .expect("lock")
        .push(String::from_utf8_lossy(&body).into_owned());
    StatusCode::NO_CONTENT
}

async fn start_receiver(receiver: &Receiver) -> String {
    let app = Router::new()
        .route("/hooks", post(receive))
        .with_state(receiver.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the receiver");
    let url = format!("http://{}/hooks", listener.local_addr().expect("address"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    url
}

async fn text_of(http: &reqwest::Client, url: &str) -> String {
    let response = http.get(url).send().await.expect("the server answers");
    assert!(
        response.status().is_success(),
        "{url}: {}",
        response.status()
    );
    response.text().await.expect("a body")
}

#[tokio::test]
async fn personal_data_in_reports_and_public_notes_never_reaches_a_public_surface() {
    let env = TestEnv::new().await;
    let receiver = Receiver::default();
    let hook_url = start_receiver(&receiver).await;
    let mut settings = env.settings();
    settings.status.webhooks.allow_private_targets = true;
    let platform = RunningPlatform::start(&settings, &ServiceKind::ALL).await;
    let mut clients = platform.clients().await;
    let http = segnala_shared::delivery::http_client(WAIT).expect("an HTTP client");
    let open311 = format!("{}/open311/v2", platform.http_url(ServiceKind::Intake));
    let pages = platform.http_url(ServiceKind::Status);

    // Over Open311 the answer is read at once, before status has projected the
    // report: intake's own copy is redacted too.
    let posted: Value = http
        .post(format!("{open311}/requests.json"))
        .form(&[
            ("api_key", INTEGRATOR_KEY),
            ("service_code", "101"),
            ("lat", "45.4642"),
            ("long", "9.19"),
            ("description", CITIZEN_TEXT),
        ])
        .send()
        .await
        .expect("posted")
        .json()
        .await
        .expect("JSON");
    let open311_code = posted[0]["service_request_id"]
        .as_str()
        .expect("a request id")
        .to_owned();
    let at_once = text_of(&http, &format!("{open311}/requests/{open311_code}.json")).await;
    assert!(at_once.contains("[telefono]"), "{at_once}");

    let code = clients
        .submit(CITIZEN_TEXT, &uuid::Uuid::new_v4().to_string())
        .await;
    clients
        .status
        .create_subscription(CreateSubscriptionRequest {
            subscription: Some(Subscription {
                target_url: hook_url,
                tracking_code: code.clone(),
                ..Subscription::default()
            }),
            request_id: uuid::Uuid::new_v4().to_string(),
        })
        .await
        .expect("subscribed");
    let assigned = clients
        .wait_for_state(&code, PublicState::Assigned, WAIT)
        .await;
    assert_eq!(
        assigned.description,
        "Sono [nome], chiamatemi al [telefono] o scrivete a [email] (su X sono [utente]): \
         il lampione davanti al civico 12 di via Dante è spento da una settimana.",
        "the problem still reads, its reporter does not"
    );

    // The crew works the order and tells the public, twice, too much.
    let mut crew = crew_client(&platform.url(ServiceKind::Tracking), CREW_KEY).await;
    let order = eventually("an order to claim", WAIT, || {
        let mut crew = crew.clone();
        async move { claim(&mut crew, "street_lighting").await.ok().flatten() }
    })
    .await;
    start(&mut crew, &order.name).await.expect("started");
    crew.add_note(AddNoteRequest {
        name: order.name.clone(),
        text: CREW_NOTE.into(),
        visibility: NoteVisibility::Public.into(),
        request_id: uuid::Uuid::new_v4().to_string(),
    })
    .await
    .expect("a public note");
    resolve(&mut crew, &order.name, CREW_RESOLUTION)
        .await
        .expect("resolved");
    let resolved = clients
        .wait_for_state(&code, PublicState::Resolved, WAIT)
        .await;
    let notes: Vec<&str> = resolved.timeline.iter().map(|s| s.note.as_str()).collect();
    assert!(
        notes
            .iter()
            .any(|n| n.contains("mi chiamo [nome]") && n.contains("[telefono]")),
        "the note is kept, redacted: {notes:?}"
    );
    let webhooks = eventually("the resolution's webhook", WAIT, || {
        let bodies = receiver.0.lock().expect("lock").clone();
        async move {
            bodies
                .iter()
                .any(|b| b.contains("\"resolved\""))
                .then_some(bodies)
        }
    })
    .await;

    let mut answers = vec![format!("{resolved:?}")];
    answers.extend(webhooks);
    let status = &mut clients.status;
    answers.push(format!(
        "{:?}",
        status
            .batch_get_report_statuses(BatchGetReportStatusesRequest {
                tracking_codes: vec![code.clone(), open311_code.clone()],
                ..Default::default()
            })
            .await
            .expect("batch")
            .into_inner()
    ));
    answers.push(format!(
        "{:?}",
        status
            .list_report_statuses(ListReportStatusesRequest::default())
            .await
            .expect("list")
            .into_inner()
    ));
    answers.push(format!(
        "{:?}",
        status
            .list_updates(ListUpdatesRequest::default())
            .await
            .expect("updates")
            .into_inner()
    ));
    for url in [
        format!("{open311}/requests.json?extensions=true"),
        format!("{open311}/requests.xml?extensions=true"),
        format!("{open311}/requests/{code}.json?extensions=true"),
        format!("{open311}/requests/{code}.xml?extensions=true"),
        format!("{open311}/requests/{open311_code}.json"),
        format!("{pages}/r/{code}"),
        format!("{pages}/r/{code}?lang=en"),
        format!("{pages}/"),
        format!("{pages}/api/v1/reports/{code}"),
        format!("{pages}/api/v1/updates"),
        format!("{pages}/feeds/city"),
    ] {
        let body = text_of(&http, &url).await;
        answers.push(body);
    }
    let open311_read = text_of(&http, &format!("{open311}/requests/{code}.json")).await;
    assert!(
        open311_read.contains("via Dante") && open311_read.contains("[email]"),
        "Open311 shows the redacted description: {open311_read}"
    );
    for answer in &answers {
        for secret in SECRETS {
            assert!(
                !answer.contains(secret),
                "`{secret}` is public in: {answer}"
            );
        }
    }
    drop(platform);
    env.cleanup().await;
}

/// Per channel: what the citizen wrote, and the pieces of it that say who they are.
const TELEGRAM_TEXT: &str = "Mi chiamo Carla Fumagalli, codice fiscale FMGCRL80A41F205E: \
    la mia auto targata AB 123 CD è finita in una buca in via Padova 40";
const WHATSAPP_TEXT: &str = "Buongiorno, cassonetto rotto e rifiuti in strada in piazza \
    Duomo. Per il rimborso IBAN IT60 X054 2811 1010 0000 0123 456. Saluti, Lorenzo Gatti";
const X_TEXT: &str = "@ComuneDemo semaforo guasto in viale Monza 100, scrivetemi a \
    elena.riva@example.net o al +39 02 8877 6655";
const MASTODON_TEXT: &str =
    "<p>@comune Lampione spento da giorni, sono Paolo Ferri, tel 349 2233 445</p>";
const OPEN311_TEXT: &str = "Auto abbandonata targa EF 456 GH davanti al civico 8 di via \
    Torino, da un mese. Firmato Anna Conti";
const CHANNEL_SECRETS: [&str; 22] = [
    "Carla",
    "Fumagalli",
    "FMGCRL80A41F205E",
    "AB 123 CD",
    "giulia_b",
    "IT60",
    "0123 456",
    "Lorenzo",
    "Gatti",
    "elena.riva",
    "example.net",
    "8877 6655",
    "lucia_v",
    "Paolo",
    "Ferri",
    "2233 445",
    "marco@social",
    "EF 456 GH",
    "Anna",
    "Conti",
    "anna.conti",
    "333 444 5566",
];

#[tokio::test]
async fn personal_data_sent_on_every_channel_never_reaches_a_public_surface() {
    use crate::support::chats::{
        Setup, TELEGRAM_SEND, WA_PHONE_ID, code_in, mention, telegram_message,
        whatsapp_notification,
    };
    use serde_json::json;

    let setup = Setup::with(&ServiceKind::ALL, |_| {}).await;
    let http = segnala_shared::delivery::http_client(WAIT).expect("an HTTP client");
    let open311 = format!("{}/open311/v2", setup.intake_url);
    let pages = setup.platform.http_url(ServiceKind::Status);
    let mut codes = Vec::new();

    setup
        .tell_telegram(&telegram_message(
            60,
            6_060_606,
            "it",
            json!({"text": TELEGRAM_TEXT, "location": {"latitude": 45.4642, "longitude": 9.19}}),
        ))
        .await;
    codes.push(code_in(&setup.telegram_reply(1).await));

    let from = "393471112233";
    let whatsapp = format!("/{WA_PHONE_ID}/messages");
    setup
        .tell_whatsapp(&whatsapp_notification(
            json!({"from": from, "id": "wamid.scan-1", "timestamp": "1763900000",
                   "type": "text", "text": {"body": WHATSAPP_TEXT}}),
            "Lorenzo Gatti",
            from,
        ))
        .await;
    setup.fake.wait_for_posts(&whatsapp, 1).await;
    setup
        .tell_whatsapp(&whatsapp_notification(
            json!({"from": from, "id": "wamid.scan-2", "timestamp": "1763900060",
                   "type": "location", "location": {"latitude": 45.4641, "longitude": 9.1919}}),
            "Lorenzo Gatti",
            from,
        ))
        .await;
    let answered = setup.fake.wait_for_posts(&whatsapp, 2).await;
    codes.push(code_in(
        answered[1].body["text"]["body"].as_str().expect("a text"),
    ));

    setup
        .tell_x(&json!({
            "for_user_id": "4400",
            "tweet_create_events": [
                {"id_str": "1860000000000000077", "text": X_TEXT, "lang": "it",
                 "user": {"id_str": "9911", "screen_name": "lucia_v", "name": "Lucia"},
                 "coordinates": {"type": "Point", "coordinates": [9.2046, 45.4920]}}
            ]
        }))
        .await;
    let tweets = setup.fake.wait_for_posts("/2/tweets", 1).await;
    codes.push(code_in(tweets[0].body["text"].as_str().expect("a text")));

    setup
        .fake
        .set_notifications(vec![mention("601", "111000111000111601", MASTODON_TEXT)]);
    setup.fake.wait_for_posts("/api/v1/statuses", 1).await;
    setup.fake.set_notifications(vec![
        crate::support::chats::reply_mention(
            "602",
            "111000111000111602",
            "1",
            "<p>@comune Via Emilia 120</p>",
        ),
        mention("601", "111000111000111601", MASTODON_TEXT),
    ]);
    let toots = setup.fake.wait_for_posts("/api/v1/statuses", 2).await;
    codes.push(code_in(toots[1].body["status"].as_str().expect("a text")));

    let posted: Value = http
        .post(format!("{open311}/requests.json"))
        .form(&[
            ("api_key", INTEGRATOR_KEY),
            ("service_code", "101"),
            ("lat", "45.4700"),
            ("long", "9.1800"),
            ("description", OPEN311_TEXT),
            ("first_name", "Anna"),
            ("last_name", "Conti"),
            ("email", "anna.conti@example.org"),
            ("phone", "333 444 5566"),
        ])
        .send()
        .await
        .expect("posted")
        .json()
        .await
        .expect("JSON");
    codes.push(
        posted[0]["service_request_id"]
            .as_str()
            .expect("a request id")
            .to_owned(),
    );

    let mut answers = Vec::new();
    let status = setup.platform.clients().await;
    let mut descriptions = Vec::new();
    for code in &codes {
        let public = status
            .wait_until(code, "status knows it", WAIT, |s| !s.description.is_empty())
            .await;
        answers.push(format!("{public:?}"));
        descriptions.push(public.description);
        for url in [
            format!("{open311}/requests/{code}.json?extensions=true"),
            format!("{open311}/requests/{code}.xml?extensions=true"),
            format!("{pages}/r/{code}"),
            format!("{pages}/api/v1/reports/{code}"),
        ] {
            answers.push(text_of(&http, &url).await);
        }
    }
    // Operators still read what was written.
    let originals = [
        "FMGCRL80A41F205E",
        "IT60 X054",
        "elena.riva@example.net",
        "349 2233 445",
        "EF 456 GH",
    ];
    for (code, original) in codes.iter().zip(originals) {
        let report = setup.platform.report_as_operator(code).await;
        assert!(
            report.description.contains(original),
            "operators read {original} in {code}: {}",
            report.description
        );
    }
    for url in [
        format!("{open311}/requests.json?extensions=true"),
        format!("{pages}/"),
        format!("{pages}/api/v1/updates"),
        format!("{pages}/feeds/city"),
    ] {
        answers.push(text_of(&http, &url).await);
    }
    assert_eq!(
        descriptions[0],
        "Mi chiamo [nome], codice fiscale [codice fiscale]: la mia auto targata [targa] è \
         finita in una buca in via Padova 40",
        "the problem still reads"
    );
    for answer in &answers {
        for secret in CHANNEL_SECRETS {
            assert!(
                !answer.contains(secret),
                "`{secret}` is public in: {answer}"
            );
        }
    }
    assert!(!setup.fake.posts(TELEGRAM_SEND).is_empty());
    setup.finish().await;
}
