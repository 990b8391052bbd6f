//! `[intake.channels.*]`: how intake reaches each social and messaging platform. A
//! platform is on when its credentials are set; every API base URL is configuration so
//! that a test, a proxy or another instance can stand in for the real one.

use std::time::Duration;

use segnala_shared::{
    config::{ConfigError, ExposeSecret, SecretString},
    delivery::DeliverySettings,
};
use serde::Deserialize;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChannelSettings {
    pub telegram: TelegramSettings,
    pub whatsapp: WhatsAppSettings,
    pub mastodon: MastodonSettings,
    pub x: XSettings,
    pub conversation: ConversationSettings,
    pub delivery: DeliverySettings,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TelegramSettings {
    /// The bot's token from @BotFather. Unset: no Telegram.
    pub bot_token: Option<SecretString>,
    /// The `secret_token` given to `setWebhook`; Telegram sends it back in
    /// `X-Telegram-Bot-Api-Secret-Token`.
    pub webhook_secret: Option<SecretString>,
    pub api_base_url: String,
    /// Chats and channels (ids or `@channelname`) that receive public alerts.
    pub broadcast_chat_ids: Vec<String>,
    pub rate_per_second: f64,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WhatsAppSettings {
    /// A system-user access token of the WhatsApp Business app. Unset: no WhatsApp.
    pub access_token: Option<SecretString>,
    /// The app secret: `X-Hub-Signature-256` is an HMAC of the body with it.
    pub app_secret: Option<SecretString>,
    /// What the app's webhook configuration sends as `hub.verify_token`.
    pub verify_token: Option<SecretString>,
    /// Graph API root including the version, such as `https://graph.facebook.com/v21.0`.
    pub api_base_url: String,
    pub rate_per_second: f64,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MastodonSettings {
    /// The city account's instance, such as `https://mastodon.example`. Empty: no Mastodon.
    pub instance_url: String,
    /// An access token of the city account with `read:notifications write:statuses`.
    pub access_token: Option<SecretString>,
    /// Visibility of replies to citizens: `direct`, `private`, `unlisted` or `public`.
    pub reply_visibility: String,
    /// Post public alerts on the city account.
    pub broadcast_alerts: bool,
    pub poll_interval_ms: u64,
    pub rate_per_second: f64,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct XSettings {
    /// The app's consumer secret: the CRC answer and the webhook signature use it.
    pub consumer_secret: Option<SecretString>,
    /// A user-context OAuth 2.0 token of the city account, for posting replies.
    pub user_access_token: Option<SecretString>,
    /// The city account's numeric user id: its own posts (the bot's replies) are never
    /// taken as reports. Account Activity events name it themselves (`for_user_id`);
    /// v2 deliveries do not.
    pub account_id: String,
    pub api_base_url: String,
    /// Post public alerts on the city account.
    pub broadcast_alerts: bool,
    pub rate_per_second: f64,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConversationSettings {
    /// How long the bot waits for the missing location or description.
    pub expire_after_secs: u64,
    /// Whether a post that mentions the city on a public timeline (Mastodon, X) and
    /// that triage turned away (not a report, another body's business) is answered
    /// there. Off: chatter is left alone, as a person minding the account would.
    pub answer_turned_away_mentions: bool,
}

impl Default for TelegramSettings {
    fn default() -> Self {
        Self {
            bot_token: None,
            webhook_secret: None,
            api_base_url: "https://api.telegram.org".into(),
            broadcast_chat_ids: Vec::new(),
            rate_per_second: 25.0,
        }
    }
}

impl Default for WhatsAppSettings {
    fn default() -> Self {
        Self {
            access_token: None,
            app_secret: None,
            verify_token: None,
            api_base_url: "https://graph.facebook.com/v21.0".into(),
            rate_per_second: 20.0,
        }
    }
}

impl Default for MastodonSettings {
    fn default() -> Self {
        Self {
            instance_url: String::new(),
            access_token: None,
            reply_visibility: "direct".into(),
            broadcast_alerts: true,
            poll_interval_ms: 30_000,
            rate_per_second: 1.0,
        }
    }
}

impl Default for XSettings {
    fn default() -> Self {
        Self {
            consumer_secret: None,
            user_access_token: None,
            account_id: String::new(),
            api_base_url: "https://api.x.com".into(),
            broadcast_alerts: false,
            rate_per_second: 0.2,
        }
    }
}

impl Default for ConversationSettings {
    fn default() -> Self {
        Self {
            expire_after_secs: 30 * 60,
            answer_turned_away_mentions: true,
        }
    }
}

impl TelegramSettings {
    pub fn enabled(&self) -> bool {
        self.bot_token.is_some()
    }
}

impl WhatsAppSettings {
    pub fn enabled(&self) -> bool {
        self.access_token.is_some()
    }
}

impl MastodonSettings {
    pub fn enabled(&self) -> bool {
        !self.instance_url.is_empty()
    }
}

impl XSettings {
    pub fn enabled(&self) -> bool {
        self.consumer_secret.is_some()
    }
}

impl ConversationSettings {
    pub fn expiry(&self) -> Duration {
        Duration::from_secs(self.expire_after_secs)
    }
}

impl ChannelSettings {
    pub fn validate(&self) -> Result<(), ConfigError> {
        let key = |k: &str| format!("intake.channels.{k}");
        for (name, url) in [
            ("telegram.api_base_url", &self.telegram.api_base_url),
            ("whatsapp.api_base_url", &self.whatsapp.api_base_url),
            ("x.api_base_url", &self.x.api_base_url),
        ] {
            require_http_url(&key(name), url)?;
        }
        if self.telegram.enabled() {
            require_secret(
                &key("telegram.webhook_secret"),
                &self.telegram.webhook_secret,
            )?;
            if let Some(secret) = &self.telegram.webhook_secret {
                // Telegram accepts 1-256 characters A-Z, a-z, 0-9, _ and -.
                let secret = secret.expose_secret();
                if secret.len() > 256
                    || !secret
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                {
                    return Err(ConfigError::invalid(
                        key("telegram.webhook_secret"),
                        "must be 1-256 characters of A-Z, a-z, 0-9, _ and -",
                    ));
                }
            }
        }
        if self.whatsapp.enabled() {
            require_secret(&key("whatsapp.app_secret"), &self.whatsapp.app_secret)?;
            require_secret(&key("whatsapp.verify_token"), &self.whatsapp.verify_token)?;
        }
        if self.mastodon.enabled() {
            require_http_url(&key("mastodon.instance_url"), &self.mastodon.instance_url)?;
            require_secret(&key("mastodon.access_token"), &self.mastodon.access_token)?;
            if !["direct", "private", "unlisted", "public"]
                .contains(&self.mastodon.reply_visibility.as_str())
            {
                return Err(ConfigError::invalid(
                    key("mastodon.reply_visibility"),
                    "must be direct, private, unlisted or public",
                ));
            }
            if self.mastodon.poll_interval_ms < 100 {
                return Err(ConfigError::invalid(
                    key("mastodon.poll_interval_ms"),
                    "must be at least 100",
                ));
            }
        }
        if self.x.enabled() {
            require_secret(&key("x.user_access_token"), &self.x.user_access_token)?;
        }
        if !self.x.account_id.chars().all(|c| c.is_ascii_digit()) {
            return Err(ConfigError::invalid(
                key("x.account_id"),
                "must be the account's numeric user id",
            ));
        }
        for (name, rate) in [
            ("telegram.rate_per_second", self.telegram.rate_per_second),
            ("whatsapp.rate_per_second", self.whatsapp.rate_per_second),
            ("mastodon.rate_per_second", self.mastodon.rate_per_second),
            ("x.rate_per_second", self.x.rate_per_second),
        ] {
            if !(rate.is_finite() && rate > 0.0) {
                return Err(ConfigError::invalid(key(name), "must be above 0"));
            }
        }
        if self.conversation.expire_after_secs == 0 {
            return Err(ConfigError::invalid(
                key("conversation.expire_after_secs"),
                "must be at least 1",
            ));
        }
        self.delivery.validate(&key("delivery"))
    }
}

fn require_http_url(key: &str, url: &str) -> Result<(), ConfigError> {
    if url.starts_with("http://") || url.starts_with("https://") {
        Ok(())
    } else {
        Err(ConfigError::invalid(
            key,
            "must be an http:// or https:// URL",
        ))
    }
}

fn require_secret(key: &str, secret: &Option<SecretString>) -> Result<(), ConfigError> {
    match secret {
        Some(value) if !value.expose_secret().is_empty() => Ok(()),
        _ => Err(ConfigError::invalid(
            key,
            "must be set when the platform is configured",
        )),
    }
}
