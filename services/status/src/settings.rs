//! The status section of the settings tree (`[status]` in the TOML file,
//! `SEGNALA__STATUS__…` in the environment).

use segnala_shared::{
    config::{ConfigError, Validate},
    delivery::DeliverySettings,
};
use serde::Deserialize;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StatusSettings {
    pub webhooks: WebhookSettings,
}

/// `[status.webhooks]`: the signed POSTs to subscribers.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebhookSettings {
    /// Accept `http` targets and loopback or private addresses. Only for tests and
    /// local set-ups: anyone may subscribe, and would reach the server's own network.
    pub allow_private_targets: bool,
    /// At most this many POSTs a second to each receiver (host and port).
    pub rate_per_second: f64,
    pub delivery: DeliverySettings,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            allow_private_targets: false,
            rate_per_second: 10.0,
            delivery: DeliverySettings::default(),
        }
    }
}

impl Validate for StatusSettings {
    fn validate(&self) -> Result<(), ConfigError> {
        let rate = self.webhooks.rate_per_second;
        if !(rate.is_finite() && rate > 0.0) {
            return Err(ConfigError::invalid(
                "status.webhooks.rate_per_second",
                "must be above 0",
            ));
        }
        self.webhooks.delivery.validate("status.webhooks.delivery")
    }
}
