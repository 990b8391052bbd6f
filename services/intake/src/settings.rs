//! The intake section of the settings tree (`[intake]` in the TOML file,
//! `SEGNALA__INTAKE__…` in the environment).

use segnala_shared::config::{ConfigError, Validate};
use serde::Deserialize;

use crate::channels::ChannelSettings;

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IntakeSettings {
    /// `[intake.channels.*]`: Telegram, WhatsApp, Mastodon, X, conversations, replies.
    pub channels: ChannelSettings,
    /// The triage service's gRPC URL, where the service list (taxonomy) is read.
    /// `segnala up` fills it in; `segnala serve intake` needs it configured.
    pub triage_url: String,
    /// The status service's gRPC URL, where Open311 reads statuses and notes.
    pub status_url: String,
    /// The Open311 `jurisdiction_id` this endpoint serves, such as "comune.example.it".
    /// Requests naming another one get 404; empty accepts any.
    pub jurisdiction_id: String,
    /// The language of service names and notes on Open311 ("it", "en").
    pub language: String,
    /// Where citizens reach intake's HTTP surface, such as "https://segnala.comune.it";
    /// Open311's discovery and photo URLs start with it. Empty: intake's own HTTP
    /// address.
    pub public_url: String,
    /// Where citizens reach the photos intake serves, such as
    /// "https://segnala.comune.it/media". Empty: `public_url` + "/media"; without that,
    /// the public site's "/media" when the status pages run in the same process (which
    /// serve them there), else intake's own HTTP address.
    pub media_url: String,
    /// The largest photo accepted, in bytes (Open311 upload or gRPC bytes).
    pub max_media_bytes: usize,
    pub rate_limit: RateLimitSettings,
    pub geocoder: GeocoderSettings,
    pub retention: RetentionSettings,
}

/// `[intake.retention]`: how long a reporter's contact outlives their report.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetentionSettings {
    /// Days after a report closes (resolved, closed, rejected, a duplicate) when its
    /// reporter's contact and chat identifiers are erased and its text anonymised;
    /// 0 erases them as soon as it closes.
    pub contacts_days_after_close: u32,
    /// How often closed reports are looked for, in seconds.
    pub check_every_secs: u64,
}

/// `[intake.geocoder]`: where the addresses of reports without coordinates are looked
/// up.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GeocoderSettings {
    /// A Nominatim-compatible service (`/search?format=jsonv2`), such as
    /// "https://nominatim.openstreetmap.org". Empty: the street index of the example
    /// city shipped with Segnala.
    pub url: String,
    /// How long one lookup may take before the report is taken without a position.
    pub timeout_ms: u64,
}

/// Requests over these rates get 429 with `Retry-After`.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitSettings {
    /// Reports one API key may submit per minute.
    pub per_key_per_minute: u32,
    /// Requests one source address may make per minute.
    pub per_address_per_minute: u32,
}

impl Default for IntakeSettings {
    fn default() -> Self {
        Self {
            channels: ChannelSettings::default(),
            triage_url: String::new(),
            status_url: String::new(),
            jurisdiction_id: String::new(),
            language: "it".into(),
            public_url: String::new(),
            media_url: String::new(),
            max_media_bytes: 5 * 1024 * 1024,
            rate_limit: RateLimitSettings::default(),
            geocoder: GeocoderSettings::default(),
            retention: RetentionSettings::default(),
        }
    }
}

impl Default for RetentionSettings {
    fn default() -> Self {
        Self {
            // Long enough for the reporter to answer whether the fix holds and for
            // a reopening; short enough that the city keeps no address book.
            contacts_days_after_close: 90,
            check_every_secs: 3600,
        }
    }
}

impl Default for GeocoderSettings {
    fn default() -> Self {
        Self {
            url: String::new(),
            timeout_ms: 5000,
        }
    }
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        Self {
            per_key_per_minute: 600,
            per_address_per_minute: 300,
        }
    }
}

impl Validate for IntakeSettings {
    fn validate(&self) -> Result<(), ConfigError> {
        for (key, url) in [
            ("intake.triage_url", &self.triage_url),
            ("intake.status_url", &self.status_url),
            ("intake.public_url", &self.public_url),
            ("intake.geocoder.url", &self.geocoder.url),
            ("intake.media_url", &self.media_url),
        ] {
            if !(url.is_empty() || url.starts_with("http://") || url.starts_with("https://")) {
                return Err(ConfigError::invalid(
                    key,
                    "must be an http:// or https:// URL",
                ));
            }
        }
        if self.max_media_bytes == 0 || self.max_media_bytes > 50 * 1024 * 1024 {
            return Err(ConfigError::invalid(
                "intake.max_media_bytes",
                "must be between 1 and 52428800 (50 MiB)",
            ));
        }
        if self.rate_limit.per_key_per_minute == 0 {
            return Err(ConfigError::invalid(
                "intake.rate_limit.per_key_per_minute",
                "must be at least 1",
            ));
        }
        if self.rate_limit.per_address_per_minute == 0 {
            return Err(ConfigError::invalid(
                "intake.rate_limit.per_address_per_minute",
                "must be at least 1",
            ));
        }
        if !(100..=60_000).contains(&self.geocoder.timeout_ms) {
            return Err(ConfigError::invalid(
                "intake.geocoder.timeout_ms",
                "must be between 100 and 60000",
            ));
        }
        if !(1..=86_400).contains(&self.retention.check_every_secs) {
            return Err(ConfigError::invalid(
                "intake.retention.check_every_secs",
                "must be between 1 and 86400",
            ));
        }
        if self.retention.contacts_days_after_close > 3650 {
            return Err(ConfigError::invalid(
                "intake.retention.contacts_days_after_close",
                "must be at most 3650 (ten years)",
            ));
        }
        if self.language.is_empty() {
            return Err(ConfigError::invalid("intake.language", "must not be empty"));
        }
        self.channels.validate()
    }
}
