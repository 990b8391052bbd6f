//! X (Account Activity webhooks), best effort: the CRC challenge, signed events with
//! the mentions of the city account, replies through the v2 API.

use std::collections::HashMap;

use axum::{
    Json,
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
    signature, text,
};
use crate::domain::{Channel, GeoPoint, ReporterContact};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Events {
    for_user_id: String,
    tweet_create_events: Vec<Tweet>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Tweet {
    id_str: String,
    text: String,
    extended_tweet: Option<ExtendedTweet>,
    user: UserObject,
    lang: Option<String>,
    coordinates: Option<Coordinates>,
    extended_entities: Option<Entities>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Entities {
    media: Vec<MediaEntity>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct MediaEntity {
    #[serde(rename = "type")]
    kind: String,
    media_url_https: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ExtendedTweet {
    full_text: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct UserObject {
    id_str: String,
    screen_name: String,
    name: String,
}

#[derive(Debug, Deserialize)]
struct Coordinates {
    /// GeoJSON order: longitude, latitude.
    coordinates: [f64; 2],
}

fn consumer_secret(channels: &Channels) -> Vec<u8> {
    super::secret_bytes(channels.settings.x.consumer_secret.as_ref())
}

/// The challenge-response check X makes when the webhook is registered, and hourly.
pub async fn crc(
    State(channels): State<Channels>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    match query.get("crc_token") {
        Some(token) if !token.is_empty() => {
            let answer = signature::base64_signature(&consumer_secret(&channels), token.as_bytes());
            Json(serde_json::json!({ "response_token": answer })).into_response()
        }
        _ => (StatusCode::BAD_REQUEST, "crc_token is required").into_response(),
    }
}

pub async fn webhook(
    State(channels): State<Channels>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebhookError> {
    let secret = consumer_secret(&channels);
    let expected = signature::base64_signature(&secret, &body);
    let given = headers
        .get("x-twitter-webhooks-signature")
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    if secret.is_empty() || !signature::same(given, expected.as_bytes()) {
        return Err(WebhookError::Unauthorized(
            "missing or wrong x-twitter-webhooks-signature",
        ));
    }
    let events: Events = serde_json::from_slice(&body)
        .map_err(|e| WebhookError::BadRequest(format!("not an X account activity event: {e}")))?;
    for tweet in events.tweet_create_events {
        // The city account's own posts (its replies) come back as events too.
        if tweet.user.id_str == events.for_user_id || tweet.id_str.is_empty() {
            continue;
        }
        channels.receive(incoming(tweet)).await?;
    }
    Ok(StatusCode::OK.into_response())
}

fn incoming(tweet: Tweet) -> IncomingMessage {
    let full = tweet
        .extended_tweet
        .map(|e| e.full_text)
        .filter(|t| !t.is_empty())
        .unwrap_or(tweet.text);
    IncomingMessage {
        channel: Channel::X,
        message_id: tweet.id_str.clone(),
        sender: tweet.user.id_str,
        text: Some(text::without_leading_mentions(&text::decode_entities(
            &full,
        ))),
        location: tweet.coordinates.map(|c| GeoPoint {
            latitude: c.coordinates[1],
            longitude: c.coordinates[0],
        }),
        language_hint: tweet.lang,
        contact: ReporterContact {
            display_name: Some(tweet.user.name).filter(|n| !n.is_empty()),
            email: None,
            phone: None,
            handle: Some(format!("@{}", tweet.user.screen_name)),
        },
        photos: tweet
            .extended_entities
            .map(|e| e.media)
            .unwrap_or_default()
            .into_iter()
            .filter(|m| m.kind == "photo" && m.media_url_https.starts_with("https://"))
            .map(|m| PhotoRef::Link {
                url: m.media_url_https,
            })
            .collect(),
        route: ReplyRoute::X {
            tweet_id: tweet.id_str,
        },
    }
}
