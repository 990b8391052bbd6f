//! Turns a reply into the request each platform's API expects, and names the
//! destinations the delivery worker sends them through.

use segnala_shared::{
    config::ExposeSecret,
    delivery::{Destination, OutgoingRequest},
};
use serde_json::json;

use crate::channels::{
    domain::{Choice, ReplyRoute},
    settings::ChannelSettings,
};

const TELEGRAM: &str = "telegram";
const WHATSAPP: &str = "whatsapp";
const MASTODON: &str = "mastodon";
const X: &str = "x";

/// Mastodon and X cut posts at 500 and 280 characters.
const MASTODON_LIMIT: usize = 500;
const X_LIMIT: usize = 280;
/// WhatsApp's interactive messages: a body of 1,024 characters, button titles of 20.
const WHATSAPP_BODY_LIMIT: usize = 1024;
const WHATSAPP_BUTTON_LIMIT: usize = 20;

/// The request that sends `text` along `route`, with `choices` as buttons where the
/// platform has them. `key` makes it unique.
pub fn reply(
    key: String,
    route: &ReplyRoute,
    text: &str,
    choices: &[Choice],
    settings: &ChannelSettings,
) -> OutgoingRequest {
    match route {
        ReplyRoute::Telegram { chat_id } => {
            let mut body = json!({ "chat_id": chat_id, "text": text });
            if !choices.is_empty() {
                let row: Vec<_> = choices
                    .iter()
                    .map(|c| json!({ "text": c.label, "callback_data": c.data }))
                    .collect();
                body["reply_markup"] = json!({ "inline_keyboard": [row] });
            }
            OutgoingRequest::json(key, TELEGRAM, "/sendMessage", &body)
        }
        ReplyRoute::WhatsApp {
            phone_number_id,
            to,
        } => {
            let content = if choices.is_empty() {
                json!({ "type": "text", "text": { "preview_url": false, "body": text } })
            } else {
                let buttons: Vec<_> = choices
                    .iter()
                    .map(|c| {
                        json!({ "type": "reply", "reply": {
                            "id": c.data, "title": shorten(&c.label, WHATSAPP_BUTTON_LIMIT)
                        }})
                    })
                    .collect();
                json!({ "type": "interactive", "interactive": {
                    "type": "button",
                    "body": { "text": shorten(text, WHATSAPP_BODY_LIMIT) },
                    "action": { "buttons": buttons },
                }})
            };
            let mut body = json!({
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": to,
            });
            if let (Some(body), Some(content)) = (body.as_object_mut(), content.as_object()) {
                body.extend(content.clone());
            }
            OutgoingRequest::json(key, WHATSAPP, format!("/{phone_number_id}/messages"), &body)
        }
        ReplyRoute::Mastodon { status_id, acct } => mastodon_status(
            key,
            &format!("@{acct} {text}"),
            Some(status_id),
            &settings.mastodon.reply_visibility,
        ),
        ReplyRoute::X { tweet_id } => OutgoingRequest::json(
            key,
            X,
            "/2/tweets",
            &json!({
                "text": shorten(text, X_LIMIT),
                "reply": { "in_reply_to_tweet_id": tweet_id },
            }),
        ),
    }
}

/// Tells Telegram that a button press was seen, so that the citizen's app stops
/// showing it as pending.
pub fn answer_button(key: String, callback_query_id: &str) -> OutgoingRequest {
    OutgoingRequest::json(
        key,
        TELEGRAM,
        "/answerCallbackQuery",
        &json!({ "callback_query_id": callback_query_id }),
    )
}

/// Requests that publish a public alert on every channel configured for broadcasts.
/// Each key is `key_prefix` plus the target.
pub fn broadcast(key_prefix: &str, text: &str, settings: &ChannelSettings) -> Vec<OutgoingRequest> {
    let mut requests = Vec::new();
    if settings.telegram.enabled() {
        for chat in &settings.telegram.broadcast_chat_ids {
            // Numeric ids go as numbers, `@channel` names as strings.
            let chat_id = chat
                .parse::<i64>()
                .map_or_else(|_| json!(chat), |id| json!(id));
            requests.push(OutgoingRequest::json(
                format!("{key_prefix}/telegram/{chat}"),
                TELEGRAM,
                "/sendMessage",
                &json!({ "chat_id": chat_id, "text": text }),
            ));
        }
    }
    if settings.mastodon.enabled() && settings.mastodon.broadcast_alerts {
        requests.push(mastodon_status(
            format!("{key_prefix}/mastodon"),
            text,
            None,
            "public",
        ));
    }
    if settings.x.enabled() && settings.x.broadcast_alerts {
        requests.push(OutgoingRequest::json(
            format!("{key_prefix}/x"),
            X,
            "/2/tweets",
            &json!({ "text": shorten(text, X_LIMIT) }),
        ));
    }
    requests
}

fn mastodon_status(
    key: String,
    text: &str,
    in_reply_to: Option<&String>,
    visibility: &str,
) -> OutgoingRequest {
    let mut body = json!({
        "status": shorten(text, MASTODON_LIMIT),
        "visibility": visibility,
    });
    if let Some(id) = in_reply_to {
        body["in_reply_to_id"] = json!(id);
    }
    let mut request = OutgoingRequest::json(key.clone(), MASTODON, "/api/v1/statuses", &body);
    // Mastodon drops a second post with the same key: a retry after a lost answer
    // does not post twice.
    request.headers.push(("Idempotency-Key".into(), key));
    request
}

fn shorten(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_owned();
    }
    let mut short: String = text.chars().take(limit - 1).collect();
    short.push('…');
    short
}

/// The platforms' APIs, as configured.
pub fn destinations(settings: &ChannelSettings) -> Vec<Destination> {
    let mut destinations = Vec::new();
    let telegram = &settings.telegram;
    if let Some(token) = &telegram.bot_token {
        destinations.push(
            Destination::new(
                TELEGRAM,
                format!(
                    "{}/bot{}",
                    telegram.api_base_url.trim_end_matches('/'),
                    token.expose_secret()
                ),
            )
            .rate_limit(telegram.rate_per_second),
        );
    }
    let whatsapp = &settings.whatsapp;
    if let Some(token) = &whatsapp.access_token {
        destinations.push(
            Destination::new(WHATSAPP, &whatsapp.api_base_url)
                .bearer(token.expose_secret())
                .rate_limit(whatsapp.rate_per_second),
        );
    }
    let mastodon = &settings.mastodon;
    if let (true, Some(token)) = (mastodon.enabled(), &mastodon.access_token) {
        destinations.push(
            Destination::new(MASTODON, &mastodon.instance_url)
                .bearer(token.expose_secret())
                .rate_limit(mastodon.rate_per_second),
        );
    }
    let x = &settings.x;
    if let (true, Some(token)) = (x.enabled(), &x.user_access_token) {
        destinations.push(
            Destination::new(X, &x.api_base_url)
                .bearer(token.expose_secret())
                .rate_limit(x.rate_per_second),
        );
    }
    destinations
}
