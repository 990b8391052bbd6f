//! Mastodon: the city account's mentions, read from the notifications API with a
//! persisted `since_id` cursor, so a restart neither loses nor repeats any.

use std::time::Duration;

use segnala_shared::{AppError, config::ExposeSecret, messaging::Backoff};
use serde::Deserialize;

use super::text;
use crate::{
    channels::{
        Channels,
        domain::{IncomingMessage, PhotoRef, ReplyRoute},
        store::conversations as store,
    },
    domain::{Channel, ReporterContact},
};

const CURSOR: &str = "mastodon.notifications";

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Notification {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    account: Account,
    status: Option<Status>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Account {
    id: String,
    acct: String,
    display_name: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Status {
    id: String,
    content: String,
    language: Option<String>,
    media_attachments: Vec<Attachment>,
    /// The post this one answers, when it is a reply.
    in_reply_to_id: Option<String>,
    /// The post this one boosts: a boost is someone else's words.
    reblog: Option<serde::de::IgnoredAny>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Attachment {
    #[serde(rename = "type")]
    kind: String,
    url: String,
}

#[derive(Debug, thiserror::Error)]
enum PollError {
    #[error("notifications request failed: {0}")]
    Http(String),
    #[error("{0}")]
    App(#[from] AppError),
    #[error("database: {0}")]
    Db(#[from] sea_orm::DbErr),
}

/// Polls until the task is dropped.
pub async fn poll(channels: Channels, client: reqwest::Client) {
    let interval = Duration::from_millis(channels.settings.mastodon.poll_interval_ms);
    let mut backoff = Backoff::new(interval, Duration::from_secs(300).max(interval));
    loop {
        let pause = match poll_once(&channels, &client).await {
            Ok(()) => {
                backoff.reset();
                interval
            }
            Err(error) => {
                let delay = backoff.next_delay();
                tracing::warn!(%error, retry_in = ?delay, "Mastodon mentions could not be read");
                delay
            }
        };
        tokio::time::sleep(pause).await;
    }
}

/// Takes in the mentions newer than the cursor, oldest first, moving the cursor after
/// each one.
async fn poll_once(channels: &Channels, client: &reqwest::Client) -> Result<(), PollError> {
    let settings = &channels.settings.mastodon;
    let since = store::cursor(&channels.db, CURSOR).await?;
    let mut request = client
        .get(format!(
            "{}/api/v1/notifications",
            settings.instance_url.trim_end_matches('/')
        ))
        .query(&[("types[]", "mention"), ("limit", "40")]);
    if let Some(since) = &since {
        request = request.query(&[("since_id", since.as_str())]);
    }
    if let Some(token) = &settings.access_token {
        request = request.bearer_auth(token.expose_secret());
    }
    let response = request
        .send()
        .await
        .map_err(|e| PollError::Http(e.without_url().to_string()))?;
    if !response.status().is_success() {
        return Err(PollError::Http(format!("HTTP {}", response.status())));
    }
    let body = response
        .bytes()
        .await
        .map_err(|e| PollError::Http(e.without_url().to_string()))?;
    let mut notifications: Vec<Notification> = serde_json::from_slice(&body)
        .map_err(|e| PollError::Http(format!("unexpected answer: {e}")))?;
    // The API answers newest first; ids are numeric strings that grow.
    notifications.sort_by(|a, b| compare_ids(&a.id, &b.id));
    for notification in notifications {
        if since
            .as_deref()
            .is_some_and(|since| compare_ids(&notification.id, since).is_le())
        {
            continue;
        }
        let id = notification.id.clone();
        if let Some(message) = incoming(notification) {
            channels.receive(message).await?;
        }
        store::save_cursor(&channels.db, CURSOR, &id).await?;
    }
    Ok(())
}

/// Snowflake-like ids: longer is newer, then by digits.
fn compare_ids(a: &str, b: &str) -> std::cmp::Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

fn incoming(notification: Notification) -> Option<IncomingMessage> {
    if notification.kind != "mention" {
        tracing::debug!(kind = %notification.kind, "Mastodon notification ignored: not a mention");
        return None;
    }
    let Some(status) = notification.status else {
        tracing::debug!("Mastodon mention ignored: it carries no post");
        return None;
    };
    let account = notification.account;
    if status.id.is_empty() || account.acct.is_empty() {
        tracing::debug!("Mastodon mention ignored: its post or account has no id");
        return None;
    }
    if status.reblog.is_some() {
        tracing::debug!("Mastodon mention ignored: a boost of someone else's post");
        return None;
    }
    let plain = text::without_leading_mentions(&text::html_to_text(&status.content));
    let mut incoming = IncomingMessage::new(
        Channel::Mastodon,
        status.id.clone(),
        account.id,
        ReplyRoute::Mastodon {
            status_id: status.id,
            acct: account.acct.clone(),
        },
    );
    incoming.text = Some(plain);
    incoming.language_hint = status.language;
    incoming.contact = ReporterContact {
        display_name: Some(account.display_name).filter(|n| !n.is_empty()),
        email: None,
        phone: None,
        handle: Some(format!("@{}", account.acct)),
    };
    incoming.photos = status
        .media_attachments
        .into_iter()
        .filter(|a| a.kind == "image" && a.url.starts_with("https://"))
        .map(|a| PhotoRef::Link { url: a.url })
        .collect();
    incoming.in_thread = status.in_reply_to_id.is_some_and(|id| !id.is_empty());
    Some(incoming)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_attachments_are_kept_as_links_and_other_media_left_out() {
        let notification: Notification = serde_json::from_str(
            r#"{"id":"9","type":"mention","account":{"id":"1","acct":"anna@social.example","display_name":"Anna"},
                "status":{"id":"77","content":"<p>@comune Panchina rotta</p>","language":"it",
                  "media_attachments":[
                    {"id":"1","type":"image","url":"https://files.social.example/a.jpg","preview_url":"https://files.social.example/a_small.jpg"},
                    {"id":"2","type":"video","url":"https://files.social.example/b.mp4"},
                    {"id":"3","type":"image","url":"http://insecure.example/c.jpg"}],
                  "a_field_from_a_newer_server":true}}"#,
        )
        .unwrap_or_default();
        let message = incoming(notification);
        assert_eq!(
            message.as_ref().map(|m| m.photos.clone()),
            Some(vec![PhotoRef::Link {
                url: "https://files.social.example/a.jpg".into()
            }])
        );
        assert_eq!(
            message.and_then(|m| m.text).as_deref(),
            Some("Panchina rotta")
        );
    }
}
