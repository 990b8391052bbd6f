//! Telegram bot webhook: Telegram POSTs each update with the secret given to
//! `setWebhook` in `X-Telegram-Bot-Api-Secret-Token`.

use std::collections::BTreeMap;

use axum::{
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use serde::{Deserialize, de::IgnoredAny};

use super::{WebhookError, signature};
use crate::{
    channels::{
        Channels,
        domain::{ButtonPress, IncomingMessage, PhotoRef, ReplyRoute, Unreadable},
    },
    domain::{Channel, GeoPoint, ReporterContact},
};

const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Update {
    message: Option<Message>,
    callback_query: Option<CallbackQuery>,
    /// Every other kind of update (edits, channel posts, joins…), by name.
    #[serde(flatten)]
    other: BTreeMap<String, IgnoredAny>,
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
    voice: Option<IgnoredAny>,
    audio: Option<IgnoredAny>,
    video: Option<IgnoredAny>,
    video_note: Option<IgnoredAny>,
    document: Option<IgnoredAny>,
    contact: Option<IgnoredAny>,
    poll: Option<IgnoredAny>,
    sticker: Option<IgnoredAny>,
    animation: Option<IgnoredAny>,
    dice: Option<IgnoredAny>,
}

impl Message {
    /// What the message holds that the bot cannot read, if anything.
    fn unreadable(&self) -> Option<Unreadable> {
        let kinds = [
            (
                self.voice.is_some() || self.audio.is_some(),
                Unreadable::Audio,
            ),
            (
                self.video.is_some() || self.video_note.is_some(),
                Unreadable::Video,
            ),
            (self.document.is_some(), Unreadable::Document),
            (self.contact.is_some(), Unreadable::Contact),
            (self.poll.is_some(), Unreadable::Other),
            (
                self.sticker.is_some() || self.animation.is_some() || self.dice.is_some(),
                Unreadable::Reaction,
            ),
        ];
        kinds
            .into_iter()
            .find_map(|(present, kind)| present.then_some(kind))
    }
}

/// A press of one of the bot's inline buttons.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct CallbackQuery {
    id: String,
    from: Option<User>,
    /// The bot's message the button was under.
    message: Option<Message>,
    data: Option<String>,
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
    let incoming = match (update.message, update.callback_query) {
        (Some(message), _) => incoming(message),
        (None, Some(query)) => button_press(query),
        (None, None) => {
            // Edits, channel posts, joins: acknowledged and left alone.
            let kinds: Vec<&str> = update
                .other
                .keys()
                .map(String::as_str)
                .filter(|k| *k != "update_id")
                .collect();
            tracing::debug!(?kinds, "Telegram update ignored: not a message to the bot");
            None
        }
    };
    if let Some(message) = incoming {
        channels.receive(message).await?;
    }
    Ok(StatusCode::OK.into_response())
}

fn incoming(message: Message) -> Option<IncomingMessage> {
    let Some(chat) = &message.chat else {
        tracing::debug!("Telegram message ignored: it names no chat");
        return None;
    };
    let chat_id = chat.id;
    let unreadable = message.unreadable();
    let from = message.from.unwrap_or_default();
    let display_name = [Some(from.first_name), from.last_name]
        .into_iter()
        .flatten()
        .filter(|n| !n.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let mut incoming = IncomingMessage::new(
        Channel::Telegram,
        // Message ids are unique within a chat.
        format!("{chat_id}:{}", message.message_id),
        chat_id.to_string(),
        ReplyRoute::Telegram { chat_id },
    );
    incoming.text = message.text.or(message.caption);
    incoming.location = message.location.map(|l| GeoPoint {
        latitude: l.latitude,
        longitude: l.longitude,
    });
    incoming.language_hint = from.language_code;
    incoming.contact = ReporterContact {
        display_name: Some(display_name).filter(|n| !n.is_empty()),
        email: None,
        phone: None,
        handle: from.username.map(|u| format!("@{u}")),
    };
    incoming.photos = message
        .photo
        .into_iter()
        .next_back()
        .map(|largest| PhotoRef::Telegram {
            file_id: largest.file_id,
        })
        .into_iter()
        .collect();
    incoming.unreadable = unreadable;
    Some(incoming)
}

fn button_press(query: CallbackQuery) -> Option<IncomingMessage> {
    let Some(chat_id) = query
        .message
        .as_ref()
        .and_then(|m| m.chat.as_ref())
        .map(|c| c.id)
    else {
        tracing::debug!("Telegram button press ignored: its message is too old to name the chat");
        return None;
    };
    let mut incoming = IncomingMessage::new(
        Channel::Telegram,
        format!("button:{}", query.id),
        chat_id.to_string(),
        ReplyRoute::Telegram { chat_id },
    );
    incoming.language_hint = query.from.and_then(|f| f.language_code);
    incoming.button = Some(ButtonPress {
        data: query.data.unwrap_or_default(),
        callback_query_id: Some(query.id),
    });
    Some(incoming)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Update {
        serde_json::from_str(json).unwrap_or_default()
    }

    #[test]
    fn a_photo_caption_is_the_text_and_unknown_fields_are_ignored() {
        let update = parse(
            r#"{"update_id":7,"message":{"message_id":3,"date":1,"chat":{"id":-42,"type":"group","title":"Quartiere"},
            "from":{"id":9,"is_bot":false,"first_name":"Anna","language_code":"it","is_premium":true},
            "photo":[{"file_id":"AgAD","file_unique_id":"u","width":90,"height":90}],"caption":"Buca enorme","new_field":{"x":1}}}"#,
        );
        let message = update.message.and_then(incoming);
        assert_eq!(
            message
                .as_ref()
                .map(|m| (m.message_id.as_str(), m.text.as_deref())),
            Some(("-42:3", Some("Buca enorme")))
        );
    }

    #[test]
    fn voice_messages_and_stickers_are_named_for_what_they_are() {
        let voice = parse(
            r#"{"update_id":8,"message":{"message_id":4,"date":1,"chat":{"id":5,"type":"private"},
            "voice":{"file_id":"AwAC","file_unique_id":"v","duration":3,"mime_type":"audio/ogg"}}}"#,
        );
        let message = voice.message.and_then(incoming);
        assert_eq!(
            message.as_ref().and_then(|m| m.unreadable),
            Some(Unreadable::Audio)
        );
        assert!(!message.is_some_and(|m| m.has_content()));
        let sticker = parse(
            r#"{"update_id":9,"message":{"message_id":5,"date":1,"chat":{"id":5,"type":"private"},
            "sticker":{"file_id":"CAAC","file_unique_id":"s","width":512,"height":512,"is_animated":false,"is_video":false,"type":"regular"}}}"#,
        );
        assert_eq!(
            sticker
                .message
                .and_then(incoming)
                .and_then(|m| m.unreadable),
            Some(Unreadable::Reaction)
        );
    }

    #[test]
    fn a_button_press_answers_in_its_chat() {
        let update = parse(
            r#"{"update_id":10,"callback_query":{"id":"4382bfdwdsb323b2d9","chat_instance":"-1",
            "from":{"id":5,"is_bot":false,"first_name":"Anna","language_code":"en"},
            "message":{"message_id":77,"date":1,"chat":{"id":5,"type":"private"},"text":"Is it fixed?"},
            "data":"fb:0192:y"}}"#,
        );
        let press = update.callback_query.and_then(button_press);
        assert_eq!(
            press
                .as_ref()
                .map(|m| (m.sender.as_str(), m.message_id.as_str())),
            Some(("5", "button:4382bfdwdsb323b2d9"))
        );
        assert_eq!(
            press.and_then(|m| m.button),
            Some(ButtonPress {
                data: "fb:0192:y".into(),
                callback_query_id: Some("4382bfdwdsb323b2d9".into()),
            })
        );
        let edit = parse(r#"{"update_id":11,"edited_message":{"message_id":3,"date":1}}"#);
        assert!(edit.message.is_none() && edit.callback_query.is_none());
        assert!(edit.other.contains_key("edited_message"));
    }
}
