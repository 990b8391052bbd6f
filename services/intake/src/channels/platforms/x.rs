//! X, best effort: the CRC challenge, signed webhook events with the posts that mention
//! the city account, replies through the v2 API. Events come in two shapes: the
//! Account Activity API's (`tweet_create_events` of v1.1 tweets, `id_str` and `user`)
//! and the v2 webhooks' (`data` posts with `id` and `author_id`, users in `includes`;
//! the X Activity API wraps the post in `data.payload`). Both are read.

use std::collections::{BTreeMap, HashMap};

use axum::{
    Json,
    body::Bytes,
    extract::{Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use serde::{Deserialize, de::IgnoredAny};
use serde_json::Value;

use super::{WebhookError, signature, text};
use crate::{
    channels::{
        Channels,
        domain::{IncomingMessage, PhotoRef, ReplyRoute},
    },
    domain::{Channel, GeoPoint, ReporterContact},
};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Events {
    /// The subscribed account (Account Activity API).
    for_user_id: String,
    tweet_create_events: Vec<Tweet>,
    /// A v2 delivery: one post, several, or an X Activity API event around one.
    data: Option<Value>,
    includes: Includes,
    /// Every other kind of event (likes, follows, direct messages…), by name.
    #[serde(flatten)]
    other: BTreeMap<String, IgnoredAny>,
}

/// A post in either shape: v1.1 (`id_str`, `user`, `extended_tweet`) or v2 (`id`,
/// `author_id`, `note_tweet`, `referenced_tweets`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Tweet {
    id_str: String,
    /// A string in v2; a number in v1.1, where `id_str` is the one to read.
    id: Option<Value>,
    text: String,
    extended_tweet: Option<LongText>,
    note_tweet: Option<LongText>,
    user: Option<UserObject>,
    author_id: String,
    lang: Option<String>,
    coordinates: Option<Coordinates>,
    geo: Option<Geo>,
    extended_entities: Option<Entities>,
    attachments: Option<Attachments>,
    in_reply_to_status_id_str: Option<String>,
    in_reply_to_user_id: Option<String>,
    referenced_tweets: Vec<Reference>,
    retweeted_status: Option<IgnoredAny>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct LongText {
    full_text: String,
    text: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Reference {
    /// `replied_to`, `quoted` or `retweeted`.
    #[serde(rename = "type")]
    kind: String,
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
struct Attachments {
    media_keys: Vec<String>,
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

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Geo {
    coordinates: Option<Coordinates>,
}

/// What a v2 delivery expands: the authors and the media of its posts.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Includes {
    users: Vec<V2User>,
    media: Vec<V2Media>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct V2User {
    id: String,
    name: String,
    username: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct V2Media {
    media_key: String,
    #[serde(rename = "type")]
    kind: String,
    url: String,
}

impl Tweet {
    fn id(&self) -> String {
        match (&self.id, self.id_str.is_empty()) {
            (_, false) => self.id_str.clone(),
            (Some(Value::String(id)), true) => id.clone(),
            _ => String::new(),
        }
    }

    fn author(&self) -> &str {
        match &self.user {
            Some(user) if !user.id_str.is_empty() => &user.id_str,
            _ => &self.author_id,
        }
    }

    fn is_retweet(&self) -> bool {
        self.retweeted_status.is_some()
            || self.referenced_tweets.iter().any(|r| r.kind == "retweeted")
    }

    fn is_reply(&self) -> bool {
        let given = |id: &Option<String>| id.as_deref().is_some_and(|id| !id.is_empty());
        given(&self.in_reply_to_status_id_str)
            || given(&self.in_reply_to_user_id)
            || self
                .referenced_tweets
                .iter()
                .any(|r| r.kind == "replied_to")
    }

    fn full_text(&self) -> &str {
        [&self.note_tweet, &self.extended_tweet]
            .into_iter()
            .flatten()
            .map(|long| {
                if long.full_text.is_empty() {
                    &long.text
                } else {
                    &long.full_text
                }
            })
            .find(|text| !text.is_empty())
            .unwrap_or(&self.text)
    }
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
    let city_account = if events.for_user_id.is_empty() {
        channels.settings.x.account_id.clone()
    } else {
        events.for_user_id.clone()
    };
    let (tweets, includes) = posts(events)?;
    for tweet in tweets {
        if let Some(message) = incoming(tweet, &includes, &city_account) {
            channels.receive(message).await?;
        }
    }
    Ok(StatusCode::OK.into_response())
}

/// The posts of a delivery in either shape, with what it expands.
fn posts(events: Events) -> Result<(Vec<Tweet>, Includes), WebhookError> {
    let mut includes = events.includes;
    let mut tweets = events.tweet_create_events;
    let malformed = |e: serde_json::Error| WebhookError::BadRequest(format!("not an X post: {e}"));
    match events.data {
        Some(Value::Array(items)) => {
            for item in items {
                tweets.push(serde_json::from_value(item).map_err(malformed)?);
            }
        }
        // The X Activity API: the post is the event's payload.
        Some(Value::Object(mut event)) if event.contains_key("payload") => {
            if let Some(expanded) = event.remove("includes") {
                includes = serde_json::from_value(expanded).map_err(malformed)?;
            }
            let kind = event
                .get("event_type")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            match event.remove("payload") {
                Some(payload @ Value::Object(_))
                    if kind.starts_with("post.create") || kind.is_empty() =>
                {
                    tweets.push(serde_json::from_value(payload).map_err(malformed)?);
                }
                _ => {
                    tracing::debug!(event_type = %kind, "X activity event ignored: not a new post")
                }
            }
        }
        Some(post @ Value::Object(_)) => {
            tweets.push(serde_json::from_value(post).map_err(malformed)?)
        }
        Some(other) => tracing::debug!(kind = ?other, "X delivery ignored: its data is not a post"),
        None => {}
    }
    if tweets.is_empty() {
        let kinds: Vec<&str> = events
            .other
            .keys()
            .map(String::as_str)
            .filter(|k| !matches!(*k, "matching_rules" | "user_has_blocked"))
            .collect();
        tracing::debug!(?kinds, "X event ignored: no post in it");
    }
    Ok((tweets, includes))
}

fn incoming(tweet: Tweet, includes: &Includes, city_account: &str) -> Option<IncomingMessage> {
    let id = tweet.id();
    let author = tweet.author().to_owned();
    if id.is_empty() || author.is_empty() {
        tracing::debug!("X post ignored: it has no id or author");
        return None;
    }
    // The city account's own posts (its replies) come back as events too.
    if author == city_account {
        tracing::debug!("X post ignored: the city account's own");
        return None;
    }
    if tweet.is_retweet() {
        tracing::debug!("X post ignored: a retweet of someone else's words");
        return None;
    }
    let (name, handle) = match &tweet.user {
        Some(user) if !user.screen_name.is_empty() => (user.name.clone(), user.screen_name.clone()),
        _ => includes
            .users
            .iter()
            .find(|u| u.id == author)
            .map(|u| (u.name.clone(), u.username.clone()))
            .unwrap_or_default(),
    };
    let mut photos: Vec<PhotoRef> = tweet
        .extended_entities
        .as_ref()
        .map(|e| e.media.as_slice())
        .unwrap_or_default()
        .iter()
        .filter(|m| m.kind == "photo" && m.media_url_https.starts_with("https://"))
        .map(|m| PhotoRef::Link {
            url: m.media_url_https.clone(),
        })
        .collect();
    if let Some(attachments) = &tweet.attachments {
        photos.extend(
            includes
                .media
                .iter()
                .filter(|m| attachments.media_keys.contains(&m.media_key))
                .filter(|m| m.kind == "photo" && m.url.starts_with("https://"))
                .map(|m| PhotoRef::Link { url: m.url.clone() }),
        );
    }
    let location = tweet
        .coordinates
        .as_ref()
        .or_else(|| tweet.geo.as_ref().and_then(|g| g.coordinates.as_ref()))
        .map(|c| GeoPoint {
            latitude: c.coordinates[1],
            longitude: c.coordinates[0],
        });
    let mut message = IncomingMessage::new(
        Channel::X,
        id.clone(),
        author,
        ReplyRoute::X { tweet_id: id },
    );
    message.text = Some(text::without_leading_mentions(&text::decode_entities(
        tweet.full_text(),
    )));
    message.location = location;
    message.in_thread = tweet.is_reply();
    message.language_hint = tweet.lang;
    message.contact = ReporterContact {
        display_name: Some(name).filter(|n| !n.is_empty()),
        email: None,
        phone: None,
        handle: Some(handle)
            .filter(|h| !h.is_empty())
            .map(|h| format!("@{h}")),
    };
    message.photos = photos;
    Some(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str) -> Vec<IncomingMessage> {
        let events: Events = serde_json::from_str(json).unwrap_or_default();
        let city = events.for_user_id.clone();
        let (tweets, includes) = posts(events).unwrap_or_default();
        tweets
            .into_iter()
            .filter_map(|t| incoming(t, &includes, if city.is_empty() { "4400" } else { &city }))
            .collect()
    }

    #[test]
    fn v2_posts_are_read_with_their_author_and_photos() {
        let messages = read(
            r#"{"data":{"id":"1870000000000000001","author_id":"9911","text":"@ComuneDemo Buca enorme in via Roma 3",
                 "lang":"it","attachments":{"media_keys":["3_1"]},"edit_history_tweet_ids":["1870000000000000001"],
                 "referenced_tweets":[{"type":"replied_to","id":"1860000000000000009"}]},
                "includes":{"users":[{"id":"9911","name":"Lucia","username":"lucia_v"}],
                            "media":[{"media_key":"3_1","type":"photo","url":"https://pbs.twimg.example/media/a.jpg"}]},
                "matching_rules":[{"id":"1","tag":"mentions"}]}"#,
        );
        assert_eq!(messages.len(), 1);
        let m = &messages[0];
        assert_eq!(
            (
                m.message_id.as_str(),
                m.sender.as_str(),
                m.text.as_deref(),
                m.in_thread
            ),
            (
                "1870000000000000001",
                "9911",
                Some("Buca enorme in via Roma 3"),
                true
            )
        );
        assert_eq!(m.contact.handle.as_deref(), Some("@lucia_v"));
        assert_eq!(
            m.photos,
            [PhotoRef::Link {
                url: "https://pbs.twimg.example/media/a.jpg".into()
            }]
        );
    }

    #[test]
    fn retweets_and_the_city_accounts_own_posts_are_left_out() {
        assert!(read(
            r#"{"data":[{"id":"1","author_id":"9911","text":"RT @x: via Roma","referenced_tweets":[{"type":"retweeted","id":"0"}]},
                        {"id":"2","author_id":"4400","text":"@lucia_v grazie"}]}"#
        )
        .is_empty());
        assert!(read(
            r#"{"for_user_id":"4400","tweet_create_events":[{"id":5,"id_str":"5","text":"RT @a: buca","user":{"id_str":"77","screen_name":"a","name":"A"},"retweeted_status":{"id_str":"4"}}]}"#
        )
        .is_empty());
        assert!(read(r#"{"for_user_id":"4400","favorite_events":[{"id":"f"}]}"#).is_empty());
    }

    #[test]
    fn an_activity_api_event_carries_its_post() {
        let messages = read(
            r#"{"data":{"event_uuid":"1","event_type":"post.create","filter":{"user_id":"9911"},
                 "payload":{"id":"77","author_id":"9911","text":"Lampione spento 45.46, 9.19"},
                 "includes":{"users":[{"id":"9911","name":"Lucia","username":"lucia_v"}]}}}"#,
        );
        assert_eq!(
            messages
                .iter()
                .map(|m| (m.message_id.as_str(), m.in_thread))
                .collect::<Vec<_>>(),
            [("77", false)]
        );
    }
}
