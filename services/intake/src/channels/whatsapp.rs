//! WhatsApp Cloud API webhook: a GET to verify the subscription, then POSTs signed
//! with the app secret in `X-Hub-Signature-256`.

use std::collections::HashMap;

use axum::{
    body::Bytes,
    extract::{Query, State},
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
    text: Option<Text>,
    location: Option<Location>,
    image: Option<Image>,
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
    // Delivery receipts (`statuses`) and other fields are acknowledged and left alone.
    Ok(StatusCode::OK.into_response())
}

fn incoming(
    message: Message,
    name: Option<String>,
    phone_number_id: &str,
) -> Option<IncomingMessage> {
    if message.id.is_empty() || message.from.is_empty() {
        return None;
    }
    let (caption, photos) = match message.image {
        Some(image) => (
            image.caption,
            (!image.id.is_empty())
                .then_some(PhotoRef::WhatsApp { media_id: image.id })
                .into_iter()
                .collect(),
        ),
        None => (None, Vec::new()),
    };
    let text = message.text.map(|t| t.body).or(caption);
    Some(IncomingMessage {
        channel: Channel::WhatsApp,
        message_id: message.id,
        sender: message.from.clone(),
        text,
        location: message.location.map(|l| GeoPoint {
            latitude: l.latitude,
            longitude: l.longitude,
        }),
        language_hint: None,
        contact: ReporterContact {
            display_name: name,
            email: None,
            phone: Some(format!("+{}", message.from)),
            handle: None,
        },
        photos,
        route: ReplyRoute::WhatsApp {
            phone_number_id: phone_number_id.to_owned(),
            to: message.from,
        },
    })
}
