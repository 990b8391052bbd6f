//! Telegram bot webhook: Telegram POSTs each update with the secret given to
//! `setWebhook` in `X-Telegram-Bot-Api-Secret-Token`.

use axum::{
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use serde::Deserialize;

use super::{
    Channels, WebhookError,
    message::{IncomingMessage, ReplyRoute},
    photos::PhotoRef,
    signature,
};
use crate::domain::{Channel, GeoPoint, ReporterContact};

const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Update {
    message: Option<Message>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Message {
    message_id: i64,
    from: Option<User>,
    chat: Option<Chat>,
    text: Option<String>,
    caption: Option<String>,
    location: Option<Location>,
    /// The same photo in several sizes, smallest first.
    photo: Vec<PhotoSize>,
}

#[derive(Debug, Deserialize)]
struct PhotoSize {
    file_id: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct User {
    first_name: String,
    last_name: Option<String>,
    username: Option<String>,
    language_code: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Chat {
    id: i64,
}

#[derive(Debug, Deserialize)]
struct Location {
    latitude: f64,
    longitude: f64,
}

pub async fn webhook(
    State(channels): State<Channels>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebhookError> {
    let expected = super::secret_bytes(channels.settings.telegram.webhook_secret.as_ref());
    let given = headers
        .get(SECRET_HEADER)
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    if expected.is_empty() || !signature::same(given, &expected) {
        return Err(WebhookError::Unauthorized(
            "missing or wrong X-Telegram-Bot-Api-Secret-Token",
        ));
    }
    let update: Update = serde_json::from_slice(&body)
        .map_err(|e| WebhookError::BadRequest(format!("not a Telegram update: {e}")))?;
    if let Some(message) = update.message.and_then(incoming) {
        channels.receive(message).await?;
    }
    // Other updates (edits, channel posts, joins) are acknowledged and left alone.
    Ok(StatusCode::OK.into_response())
}

fn incoming(message: Message) -> Option<IncomingMessage> {
    let chat = message.chat?;
    let from = message.from.unwrap_or_default();
    let display_name = [Some(from.first_name), from.last_name]
        .into_iter()
        .flatten()
        .filter(|n| !n.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    Some(IncomingMessage {
        channel: Channel::Telegram,
        // Message ids are unique within a chat.
        message_id: format!("{}:{}", chat.id, message.message_id),
        sender: chat.id.to_string(),
        text: message.text.or(message.caption),
        location: message.location.map(|l| GeoPoint {
            latitude: l.latitude,
            longitude: l.longitude,
        }),
        language_hint: from.language_code,
        contact: ReporterContact {
            display_name: Some(display_name).filter(|n| !n.is_empty()),
            email: None,
            phone: None,
            handle: from.username.map(|u| format!("@{u}")),
        },
        photos: message
            .photo
            .into_iter()
            .next_back()
            .map(|largest| PhotoRef::Telegram {
                file_id: largest.file_id,
            })
            .into_iter()
            .collect(),
        route: ReplyRoute::Telegram { chat_id: chat.id },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_photo_caption_is_the_text_and_unknown_fields_are_ignored() {
        let update: Update = serde_json::from_str(
            r#"{"update_id":7,"message":{"message_id":3,"date":1,"chat":{"id":-42,"type":"group","title":"Quartiere"},
            "from":{"id":9,"is_bot":false,"first_name":"Anna","language_code":"it","is_premium":true},
            "photo":[{"file_id":"AgAD","file_unique_id":"u","width":90,"height":90}],"caption":"Buca enorme","new_field":{"x":1}}}"#,
        )
        .unwrap_or_default();
        let message = update.message.and_then(incoming);
        assert_eq!(
            message
                .as_ref()
                .map(|m| (m.message_id.as_str(), m.text.as_deref())),
            Some(("-42:3", Some("Buca enorme")))
        );
    }
}
