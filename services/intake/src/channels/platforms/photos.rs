//! Photos citizens send in a chat. Telegram and WhatsApp give only an id of the file,
//! reachable with the bot's credentials, so intake fetches the image and keeps it as an
//! upload of its own (a link with the bot token in it must never be published);
//! Mastodon's attachments are public links and are kept as links.

use reqwest::Client;
use segnala_shared::{
    AppError,
    config::{ExposeSecret, SecretString},
};
use serde::Deserialize;

use crate::{
    app::upload_photo,
    channels::{domain::PhotoRef, settings::ChannelSettings},
    domain::{MAX_MEDIA_PER_REPORT, MediaDraft},
};

/// Fetches chat photos with each platform's credentials.
#[derive(Clone)]
pub struct PhotoFetcher {
    client: Client,
    telegram_base: String,
    telegram_token: Option<SecretString>,
    whatsapp_base: String,
    whatsapp_token: Option<SecretString>,
    max_bytes: usize,
}

#[derive(Deserialize)]
struct TelegramFile {
    result: TelegramFilePath,
}

#[derive(Deserialize)]
struct TelegramFilePath {
    file_path: String,
}

#[derive(Deserialize)]
struct WhatsAppMedia {
    url: String,
}

impl PhotoFetcher {
    pub fn new(settings: &ChannelSettings, client: Client, max_bytes: usize) -> Self {
        Self {
            client,
            telegram_base: settings
                .telegram
                .api_base_url
                .trim_end_matches('/')
                .to_owned(),
            telegram_token: settings.telegram.bot_token.clone(),
            whatsapp_base: settings
                .whatsapp
                .api_base_url
                .trim_end_matches('/')
                .to_owned(),
            whatsapp_token: settings.whatsapp.access_token.clone(),
            max_bytes,
        }
    }

    /// The report's photos. A platform that cannot be reached makes the whole message
    /// fail (the platform delivers it again later); a file that is not an acceptable
    /// image is left out, since the citizen's words still make a report.
    pub async fn fetch(&self, photos: &[PhotoRef]) -> Result<Vec<MediaDraft>, AppError> {
        let mut media = Vec::with_capacity(photos.len().min(MAX_MEDIA_PER_REPORT));
        for photo in photos.iter().take(MAX_MEDIA_PER_REPORT) {
            let bytes = match photo {
                PhotoRef::Link { url } => {
                    media.push(MediaDraft::Url(url.clone()));
                    continue;
                }
                PhotoRef::Telegram { file_id } => self.telegram(file_id).await?,
                PhotoRef::WhatsApp { media_id } => self.whatsapp(media_id).await?,
            };
            match upload_photo(bytes, self.max_bytes).await {
                Ok(upload) => media.push(upload),
                Err(problem) => tracing::warn!(problem, "a chat photo was left out"),
            }
        }
        Ok(media)
    }

    async fn telegram(&self, file_id: &str) -> Result<bytes::Bytes, AppError> {
        let token = secret(self.telegram_token.as_ref(), "telegram.bot_token")?;
        let file: TelegramFile = self
            .json(
                self.client
                    .get(format!("{}/bot{token}/getFile", self.telegram_base))
                    .query(&[("file_id", file_id)]),
                "Telegram",
            )
            .await?;
        self.download(
            self.client.get(format!(
                "{}/file/bot{token}/{}",
                self.telegram_base, file.result.file_path
            )),
            "Telegram",
        )
        .await
    }

    async fn whatsapp(&self, media_id: &str) -> Result<bytes::Bytes, AppError> {
        let token = secret(self.whatsapp_token.as_ref(), "whatsapp.access_token")?;
        let media: WhatsAppMedia = self
            .json(
                self.client
                    .get(format!("{}/{media_id}", self.whatsapp_base))
                    .bearer_auth(token),
                "WhatsApp",
            )
            .await?;
        self.download(self.client.get(media.url).bearer_auth(token), "WhatsApp")
            .await
    }

    async fn json<T: serde::de::DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
        platform: &str,
    ) -> Result<T, AppError> {
        let body = self.download(request, platform).await?;
        serde_json::from_slice(&body).map_err(|e| {
            AppError::Unavailable(format!("{platform} answered a photo lookup with {e}"))
        })
    }

    async fn download(
        &self,
        request: reqwest::RequestBuilder,
        platform: &str,
    ) -> Result<bytes::Bytes, AppError> {
        request
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| unreachable_platform(platform, e))?
            .bytes()
            .await
            .map_err(|e| unreachable_platform(platform, e))
    }
}

fn secret<'a>(secret: Option<&'a SecretString>, key: &str) -> Result<&'a str, AppError> {
    secret
        .map(|s| s.expose_secret())
        .ok_or_else(|| AppError::Unavailable(format!("{key} is not configured")))
}

/// The error without its URL: Telegram's file URLs carry the bot token.
fn unreachable_platform(platform: &str, error: reqwest::Error) -> AppError {
    AppError::Unavailable(format!(
        "fetching a photo from {platform}: {}",
        error.without_url()
    ))
}
