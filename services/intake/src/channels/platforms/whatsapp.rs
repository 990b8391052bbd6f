//! WhatsApp Cloud API webhook: a GET to verify the subscription, then POSTs signed
//! with the app secret in `X-Hub-Signature-256`.

use std::collections::HashMap;

use axum::{
    body::Bytes,
    extract::{Query, State},
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

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Notification {
    entry: Vec<Entry>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Entry {
    changes: Vec<Change>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Change {
    value: Value,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Value {
    metadata: Metadata,
    contacts: Vec<Contact>,
    messages: Vec<Message>,
    /// Delivery receipts of the bot's own messages.
    statuses: Vec<IgnoredAny>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Metadata {
    phone_number_id: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Contact {
    wa_id: String,
    profile: Profile,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Profile {
    name: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Message {
    from: String,
    id: String,
    /// `text`, `image`, `location`, `interactive`, `button`, `audio`, `video`,
    /// `document`, `sticker`, `reaction`, `contacts`, `order`, `unsupported`…
    #[serde(rename = "type")]
    kind: String,
    text: Option<Text>,
    location: Option<Location>,
    image: Option<Image>,
    /// Videos and documents may carry a caption: their words are read, the file is not.
    video: Option<Image>,
    document: Option<Image>,
    interactive: Option<Interactive>,
    button: Option<TemplateButton>,
}

/// The answer to one of the bot's interactive messages.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Interactive {
    button_reply: Option<Reply>,
    list_reply: Option<Reply>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Reply {
    id: String,
}

/// A quick-reply button of a template message.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct TemplateButton {
    payload: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Text {
    body: String,
}

#[derive(Debug, Deserialize)]
struct Location {
    latitude: f64,
    longitude: f64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Image {
    id: String,
    caption: Option<String>,
}

/// Meta's subscription check: echo `hub.challenge` when the verify token matches.
pub async fn verify(
    State(channels): State<Channels>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let expected = super::secret_bytes(channels.settings.whatsapp.verify_token.as_ref());
    let mode = query.get("hub.mode").map(String::as_str);
    let token = query
        .get("hub.verify_token")
        .map(String::as_bytes)
        .unwrap_or_default();
    match (mode, query.get("hub.challenge")) {
        (Some("subscribe"), Some(challenge))
            if !expected.is_empty() && signature::same(token, &expected) =>
        {
            (StatusCode::OK, challenge.clone()).into_response()
        }
        _ => (StatusCode::FORBIDDEN, "verification failed").into_response(),
    }
}

pub async fn webhook(
    State(channels): State<Channels>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebhookError> {
    let secret = super::secret_bytes(channels.settings.whatsapp.app_secret.as_ref());
    let header = headers
        .get("x-hub-signature-256")
        .and_then(|v| v.to_str().ok());
    if secret.is_empty() || !signature::valid_hex_signature(header, &secret, &body) {
        return Err(WebhookError::Unauthorized(
            "missing or wrong X-Hub-Signature-256",
        ));
    }
    let notification: Notification = serde_json::from_slice(&body).map_err(|e| {
        WebhookError::BadRequest(format!("not a WhatsApp webhook notification: {e}"))
    })?;
    for value in notification
        .entry
        .into_iter()
        .flat_map(|e| e.changes)
        .map(|c| c.value)
    {
        if !value.statuses.is_empty() {
            tracing::debug!(
                receipts = value.statuses.len(),
                "WhatsApp delivery receipts ignored"
            );
        }
        let names: HashMap<String, Option<String>> = value
            .contacts
            .into_iter()
            .map(|c| (c.wa_id, c.profile.name))
            .collect();
        for message in value.messages {
            let name = names.get(&message.from).cloned().flatten();
            if let Some(incoming) = incoming(message, name, &value.metadata.phone_number_id) {
                channels.receive(incoming).await?;
            }
        }
    }
    Ok(StatusCode::OK.into_response())
}

fn incoming(
    message: Message,
    name: Option<String>,
    phone_number_id: &str,
) -> Option<IncomingMessage> {
    if message.id.is_empty() || message.from.is_empty() {
        tracing::debug!(kind = %message.kind, "WhatsApp message ignored: it has no id or sender");
        return None;
    }
    let mut incoming = IncomingMessage::new(
        Channel::WhatsApp,
        message.id,
        message.from.clone(),
        ReplyRoute::WhatsApp {
            phone_number_id: phone_number_id.to_owned(),
            to: message.from.clone(),
        },
    );
    incoming.contact = ReporterContact {
        display_name: name,
        email: None,
        phone: Some(format!("+{}", message.from)),
        handle: None,
    };
    incoming.unreadable = unreadable(&message.kind);
    let caption = [&message.image, &message.video, &message.document]
        .into_iter()
        .flatten()
        .find_map(|media| media.caption.clone());
    incoming.text = message.text.map(|t| t.body).or(caption);
    incoming.location = message.location.map(|l| GeoPoint {
        latitude: l.latitude,
        longitude: l.longitude,
    });
    incoming.photos = message
        .image
        .filter(|image| !image.id.is_empty())
        .map(|image| PhotoRef::WhatsApp { media_id: image.id })
        .into_iter()
        .collect();
    let pressed = message
        .interactive
        .and_then(|i| i.button_reply.or(i.list_reply))
        .map(|reply| reply.id)
        .or_else(|| message.button.map(|b| b.payload))
        .filter(|data| !data.is_empty());
    incoming.button = pressed.map(|data| ButtonPress {
        data,
        callback_query_id: None,
    });
    Some(incoming)
}

/// What a message of this type holds that the bot cannot read.
fn unreadable(kind: &str) -> Option<Unreadable> {
    match kind {
        "text" | "image" | "location" | "interactive" | "button" | "" => None,
        "audio" | "voice" => Some(Unreadable::Audio),
        "video" => Some(Unreadable::Video),
        "document" => Some(Unreadable::Document),
        "contacts" => Some(Unreadable::Contact),
        "sticker" | "reaction" => Some(Unreadable::Reaction),
        _ => Some(Unreadable::Other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(json: &str) -> Option<IncomingMessage> {
        let message: Message = serde_json::from_str(json).unwrap_or_default();
        incoming(message, None, "1029")
    }

    #[test]
    fn what_the_bot_cannot_read_is_named_and_a_caption_is_read() {
        let reaction = message(
            r#"{"from":"39333","id":"wamid.R1","timestamp":"1","type":"reaction","reaction":{"message_id":"wamid.X","emoji":"👍"}}"#,
        );
        assert_eq!(
            reaction.as_ref().and_then(|m| m.unreadable),
            Some(Unreadable::Reaction)
        );
        assert!(!reaction.is_some_and(|m| m.has_content()));
        let order = message(
            r#"{"from":"39333","id":"wamid.O1","timestamp":"1","type":"order","order":{"catalog_id":"1","product_items":[]}}"#,
        );
        assert_eq!(order.and_then(|m| m.unreadable), Some(Unreadable::Other));
        let video = message(
            r#"{"from":"39333","id":"wamid.V1","timestamp":"1","type":"video","video":{"id":"77","mime_type":"video/mp4","caption":"Buca in via Roma 3"}}"#,
        );
        assert_eq!(
            video
                .as_ref()
                .map(|m| (m.text.as_deref(), m.photos.len(), m.unreadable)),
            Some((Some("Buca in via Roma 3"), 0, Some(Unreadable::Video)))
        );
    }

    #[test]
    fn a_button_reply_is_a_button_press() {
        let reply = message(
            r#"{"context":{"from":"39021","id":"wamid.Q"},"from":"39333","id":"wamid.B1","timestamp":"1","type":"interactive",
               "interactive":{"type":"button_reply","button_reply":{"id":"fb:abc:n","title":"No, non è risolto"}}}"#,
        );
        assert_eq!(
            reply.and_then(|m| m.button).map(|b| b.data),
            Some("fb:abc:n".to_owned())
        );
    }
}
