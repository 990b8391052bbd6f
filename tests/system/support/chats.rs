//! The messaging platforms as the system tests talk to them: settings that point
//! every platform at a local fake, signed webhook calls, and real-format messages.

use std::time::Duration;

use base64::Engine;
use hmac::{Hmac, Mac};
use segnala::{ServiceKind, Settings};
use segnala_proto::status::v1::{PublicState, ReportStatusChanged, StatusStep};
use segnala_shared::{
    config::SecretString,
    messaging::{Envelope, RabbitMqSettings, RabbitMqTransport, Transport},
    time::to_timestamp,
};
use serde_json::{Value, json};
use sha2::Sha256;

use super::{
    RunningPlatform, TestEnv,
    fake_platform::{FakePlatform, Recorded},
};

pub const BOT_TOKEN: &str = "123456:TEST-token";
pub const TELEGRAM_SECRET: &str = "hook_s3cret-1";
pub const TELEGRAM_SEND: &str = "/bot123456:TEST-token/sendMessage";
pub const WA_APP_SECRET: &str = "wa-app-secret";
pub const WA_VERIFY: &str = "wa-verify-token";
pub const WA_PHONE_ID: &str = "1029384756";
pub const X_SECRET: &str = "x-consumer-secret";
pub const PUBLIC_URL: &str = "https://segnala.comune.example";
/// The question after a resolution.
pub const ASK_IF_FIXED_IT: &str =
    "Il problema è davvero risolto? Rispondi «sì» oppure «no», e se qualcosa non va dicci cosa.";
pub const ASK_IF_FIXED_EN: &str = "Is the problem really fixed? Answer \"yes\" or \"no\", and if something is wrong tell us what.";

pub fn settings(env: &TestEnv, fake: &FakePlatform) -> Settings {
    let mut settings = env.settings();
    settings.public_url = PUBLIC_URL.into();
    let channels = &mut settings.intake.channels;
    channels.telegram.bot_token = Some(SecretString::from(BOT_TOKEN));
    channels.telegram.webhook_secret = Some(SecretString::from(TELEGRAM_SECRET));
    channels.telegram.api_base_url = fake.url.clone();
    channels.telegram.broadcast_chat_ids = vec!["-1001234".into(), "@comune_avvisi".into()];
    channels.whatsapp.access_token = Some(SecretString::from("wa-access-token"));
    channels.whatsapp.app_secret = Some(SecretString::from(WA_APP_SECRET));
    channels.whatsapp.verify_token = Some(SecretString::from(WA_VERIFY));
    channels.whatsapp.api_base_url = fake.url.clone();
    channels.mastodon.instance_url = fake.url.clone();
    channels.mastodon.access_token = Some(SecretString::from("masto-token"));
    channels.mastodon.reply_visibility = "unlisted".into();
    channels.mastodon.poll_interval_ms = 150;
    channels.x.consumer_secret = Some(SecretString::from(X_SECRET));
    channels.x.user_access_token = Some(SecretString::from("x-user-token"));
    channels.x.api_base_url = fake.url.clone();
    channels.delivery.first_retry_ms = 100;
    channels.delivery.max_retry_ms = 400;
    settings
}

/// A platform with every channel pointed at a fake.
pub struct Setup {
    pub env: TestEnv,
    pub fake: FakePlatform,
    pub platform: RunningPlatform,
    pub http: reqwest::Client,
    pub intake_url: String,
}

impl Setup {
    /// Intake alone, every platform pointed at the fake.
    pub async fn start() -> Self {
        Self::with(&[ServiceKind::Intake], |_| {}).await
    }

    /// `services`, with the settings `adjust` leaves.
    pub async fn with(services: &[ServiceKind], adjust: impl FnOnce(&mut Settings)) -> Self {
        let env = TestEnv::new().await;
        let fake = FakePlatform::start().await;
        let mut settings = settings(&env, &fake);
        adjust(&mut settings);
        let platform = RunningPlatform::start(&settings, services).await;
        let intake_url = platform.http_url(ServiceKind::Intake);
        Self {
            env,
            fake,
            platform,
            http: segnala_shared::delivery::http_client(Duration::from_secs(10))
                .expect("HTTP client"),
            intake_url,
        }
    }

    /// Sends a Telegram update with the right secret; Telegram must get 200.
    pub async fn tell_telegram(&self, update: &Value) {
        assert_eq!(
            self.telegram(update, Some(TELEGRAM_SECRET)).await,
            200,
            "{update}"
        );
    }

    /// Sends a signed WhatsApp notification; Meta must get 200.
    pub async fn tell_whatsapp(&self, body: &Value) {
        assert_eq!(self.whatsapp(body, WA_APP_SECRET).await, 200, "{body}");
    }

    /// Sends signed X events; X must get 200.
    pub async fn tell_x(&self, body: &Value) {
        assert_eq!(self.x(body, X_SECRET).await, 200, "{body}");
    }

    /// Waits for the `count`th reply on Telegram and returns its text.
    pub async fn telegram_reply(&self, count: usize) -> String {
        texts(&self.fake.wait_for_posts(TELEGRAM_SEND, count).await)[count - 1].clone()
    }

    pub async fn telegram(&self, update: &Value, secret: Option<&str>) -> reqwest::StatusCode {
        let mut request = self
            .http
            .post(format!("{}/webhooks/telegram", self.intake_url))
            .json(update);
        if let Some(secret) = secret {
            request = request.header("X-Telegram-Bot-Api-Secret-Token", secret);
        }
        request.send().await.expect("telegram webhook").status()
    }

    pub async fn signed_post(
        &self,
        path: &str,
        header: &str,
        signature: String,
        body: &Value,
    ) -> reqwest::StatusCode {
        self.http
            .post(format!("{}{path}", self.intake_url))
            .header(header, signature)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .expect("webhook")
            .status()
    }

    pub async fn whatsapp(&self, body: &Value, secret: &str) -> reqwest::StatusCode {
        let signature = format!(
            "sha256={}",
            hex::encode(hmac(secret, body.to_string().as_bytes()))
        );
        self.signed_post("/webhooks/whatsapp", "X-Hub-Signature-256", signature, body)
            .await
    }

    pub async fn x(&self, body: &Value, secret: &str) -> reqwest::StatusCode {
        let signature = format!(
            "sha256={}",
            base64::engine::general_purpose::STANDARD
                .encode(hmac(secret, body.to_string().as_bytes()))
        );
        self.signed_post(
            "/webhooks/x",
            "x-twitter-webhooks-signature",
            signature,
            body,
        )
        .await
    }

    pub async fn report_count(&self) -> u64 {
        let db = self.env.service_db(ServiceKind::Intake).await;
        segnala_intake::store::count_reports(&db)
            .await
            .expect("count")
    }

    pub async fn publish(&self, envelopes: &[Envelope]) {
        let transport = RabbitMqTransport::connect(RabbitMqSettings {
            url: SecretString::from(self.env.amqp_url.clone()),
            prefix: self.env.prefix.clone(),
            prefetch: 1,
            delivery_limit: 20,
        })
        .await
        .expect("connect");
        let outcomes = transport.publish(envelopes).await;
        assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}");
    }

    pub async fn finish(self) {
        drop(self.platform);
        self.env.cleanup().await;
    }
}

pub fn hmac(secret: &str, body: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key");
    mac.update(body);
    mac.finalize().into_bytes().to_vec()
}

pub fn telegram_message(message_id: i64, chat_id: i64, language: &str, content: Value) -> Value {
    let mut message = json!({
        "message_id": message_id,
        "from": {"id": chat_id, "is_bot": false, "first_name": "Giulia", "last_name": "Bianchi",
                 "username": "giulia_b", "language_code": language},
        "chat": {"id": chat_id, "first_name": "Giulia", "type": "private"},
        "date": 1_763_900_000,
    });
    for (key, value) in content.as_object().expect("object") {
        message[key] = value.clone();
    }
    json!({"update_id": 900_000 + message_id, "message": message})
}

pub fn texts(posts: &[Recorded]) -> Vec<String> {
    posts
        .iter()
        .map(|p| p.body["text"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// "… codice 7KQ2-M9XA-4BRT. …" → the code.
pub fn code_in(text: &str) -> String {
    text.split(|c: char| c.is_whitespace() || c == '.' || c == ':')
        .find(|word| word.len() == 14 && word.matches('-').count() == 2)
        .unwrap_or_else(|| panic!("no tracking code in {text:?}"))
        .to_owned()
}

pub fn whatsapp_notification(message: Value, name: &str, from: &str) -> Value {
    json!({
        "object": "whatsapp_business_account",
        "entry": [{
            "id": "880011223344",
            "changes": [{
                "field": "messages",
                "value": {
                    "messaging_product": "whatsapp",
                    "metadata": {"display_phone_number": "390212345678", "phone_number_id": WA_PHONE_ID},
                    "contacts": [{"profile": {"name": name}, "wa_id": from}],
                    "messages": [message],
                }
            }]
        }]
    })
}

pub fn mention(id: &str, status_id: &str, html: &str) -> Value {
    json!({
        "id": id,
        "type": "mention",
        "created_at": "2026-11-23T10:00:00.000Z",
        "account": {"id": "10987", "username": "marco", "acct": "marco@social.example",
                    "display_name": "Marco R.", "bot": false},
        "status": {"id": status_id, "created_at": "2026-11-23T10:00:00.000Z", "visibility": "public",
                   "language": "it", "content": html, "media_attachments": [], "mentions": []},
    })
}

/// Status announcing that the report `code` is resolved, with the crew's `note`.
pub fn resolved_status(code: &str, version: i64, note: &str) -> ReportStatusChanged {
    ReportStatusChanged {
        report: format!("reports/{code}"),
        tracking_code: code.to_owned(),
        state: PublicState::Resolved as i32,
        previous_state: PublicState::InProgress as i32,
        message: note.to_owned(),
        status_url: format!("{PUBLIC_URL}/r/{code}"),
        version,
        change_time: Some(to_timestamp(chrono::Utc::now())),
        step: StatusStep::WorkResolved as i32,
        ..Default::default()
    }
}

/// A press of one of the bot's Telegram buttons, under the bot's message in `chat_id`.
pub fn telegram_button(query_id: &str, chat_id: i64, data: &str) -> Value {
    json!({
        "update_id": 800_000,
        "callback_query": {
            "id": query_id,
            "chat_instance": "-7301",
            "from": {"id": chat_id, "is_bot": false, "first_name": "Giulia", "language_code": "it"},
            "message": {"message_id": 9001, "date": 1_763_900_100,
                        "chat": {"id": chat_id, "type": "private"}, "text": "…"},
            "data": data,
        }
    })
}

/// The data of the buttons under a Telegram reply, in order.
pub fn telegram_buttons(post: &Recorded) -> Vec<String> {
    post.body["reply_markup"]["inline_keyboard"][0]
        .as_array()
        .map(|row| {
            row.iter()
                .map(|b| b["callback_data"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// A mention that replies to the post `in_reply_to` (the bot's question).
pub fn reply_mention(id: &str, status_id: &str, in_reply_to: &str, html: &str) -> Value {
    let mut notification = mention(id, status_id, html);
    notification["status"]["in_reply_to_id"] = json!(in_reply_to);
    notification
}

impl Setup {
    /// The photo links of the report with `code`, as operators read them.
    pub async fn media_urls(&self, code: &str) -> Vec<String> {
        self.platform.report_as_operator(code).await.media_urls
    }

    /// The bytes intake serves at a photo link of its own.
    pub async fn served(&self, url: &str) -> Vec<u8> {
        let path = &url[url.find("/media/").expect("an upload")..];
        let response = self
            .http
            .get(format!("{}{path}", self.intake_url))
            .send()
            .await
            .expect("the photo is served");
        assert_eq!(response.status(), 200);
        response.bytes().await.expect("bytes").to_vec()
    }
}
